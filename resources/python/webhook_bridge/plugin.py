"""The plugin API of webhook_bridge 0.6 through 4.0, so their plugins run unchanged.

A plugin in this style::

    from webhook_bridge.plugin import BasePlugin

    class Plugin(BasePlugin):
        def post(self):
            repo = self.data.get("repository.full_name")   # dotted key into nested JSON
            self.set_result("repo", repo)
            return self.get_result()

The executor builds one instance per request, ``Plugin(data, http_method="POST")``
(every generation's constructor accepts that), and calls ``execute()``:

- ``execute()`` calls a zero-argument ``run(self)`` override (the deprecated
  0.6-3.x entry point), else the handler of ``self.http_method`` (``get``,
  ``post``, ``put``, ``delete``, ``patch``) or, for any other method, ``handle()``;
  a ``run`` that takes parameters is the plugin's own helper and never called;
- the handlers a plugin does not override call ``handle()``;
- for a 0.6-3.x plugin (``generation_of``; the executor's
  ``plugins.legacy_generation`` setting can force it) execute() wraps the result
  as upstream 2.x/3.x did: ``{input_data, additional_info, http_method, result,
  plugin_executed, status}``; a 4.0 plugin's result is returned as it is.

So overriding ``execute``, ``run`` (0.6-3.x), ``handle`` or a method handler
each works the way it did upstream. The result (a dict, or any value the
executor wraps as ``{"result": value}``) becomes the answer; see
resources/plugins/README.md ("Coming from webhook_bridge") for its envelope.

New plugins should use the request-style API (``from webhook_bridge import
BasePlugin``), which sees headers, the raw body and can set the status.
"""

import inspect
import logging

__all__ = ["BasePlugin", "PluginData", "LEGACY_METHODS", "is_entry_run", "generation_of"]

# The method handlers of the legacy API, in upstream's order (patch came with 4.0).
LEGACY_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")

_MISSING = object()

# What upstream 0.6-3.x's execute() put beside the result, word for word.
ADDITIONAL_INFO = "This is some additional information."


def _wrap(value):
    if isinstance(value, dict) and not isinstance(value, PluginData):
        return PluginData(value)
    if isinstance(value, list):
        return [_wrap(item) for item in value]
    return value


def _lookup(node, key):
    """``node[key]``, else ``key`` split at a dot into nested dicts/lists; _MISSING if absent."""
    if isinstance(node, dict):
        if dict.__contains__(node, key):
            return dict.__getitem__(node, key)
    elif isinstance(node, list):
        if key.isdigit() and int(key) < len(node):
            return node[int(key)]
    else:
        return _MISSING
    start = 0
    while True:
        dot = key.find(".", start)
        if dot < 0:
            return _MISSING
        head, rest = key[:dot], key[dot + 1:]
        inner = _lookup(node, head) if head else _MISSING
        if inner is not _MISSING and rest:
            found = _lookup(inner, rest)
            if found is not _MISSING:
                return found
        start = dot + 1


class PluginData(dict):
    """The webhook payload: a plain dict (nested values stay nested) whose
    ``get``, ``[]`` and ``in`` also accept a dotted key that is not literally
    present and resolve it into nested objects, as webhook_bridge 4.0 plugins
    expect: ``data.get("repository.full_name")``, ``data["sender.login"]``,
    ``"a.b" in data``; ``"commits.0.id"`` indexes lists. A literal key wins.
    """

    def __init__(self, *args, **kwargs):
        dict.__init__(self, *args, **kwargs)
        for key, value in list(dict.items(self)):
            dict.__setitem__(self, key, _wrap(value))

    def _find(self, key):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if isinstance(key, str) and "." in key:
            return _lookup(self, key)
        return _MISSING

    def get(self, key, default=None):
        value = self._find(key)
        return default if value is _MISSING else value

    def __getitem__(self, key):
        value = self._find(key)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key):
        return self._find(key) is not _MISSING

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, _wrap(value))

    def copy(self):
        return PluginData(self)


def _own_params(cls, name):
    """The parameters of cls.<name> after the implicit self/cls, or None when it is no plain function."""
    attr = inspect.getattr_static(cls, name, None)
    implicit = 1
    if isinstance(attr, staticmethod):
        attr, implicit = attr.__func__, 0
    elif isinstance(attr, classmethod):
        attr = attr.__func__
    if not inspect.isfunction(attr):
        return None
    try:
        return list(inspect.signature(attr).parameters.values())[implicit:]
    except (TypeError, ValueError):
        return None


