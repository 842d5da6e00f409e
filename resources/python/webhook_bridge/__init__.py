"""Public API for webhook-bridge plugins.

A plugin is a ``.py`` file in a plugin directory; its name is the file stem.
It defines ``class Plugin(BasePlugin)`` with any of ``get``, ``post``,
``put``, ``delete``, ``patch`` (or a catch-all ``handle``), each taking the
:class:`Request` and returning one of:

- a ``dict`` or ``list``         -> 200, JSON body
- a :class:`Response`            -> full control of status, headers, body
- a ``(status, body)`` or ``(status, body, headers)`` tuple
- a ``str``                      -> 200, text/plain; charset=utf-8
- ``bytes``                      -> 200, application/octet-stream
- ``None``                       -> 204, no body

Example::

    from webhook_bridge import BasePlugin, Response

    class Plugin(BasePlugin):
        description = "Says hello"

        def post(self, request):
            name = (request.body or {}).get("name", "world")
            return {"hello": name}
"""

import json

__all__ = ["BasePlugin", "Headers", "Request", "Response", "HTTP_METHODS"]

# Methods a plugin may implement as same-named lower-case methods.
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


class Headers(object):
    """Read-only, case-insensitive HTTP headers that keep duplicates.

    ``headers["X-Thing"]`` / ``headers.get("x-thing")`` give the first value;
    ``headers.get_all(name)`` gives every value in received order;
    ``headers.items()`` gives (name, value) pairs as received.
    """

    def __init__(self, pairs=()):
        self._pairs = [(str(n), str(v)) for n, v in pairs]
        self._index = {}
        for name, value in self._pairs:
            self._index.setdefault(name.lower(), []).append(value)

    def get(self, name, default=None):
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name):
        return list(self._index.get(name.lower(), ()))

    def items(self):
        return list(self._pairs)

    def keys(self):
        return [name for name, _ in self._pairs]

    def to_dict(self):
        """{lower-case name: first value}."""
        return dict((name, values[0]) for name, values in self._index.items())

    def __getitem__(self, name):
        values = self._index.get(name.lower())
        if not values:
            raise KeyError(name)
        return values[0]

    def __contains__(self, name):
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self._pairs)

    def __repr__(self):
        return "Headers(%r)" % (self._pairs,)


class Request(object):
    """One incoming webhook, as given to a plugin method.

    Attributes:
        method:       upper-case HTTP method, e.g. "POST"
        path:         request path, e.g. "/webhook/github"
        headers:      :class:`Headers` (case-insensitive, duplicates kept)
        query:        dict of name -> list of values, e.g. {"a": ["1", "2"]}
                      (blank values kept); see :meth:`arg` for one value
        query_string: the raw query string without "?"
        raw_body:     the body bytes exactly as received
        body:         parsed JSON (dict/list/..., nested intact) when the
                      content type is JSON (application/json or */*+json);
                      otherwise the body decoded as text (charset from the
                      content type, default UTF-8, undecodable bytes
                      replaced); "" when there is no body
        content_type: the Content-Type, e.g. "application/json"
        request_id:   the caller's request id (for logs)
        plugin:       the plugin name
        cancelled:    True once nobody waits for the answer any more (the
                      webhook's sender went away, or the call passed its time
                      limit): a long-running plugin may check it and stop
    """

    cancelled = False

    def __init__(self, method, path, headers, query, query_string, raw_body,
                 body, content_type, request_id, plugin):
        self.method = method
        self.path = path
        self.headers = headers
        self.query = query
        self.query_string = query_string
        self.raw_body = raw_body
        self.body = body
        self.content_type = content_type
        self.request_id = request_id
        self.plugin = plugin

    def arg(self, name, default=None):
        """First value of query parameter ``name``, or ``default``."""
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def is_json(self):
        return is_json_content_type(self.content_type)

    def __repr__(self):
        return "Request(%s %s, %d bytes)" % (self.method, self.path, len(self.raw_body))


def is_json_content_type(content_type):
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class Response(object):
    """An explicit response: ``Response(status=201, body={...}, headers={...})``.

    ``body`` may be a dict/list (JSON), str (text/plain; charset=utf-8),
    bytes (application/octet-stream) or None (no body). ``content_type``
    overrides the default for the body type (a Content-Type header does too).
    ``headers`` is a dict or a list of (name, value) pairs.
    """

    def __init__(self, status=200, body=None, headers=None, content_type=None):
        self.status = int(status)
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type

    @classmethod
    def json(cls, data, status=200, headers=None):
        return cls(status=status, body=json.dumps(data), headers=headers,
                   content_type="application/json")

    def __repr__(self):
        return "Response(status=%d)" % (self.status,)


class BasePlugin(object):
    """Base class for plugins.

    Optional class attributes:
        description: one-line human description shown in the app.
        secret:      a shared secret (str or bytes). When set, the executor
                     runs the plugin only for requests carrying a valid
                     ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
                     raw body>`` (GitHub's scheme) and answers 401 otherwise.
                     The secret never leaves the executor; the app is only
                     told that there is one (``has_secret``).
        secret_env:  the name of an environment variable holding the secret,
                     so it need not be written in the file, e.g.
                     ``secret_env = "GITHUB_WEBHOOK_SECRET"``. Read when the
                     plugin loads; if the variable is unset or empty the
                     plugin is unavailable (it never runs unsigned).
                     ``secret`` wins when both are set.

    The executor sets ``self.name`` (the plugin name) and ``self.logger``
    (a ``logging.Logger``; output goes to the executor log) before the first
    call. One instance serves all requests and may be called from several
    threads at once: guard shared mutable state with a lock.
    """

    description = ""
    secret = None
    secret_env = None
    name = ""
    logger = None
