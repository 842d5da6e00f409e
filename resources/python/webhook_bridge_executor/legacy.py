"""Running webhook_bridge 0.6-4.0 style plugins (``webhook_bridge.plugin.BasePlugin``).

The registry keeps a :class:`LegacyAdapter` where it keeps a request-style
plugin instance: it offers the usual ``get(request)`` ... handlers, and for
each call builds ``self.data`` from the request, makes a new plugin instance
(``Plugin(data, http_method=...)``, as upstream did), calls ``execute()`` and
turns the result into the answer:

- with the legacy envelope (default; ``WEBHOOK_BRIDGE_LEGACY_ENVELOPE=0``
  turns it off) the body is upstream's ``{plugin, method, status_code,
  message, execution_time, timestamp, data, error?, request_id}``;
- without it, the body is the result as JSON;
- a result that is not a dict is given as ``{"result": value}``;
- a 0.6-3.x plugin's result is upstream 2.x/3.x execute()'s wrapper (see
  webhook_bridge/plugin.py); the generation comes from the class
  (``plugin_generation``) unless ``WEBHOOK_BRIDGE_LEGACY_GENERATION``
  (plugins.legacy_generation: auto, 3 or 4) forces it;
- a plugin that raises answers 500 (``status_code: 500, error: "<text>"``),
  except that an error of loading code (``_raised_while_loading``) gives its
  type only: its text may quote a file's lines.
"""

import datetime
import inspect
import json
import logging
import os
import sys
import time
from urllib.parse import parse_qs

from webhook_bridge import Response
from webhook_bridge.plugin import LEGACY_METHODS, BasePlugin, PluginData, generation_of, is_entry_run

from .diagnostics import (LEGACY_HANDLERS, PluginShapeError, parameter_names, class_line, handler_problem,
                          public_exception)

ENVELOPE_ENV = "WEBHOOK_BRIDGE_LEGACY_ENVELOPE"
GENERATION_ENV = "WEBHOOK_BRIDGE_LEGACY_GENERATION"  # plugins.legacy_generation: auto, 3 or 4
FORM_TYPE = "application/x-www-form-urlencoded"
_CATCH_ALL = ("handle", "execute")

log = logging.getLogger("webhook_bridge_executor.legacy")


def envelope_enabled():
    return os.environ.get(ENVELOPE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def forced_generation():
    """3 or 4 when plugins.legacy_generation forces every legacy plugin's generation, else None."""
    value = os.environ.get(GENERATION_ENV, "auto").strip().lower()
    return int(value) if value in ("3", "4") else None


def plugin_generation(cls):
    """3 (0.6-3.x: execute() wraps the result) or 4 for a legacy plugin class: the setting,
    else what the class shows (plugin.generation_of; a class not named Plugin was only
    found by 0.6-3.x), else 4."""
    forced = forced_generation()
    if forced is not None:
        return forced
    found = generation_of(cls)
    if found is not None:
        return found
    if getattr(sys.modules.get(cls.__module__), "Plugin", None) is not cls:
        return 3
    return 4


def _raised_while_loading(exc):
    """True for an error of loading code (a syntax or import error, or anything raised by a
    module's top-level code): its text may quote a file's lines, so callers get its type only."""
    if isinstance(exc, (SyntaxError, ImportError)):
        return True
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "<module>":
            return True
        tb = tb.tb_next
    return False


def _first_values(query):
    return dict((key, values[0]) for key, values in query.items() if values)


def build_data(request):
    """``self.data`` for a request: the JSON object body (nested intact), a form body
    as a dict, else the query string (first value of each key)."""
    media = (request.content_type or "").split(";", 1)[0].strip().lower()
    body = request.body
    if request.is_json and body is not None:
        return PluginData(body if isinstance(body, dict) else {"body": body})
    text = body if isinstance(body, str) else ""
    if text.strip() and text.lstrip()[:1] in ("{", "["):
        # Upstream 3.x parsed the body as JSON whatever its Content-Type (text/plain, none,
        # or `curl -d '{...}'`, which labels it a form).
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return PluginData(parsed)
        if isinstance(parsed, list):
            return PluginData({"body": parsed})
    if media == FORM_TYPE and request.raw_body.strip():
        return PluginData(_first_values(parse_qs(text, keep_blank_values=True)))
    return PluginData(_first_values(request.query))


def _overridden(cls, name):
    return getattr(cls, name, None) is not getattr(BasePlugin, name, None)


def _accepts_keyword(func, keyword):
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == keyword or p.kind == p.VAR_KEYWORD for p in params)


