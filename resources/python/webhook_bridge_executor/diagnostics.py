"""Telling plugin styles apart and explaining, in one line, why a plugin cannot run.

The style comes from the class itself (its base class, its methods'
signatures), never from the file's text:

- ``webhook_bridge.BasePlugin``: request style, handlers take ``(self, request)``;
- ``webhook_bridge.plugin.BasePlugin``: webhook_bridge 0.6-4.0 style, handlers
  take ``(self)`` only and read ``self.data`` (see legacy.py).
"""

import inspect
import os
import platform
import sys

from webhook_bridge import HTTP_METHODS
from webhook_bridge import BasePlugin as RequestPlugin
from webhook_bridge.plugin import BasePlugin as LegacyPlugin

REQUEST_STYLE = "request"
LEGACY_STYLE = "legacy"
REQUEST_HANDLERS = tuple(m.lower() for m in HTTP_METHODS) + ("handle",)
LEGACY_HANDLERS = tuple(m.lower() for m in HTTP_METHODS) + ("handle", "run", "execute")
_EXPECTED = ("class Plugin(BasePlugin) deriving from webhook_bridge.BasePlugin (handlers take "
             "(self, request)) or from webhook_bridge.plugin.BasePlugin (webhook_bridge 0.6-4.0 "
             "style, handlers take (self) and read self.data)")


class PluginShapeError(Exception):
    """The file loads but its class cannot be run; the message says what was expected and where."""


class MissingModule(Exception):
    """The plugin imports a module this interpreter lacks."""

    def __init__(self, message, module):
        Exception.__init__(self, message)
        self.module = module


def interpreter_label():
    return "%s (Python %s)" % (sys.executable or "python", platform.python_version())


def _where(path, line):
    name = os.path.basename(path)
    return "%s, line %s" % (name, line) if line else name


def class_line(cls):
    try:
        return inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None


def _function_of(cls, name):
    """(plain function, number of leading arguments the call supplies) for cls.<name>, or None."""
    attr = inspect.getattr_static(cls, name, None)
    if isinstance(attr, staticmethod):
        return attr.__func__, 0
    if isinstance(attr, classmethod):
        return attr.__func__, 1
    if inspect.isfunction(attr):
        return attr, 1
    return None


def parameter_names(func):
    """'self, request, *args' -- names only: a default value or annotation is file content,
    which an unauthenticated caller must never see (the error reaches webhook callers)."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return "..."
    prefix = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return ", ".join(prefix.get(p.kind, "") + p.name for p in params)


def handler_problem(cls, name, nargs, path):
    """Why ``instance.<name>(*nargs arguments)`` cannot be called, or None."""
    found = _function_of(cls, name)
    if found is None:
        return None
    func, implicit = found
    try:
        inspect.signature(func).bind(*([None] * (implicit + nargs)))
    except TypeError:
        pass
    except ValueError:  # no signature available (a builtin): trust it
        return None
    else:
        return None
    shown = "%s(%s)" % (name, parameter_names(func))
    return "Plugin.%s (%s) cannot be called as %s" % (
        shown, _where(path, func.__code__.co_firstlineno),
        "%s(self, request)" % name if nargs else "%s(self)" % name)


def find_plugin_class(module, path):
    """(class, style) of the module's plugin; PluginShapeError when there is none."""
    plugin_class = getattr(module, "Plugin", None)
    if plugin_class is None:
        # webhook_bridge 0.6-3.x took any BasePlugin subclass of the module, whatever its name.
        candidates = sorted(
            (name, value) for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, LegacyPlugin) and value is not LegacyPlugin
            and value.__module__ == module.__name__)
        if candidates:
            return candidates[0][1], LEGACY_STYLE
        raise PluginShapeError("no plugin class in %s: expected %s" % (os.path.basename(path), _EXPECTED))
    if not isinstance(plugin_class, type):
        raise PluginShapeError("Plugin in %s is a %s, not a class: expected %s"
                               % (os.path.basename(path), type(plugin_class).__name__, _EXPECTED))
    if issubclass(plugin_class, LegacyPlugin):
        return plugin_class, LEGACY_STYLE
    if issubclass(plugin_class, RequestPlugin):
        return plugin_class, REQUEST_STYLE
    bases = ", ".join(b.__name__ if b.__module__ == "builtins" else b.__module__ + "." + b.__name__
                      for b in plugin_class.__bases__)
    raise PluginShapeError("class Plugin(%s) (%s) matches neither plugin style: expected %s"
                           % (bases, _where(path, class_line(plugin_class)), _EXPECTED))


def check_request_style(cls, path):
    """Raise PluginShapeError when a request-style handler cannot take the request, or there is none."""
    if not any(callable(getattr(cls, name, None)) for name in REQUEST_HANDLERS):
        raise PluginShapeError("class %s (%s) defines none of get, post, put, delete, patch or handle "
                               "(each taking (self, request))" % (cls.__name__, _where(path, class_line(cls))))
    for name in REQUEST_HANDLERS:
        problem = handler_problem(cls, name, 1, path)
        if problem is None:
            continue
        if handler_problem(cls, name, 0, path) is None:
            problem += ("; webhook_bridge.BasePlugin passes the request. For a webhook_bridge "
                        "0.6-4.0 plugin (no argument, self.data), derive from "
                        "webhook_bridge.plugin.BasePlugin")
        raise PluginShapeError(problem)


def public_exception(exc):
    """What an unauthenticated caller may learn of a plugin's exception: its type (and a syntax
    error's line), never its message, which may quote the plugin file, a file it links to, or the
    request. The full text goes to the log."""
    where = " at line %s" % exc.lineno if isinstance(exc, SyntaxError) and exc.lineno else ""
    return "%s%s (details in the executor log)" % (type(exc).__name__, where)


def missing_module(exc, path):
    """A MissingModule naming the module, the plugin line and the active interpreter."""
    module = getattr(exc, "name", None) or ""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == os.path.abspath(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    message = "ModuleNotFoundError: No module named '%s' (%s); the active interpreter %s does not " \
              "have it: install the package that provides it" % (module, _where(path, line), interpreter_label())
    return MissingModule(message, module)
