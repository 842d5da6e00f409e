/**
 * A recorded delivery as a pytest file: it loads the plugin class from its source file, holds it the
 * way the executor does (an instance for request style, `LegacyAdapter` for webhook_bridge 0.6-4.0
 * style), builds the same `Request`, calls the handler of the method and asserts the recorded status
 * (the status rules are the executor's own `normalize_result`). The executor's signature check is
 * not repeated: the plugin is called directly, as for a verified delivery.
 */
import type { ExportSource } from './export.js';

/** Where the exported test finds the plugin and the app's Python code. */
export interface PytestTarget {
  /** The plugin's source file (the executor's `source_path`). */
  pluginFile: string;
  /** The app's `resources/python` (holds `webhook_bridge` and `webhook_bridge_executor`). */
  bridgePython: string;
}

/**
 * A Python str literal: JSON's string syntax is a subset of Python's (\", \\, \n, \uXXXX, and a lone
 * surrogate as \udXXX, which Python accepts too); U+2028/2029 stay escaped for readability.
 */
export function pyStr(value: string): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const BYTES_LINE = 72;

function pyByte(byte: number): string {
  if (byte === 0x5c) return '\\\\';
  if (byte === 0x27) return "\\'";
  if (byte === 0x0a) return '\\n';
  if (byte === 0x0d) return '\\r';
  if (byte === 0x09) return '\\t';
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** A Python bytes expression for `body`: `b''`, or adjacent `b'…'` literals in parentheses, one line each. */
export function pyBytes(body: Uint8Array, indent = '    '): string {
  if (body.length === 0) return "b''";
  const lines: string[] = [];
  let line = '';
  for (const byte of body) {
    const piece = pyByte(byte);
    if (line.length + piece.length > BYTES_LINE) {
      lines.push(line);
      line = '';
    }
    line += piece;
    if (byte === 0x0a) {
      lines.push(line);
      line = '';
    }
  }
  if (line) lines.push(line);
  if (lines.length === 1) return `b'${lines[0]}'`;
  return `(\n${lines.map((l) => `${indent}b'${l}'`).join('\n')}\n)`;
}

/** `test_delivery_<id>_answers_<status>`: only word characters. */
function testName(source: ExportSource, status: number): string {
  const id = source.id.replace(/[^A-Za-z0-9_]/g, '_').toLowerCase() || 'x';
  return `test_delivery_${id}_answers_${status}`;
}

/** The file name offered for the export. */
export function pytestFileName(source: ExportSource): string {
  return `test_${source.plugin.replace(/[^A-Za-z0-9_]/g, '_')}_${source.id.replace(/[^A-Za-z0-9_]/g, '_')}.py`;
}

/** One line of a docstring: no quotes that could end it, no backslashes. */
const docLine = (text: string): string => text.replace(/[\\"]/g, '?').replace(/[\r\n]+/g, ' ');

/** The pytest file for `source`; `status` is what it must answer (the recorded status). */
export function toPytest(source: ExportSource, status: number, target: PytestTarget): string {
  const headers = source.headers.map(([name, value]) => `    (${pyStr(name)}, ${pyStr(value)}),`);
  const query = source.query ? `?${source.query}` : '';
  return `"""Delivery ${docLine(source.id)}: ${docLine(`${source.method} ${source.path}${query}`)} to plugin '${docLine(source.plugin)}',
received ${docLine(source.receivedAt)}, answered ${status}.

Exported by webhook-bridge. It loads the plugin class from its file, feeds it the recorded request
the way the executor does, and asserts the recorded status. Run it with the plugin's interpreter:

    python3 -m pytest ${docLine(pytestFileName(source))}

The executor's signature check is not repeated: the plugin is called directly.
"""

import importlib.util
import logging
import sys
from urllib.parse import parse_qs

DELIVERY_ID = ${pyStr(source.id)}
PLUGIN_NAME = ${pyStr(source.plugin)}
PLUGIN_FILE = ${pyStr(target.pluginFile)}
# The app's Python code: webhook_bridge (the plugin API) and the executor's conversions.
BRIDGE_PYTHON = ${pyStr(target.bridgePython)}

METHOD = ${pyStr(source.method.toUpperCase())}
PATH = ${pyStr(source.path)}
QUERY = ${pyStr(source.query)}
HEADERS = [
${headers.join('\n')}
]
CONTENT_TYPE = ${pyStr(source.contentType)}
BODY = ${pyBytes(source.body)}
RECORDED_STATUS = ${status}

if BRIDGE_PYTHON not in sys.path:
    sys.path.insert(0, BRIDGE_PYTHON)

from webhook_bridge import HTTP_METHODS, Headers, Request  # noqa: E402
from webhook_bridge_executor.conversion import BadRequest, normalize_result, parse_body  # noqa: E402
from webhook_bridge_executor.diagnostics import LEGACY_STYLE, find_plugin_class  # noqa: E402
from webhook_bridge_executor.legacy import LegacyAdapter  # noqa: E402


def load_plugin():
    """The plugin as the executor holds it: an instance, or a LegacyAdapter for a 0.6-4.0 plugin."""
    module_name = "webhook_bridge_plugins." + PLUGIN_NAME
    spec = importlib.util.spec_from_file_location(module_name, PLUGIN_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    plugin_class, style = find_plugin_class(module, PLUGIN_FILE)
    if style == LEGACY_STYLE:
        plugin = LegacyAdapter(plugin_class, PLUGIN_NAME, PLUGIN_FILE)
    else:
        plugin = plugin_class()
    plugin.name = PLUGIN_NAME
    plugin.logger = logging.getLogger("plugin." + PLUGIN_NAME)
    return plugin


def handler_for(plugin, method):
    """The method's handler, else the catch-all handle(), else None (the executor answers 405)."""
    if method in HTTP_METHODS and callable(getattr(plugin, method.lower(), None)):
        return getattr(plugin, method.lower())
    handle = getattr(plugin, "handle", None)
    return handle if callable(handle) else None


def recorded_request():
    return Request(
        method=METHOD,
        path=PATH,
        headers=Headers(HEADERS),
        query=parse_qs(QUERY, keep_blank_values=True),
        query_string=QUERY,
        raw_body=BODY,
        body=parse_body(BODY, CONTENT_TYPE),
        content_type=CONTENT_TYPE,
        request_id=DELIVERY_ID,
        plugin=PLUGIN_NAME,
    )


def run_delivery():
    """The status the plugin answers the recorded request with (the executor's rules)."""
    handler = handler_for(load_plugin(), METHOD)
    if handler is None:
        return 405
    try:
        request = recorded_request()
    except BadRequest:
        return 400
    try:
        return normalize_result(handler(request))[0]
    except Exception:
        if RECORDED_STATUS != 500:
            raise  # the plugin's own traceback says more than a status would
        return 500


def ${testName(source, status)}():
    assert run_delivery() == RECORDED_STATUS
`;
}