def is_entry_run(cls):
    """True when ``cls.run`` is the deprecated entry point: BasePlugin's own, or an
    override taking no parameter besides self. ``run(self, cmd)``, ``run(self, cmd="x")``
    or ``run(self, *args)`` is a helper of the plugin's own: never called by the host."""
    if getattr(cls, "run", None) is getattr(BasePlugin, "run", None):
        return True
    return _own_params(cls, "run") == []


def generation_of(cls):
    """3 (0.6-3.x), 4 (4.0) or None (the class does not tell) for a legacy plugin class.

    0.6-3.x: a zero-argument run() override, or a constructor taking ``logger``
    (the ``Plugin(data, logger=None, http_method="POST")`` form). 4.0: a patch()
    override, or a constructor without ``logger`` (``Plugin(data=None, http_method="POST")``).
    """
    if getattr(cls, "run", None) is not getattr(BasePlugin, "run", None) and is_entry_run(cls):
        return 3
    if getattr(cls, "__init__", None) is not BasePlugin.__init__:
        params = _own_params(cls, "__init__")
        if params is not None and not any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            names = [p.name for p in params]
            if "logger" in names:
                return 3
            if "http_method" in names:
                return 4
    if getattr(cls, "patch", None) is not getattr(BasePlugin, "patch", None):
        return 4
    return None


class BasePlugin(object):
    """Base class of webhook_bridge 0.6-4.0 style plugins.

    Both upstream constructor forms work: ``Plugin(data, logger=None,
    http_method="POST")`` (0.6-3.x) and ``Plugin(data=None, http_method="POST")``
    (4.0), also ``Plugin(data, "GET")`` positionally.

    Attributes:
        data:        the payload (:class:`PluginData`): the JSON object body,
                     a form body as a dict, or else the query string (first
                     value of each key)
        http_method: the request's method, upper case
        logger:      a ``logging.Logger`` (output goes to the executor log)
        result:      a dict filled by :meth:`set_result`
    """

    def __init__(self, data=None, logger=None, http_method="POST"):
        if isinstance(logger, str) and http_method == "POST":  # 4.0: Plugin(data, "GET")
            logger, http_method = None, logger
        if data is None or isinstance(data, dict):
            data = data if isinstance(data, PluginData) else PluginData(data or {})
        self.data = data
        self.logger = logger if logger is not None else logging.getLogger(type(self).__name__)
        self.http_method = str(http_method or "POST").upper()
        self.result = {}

    # --- entry points ----------------------------------------------------

    def execute(self):
        """What the executor calls. A zero-argument ``run(self)`` override is the
        deprecated 0.6-3.x entry point and is called; otherwise the handler of
        ``self.http_method``, else ``handle()`` (a ``run`` taking parameters is a
        plugin's own helper: 4.0's execute() never called run). For a 0.6-3.x
        plugin the result is wrapped as upstream 2.x/3.x's execute() did:
        ``{input_data, additional_info, http_method, result, plugin_executed, status}``.
        """
        entry = self.run if is_entry_run(type(self)) else self._dispatch
        result = entry()
        if getattr(self, "webhook_bridge_generation", 4) != 3:
            return result
        if not isinstance(result, dict):
            result = {"result": result}
        return {
            "input_data": self.data,
            "additional_info": ADDITIONAL_INFO,
            "http_method": self.http_method,
            "result": result,
            "plugin_executed": True,
            "status": "success",
        }

    def run(self):
        """The deprecated 0.6-3.x entry point: the handler of ``self.http_method``, else ``handle()``."""
        return self._dispatch()

    def _dispatch(self):
        if self.http_method in LEGACY_METHODS:
            handler = getattr(self, self.http_method.lower(), None)
            if callable(handler):
                return handler()
        return self.handle()

    def handle(self):
        """The fallback for every method without its own handler."""
        raise NotImplementedError("Plugin must implement handle() or an HTTP method handler")

    def get(self):
        return self.handle()

    def post(self):
        return self.handle()

    def put(self):
        return self.handle()

    def delete(self):
        return self.handle()

    def patch(self):
        return self.handle()

    # --- helpers ---------------------------------------------------------

    def get_data(self, key, default=None):
        """``self.data.get(key, default)``; dotted keys reach into nested objects."""
        getter = getattr(self.data, "get", None)
        return getter(key, default) if callable(getter) else default

    def set_result(self, key, value):
        self.result[key] = value

    def get_result(self):
        """A copy of the dict filled by :meth:`set_result`."""
        return dict(self.result)