class LegacyAdapter(object):
    """Stands in the registry for a legacy plugin class; one plugin instance per call."""

    def __init__(self, plugin_class, name, path):
        self.plugin_class = plugin_class
        self.name = name
        self.path = path
        self.logger = logging.getLogger("plugin." + name)
        # A secret declared on the class works as for request-style plugins.
        self.secret = getattr(plugin_class, "secret", None)
        self.secret_env = getattr(plugin_class, "secret_env", None)
        self.description = _description(plugin_class)
        where = "%s, line %s" % (os.path.basename(path), class_line(plugin_class))
        for handler in LEGACY_HANDLERS:
            # A run() taking parameters is a helper of the plugin's own (4.0 never called run):
            # never called by the host, so never judged as a handler.
            if handler != "run" and _overridden(plugin_class, handler):
                problem = handler_problem(plugin_class, handler, 0, path)
                if problem:
                    raise PluginShapeError(problem + "; webhook_bridge.plugin.BasePlugin calls it with no "
                                           "argument (the payload is self.data)")
        init = plugin_class.__init__
        try:
            inspect.signature(init).bind(None, PluginData(), http_method="POST")
        except TypeError:
            raise PluginShapeError("Plugin.__init__(%s) (%s) cannot be called as Plugin(data, http_method=...)"
                                   % (parameter_names(init), where))
        except ValueError:
            pass
        self._pass_logger = _accepts_keyword(init, "logger")
        self.generation = plugin_generation(plugin_class)
        entry_run = _overridden(plugin_class, "run") and is_entry_run(plugin_class)
        if entry_run or any(_overridden(plugin_class, h) for h in _CATCH_ALL):
            self.methods = list(LEGACY_METHODS)
            self.handle = self._call  # any method, HEAD and OPTIONS included, as upstream's execute()
        else:
            self.methods = [m for m in LEGACY_METHODS if _overridden(plugin_class, m.lower())]
            if not self.methods:
                raise PluginShapeError(
                    "class %s (%s) derives from webhook_bridge.plugin.BasePlugin but overrides none of "
                    "get, post, put, delete, patch, handle, run(self) or execute" % (plugin_class.__name__, where))
            for method in self.methods:
                setattr(self, method.lower(), self._call)

    def _call(self, request):
        started = time.monotonic()
        data = build_data(request)
        kwargs = {"http_method": request.method}
        if self._pass_logger:
            kwargs["logger"] = self.logger
        try:
            plugin = self.plugin_class(data, **kwargs)
            if getattr(plugin, "logger", None) is None:
                plugin.logger = self.logger
            plugin.webhook_bridge_generation = self.generation
            result = plugin.execute()
            if not isinstance(result, dict):
                result = {"result": result}
            json.dumps(result, allow_nan=False)
        except Exception as exc:
            if not envelope_enabled():
                raise  # answered 500 with the app's error envelope, like a request-style plugin
            log.error("plugin %r raised on %s %s (request %s)", self.name, request.method,
                      request.path, request.request_id or "-", exc_info=True)
            if _raised_while_loading(exc):
                text = "plugin %r raised %s" % (self.name, public_exception(exc))
            else:  # the plugin's own words, as upstream answered them
                text = str(exc) or type(exc).__name__
            failed = None
            if self.generation == 3 and not _overridden(self.plugin_class, "execute"):
                # upstream 2.x/3.x execute()'s error form (its traceback goes to the log only)
                failed = {"input_data": data, "plugin_executed": False, "error": text,
                          "http_method": request.method, "status": "error"}
            return Response(500, self._envelope(request, started, 500, "Plugin execution failed", failed, text))
        if not envelope_enabled():
            return Response(200, result)
        return Response(200, self._envelope(request, started, 200, "success", result))

    def _envelope(self, request, started, status, message, data, error=None):
        body = {
            "plugin": self.name,
            "method": request.method,
            "status_code": status,
            "message": message,
            "execution_time": round(time.monotonic() - started, 6),
            "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
            "data": data,
            "request_id": request.request_id,
        }
        if error is not None:
            body["error"] = error
        return body


def _description(cls):
    text = cls.__dict__.get("description") or cls.__dict__.get("__doc__") or ""
    if not text:
        text = getattr(sys.modules.get(cls.__module__), "__doc__", "") or ""
    lines = str(text).strip().splitlines()
    return lines[0].strip() if lines else ""
