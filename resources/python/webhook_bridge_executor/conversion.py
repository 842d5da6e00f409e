"""Turning gRPC requests into plugin Requests and plugin results into HTTP.

Pure functions, no gRPC: easy to reason about and to test.
"""

import codecs
import json

from webhook_bridge import Headers, Request, Response, is_json_content_type

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
BINARY_TYPE = "application/octet-stream"


class BadRequest(Exception):
    """The webhook itself is malformed (answered with 400)."""


class BadResult(Exception):
    """The plugin returned something that cannot be sent (answered with 500)."""


def charset_of(content_type, default="utf-8"):
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
            try:
                codecs.lookup(charset)
                return charset
            except LookupError:
                return default
    return default


def parse_body(raw, content_type):
    """JSON -> parsed value (None if empty); anything else -> decoded text."""
    if is_json_content_type(content_type):
        if not raw.strip():
            return None
        try:
            if "charset=" in (content_type or "").lower():
                return json.loads(raw.decode(charset_of(content_type), "strict"))
            return json.loads(raw)  # RFC 8259: UTF-8 (json also detects UTF-16/32)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest("invalid JSON body: %s" % exc)
    return raw.decode(charset_of(content_type), "replace")


def _lazy(name, compute):
    """A Request attribute computed from the message on first read (and settable, like a plain one)."""
    slot = "_" + name

    def get(self):
        value = self.__dict__.get(slot, _UNSET)
        if value is _UNSET:
            value = compute(self)
            self.__dict__[slot] = value
        return value

    def set_(self, value):
        self.__dict__[slot] = value
    return property(get, set_)


_UNSET = object()


def _content_type(req):
    return req._msg.content_type or req.headers.get("content-type", "")


def _query_string(req):
    query = req._msg.query
    return query[1:] if query.startswith("?") else query


def _parse_qs(text):
    from urllib.parse import parse_qs  # on first use: start-up speed
    return parse_qs(text, keep_blank_values=True)


def _body(req):
    if req.body_error is not None:
        raise req.body_error
    try:
        return parse_body(req.raw_body, req.content_type)
    except BadRequest as exc:
        req.body_error = exc
        raise


class LazyRequest(Request):
    """A webhook_bridge.Request over an ExecutePluginRequest message: headers, query and body are
    converted when the plugin first reads them. An unparseable JSON body raises BadRequest on
    ``request.body`` (the executor answers 400 when the plugin lets it through)."""

    headers = _lazy("headers", lambda req: Headers((h.name, h.value) for h in req._msg.headers))
    content_type = _lazy("content_type", _content_type)
    query_string = _lazy("query_string", _query_string)
    query = _lazy("query", lambda req: _parse_qs(req.query_string))
    raw_body = _lazy("raw_body", lambda req: bytes(req._msg.body))
    body = _lazy("body", _body)

    def __init__(self, msg, method, call=None):  # noqa: super().__init__ would convert everything at once
        self._msg = msg
        self._call = call
        self.body_error = None
        self.method = method
        self.path = msg.path or "/"
        self.request_id = msg.request_id
        self.plugin = msg.plugin

    @property
    def cancelled(self):
        return self._call is not None and self._call.cancelled


def build_request(msg, method, call=None):
    """A webhook_bridge.Request from an ExecutePluginRequest message (converted lazily); ``call``
    (with a ``cancelled`` flag) tells the plugin when nobody waits for its answer any more."""
    return LazyRequest(msg, method, call)


def _header_pairs(headers):
    if headers is None:
        return []
    items = headers.items() if hasattr(headers, "items") else headers
    pairs = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise BadResult("response headers must be a dict or (name, value) pairs")
        name, value = str(name), str(value)
        if not name or any(c in name for c in " \t\r\n:") or "\r" in value or "\n" in value:
            raise BadResult("invalid response header %r" % (name,))
        pairs.append((name, value))
    return pairs


def encode_body(body, content_type):
    """(bytes, content type) for a body value."""
    if body is None:
        return b"", content_type or ""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), content_type or BINARY_TYPE
    if isinstance(body, str):
        return body.encode(charset_of(content_type), "replace"), content_type or TEXT_TYPE
    if isinstance(body, (dict, list, int, float, bool)):
        try:
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise BadResult("plugin returned a body that is not JSON-serializable: %s: %s"
                            % (type(exc).__name__, exc))
        return text.encode("utf-8"), content_type or JSON_TYPE
    raise BadResult("plugin returned an unsupported body type %s" % type(body).__name__)


def normalize_result(value):
    """(status, [(name, value)], body bytes, content type) from a plugin result."""
    content_type = None
    headers = None
    if isinstance(value, Response):
        status, body, headers, content_type = value.status, value.body, value.headers, value.content_type
    elif isinstance(value, tuple):
        if len(value) not in (2, 3):
            raise BadResult("a tuple result must be (status, body) or (status, body, headers)")
        status, body = value[0], value[1]
        headers = value[2] if len(value) == 3 else None
    elif value is None:
        status, body = 204, None
    else:
        status, body = 200, value
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise BadResult("invalid status code %r" % (status,))
    pairs = []
    for name, header_value in _header_pairs(headers):
        if name.lower() == "content-type":
            content_type = content_type or header_value
        else:
            pairs.append((name, header_value))
    data, content_type = encode_body(body, content_type)
    return status, pairs, data, content_type


# The app's error table, status -> code: a copy of StatusCodes in shared/errors.ts, with the same
# rule for other statuses (code_for_status). test/unit/error-table.test.ts checks they are equal.
ERROR_CODES = {400: "INVALID_INPUT", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
               405: "METHOD_NOT_ALLOWED", 408: "REQUEST_TIMEOUT", 409: "CONFLICT",
               413: "PAYLOAD_TOO_LARGE", 414: "URI_TOO_LONG", 415: "UNSUPPORTED_MEDIA_TYPE",
               431: "HEADERS_TOO_LARGE", 500: "INTERNAL", 502: "BAD_GATEWAY", 503: "UNAVAILABLE",
               504: "TIMEOUT"}


def code_for_status(status):
    """The app's code for an HTTP status: the table's, else INVALID_INPUT for a 4xx, INTERNAL otherwise."""
    if status in ERROR_CODES:
        return ERROR_CODES[status]
    return "INVALID_INPUT" if 400 <= status < 500 else "INTERNAL"


def error_result(status, message, headers=()):
    """An executor-generated error: (status, headers, the app's JSON envelope
    ``{"error": {"code": ..., "message": ...}}``, content type, message)."""
    return envelope_result(status, code_for_status(status), message, headers)


def envelope_result(status, code, message, headers=()):
    """An error in the app's JSON envelope ``{"error": {"code": ..., "message": ...}}``
    (codes from shared/errors.ts), so the bridge answers it like its own errors."""
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode("utf-8")
    return status, list(headers), body, JSON_TYPE, message


def unauthorized_result(message):
    """A request refused for its signature: 401 UNAUTHORIZED."""
    return envelope_result(401, "UNAUTHORIZED", message)


def unavailable_result(message):
    """The executor cannot take the call (503 UNAVAILABLE)."""
    return envelope_result(503, "UNAVAILABLE", message)
