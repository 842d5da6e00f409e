"""Plugin discovery, loading and hot reload.

A plugin is ``<plugin-dir>/<name>.py`` defining ``class Plugin(BasePlugin)``,
either request style (``webhook_bridge.BasePlugin``: one instance, handlers
take the request) or webhook_bridge 0.6-4.0 style
(``webhook_bridge.plugin.BasePlugin``: run through legacy.LegacyAdapter, one
instance per request); diagnostics.py tells them apart from the class.
Files whose name starts with "_" or "." are helpers, not plugins. When two
plugin directories hold the same name, the first directory wins.

A plugin is (re)loaded on first use and whenever its file's mtime, size or
inode change, so editing a plugin takes effect on the next request without
restarting the executor. A file that fails to load (syntax error, import
error, no Plugin class, a handler that cannot be called, constructor
raising) is kept as an *unavailable* entry carrying a one-line error.
"""

import logging
import os
import re
import sys
import threading
import time
import types

from webhook_bridge import HTTP_METHODS


# A plugin name (= file stem). The same string as PLUGIN_NAME_PATTERN in shared/dto/plugins.ts
# (test/integration/executor.test.ts compares them). Files starting with "_" or "." are helpers.
NAME_PATTERN_SOURCE = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
NAME_PATTERN = re.compile(NAME_PATTERN_SOURCE)
_MODULE_PREFIX = "webhook_bridge_plugins."

log = logging.getLogger("webhook_bridge_executor.plugins")


def is_valid_name(name):
    # fullmatch: with match(), "$" would also accept a trailing newline ("echo\n").
    return isinstance(name, str) and NAME_PATTERN.fullmatch(name) is not None


def one_line(text):
    return " ".join(str(text).split())


def describe_exception(exc):
    """'Type: message' on one line, e.g. 'KeyError: 'x''."""
    if isinstance(exc, SyntaxError):
        where = os.path.basename(exc.filename or "") or "<plugin>"
        return "%s: %s (%s, line %s)" % (type(exc).__name__, one_line(exc.msg), where, exc.lineno)
    message = one_line(exc)
    return "%s: %s" % (type(exc).__name__, message) if message else type(exc).__name__


class PluginEntry(object):
    """The state of one plugin file as last loaded."""

    def __init__(self, name, path, stamp, instance=None, error="", busy=False, secret=None, has_secret=False):
        self.name = name
        self.path = path
        self.stamp = stamp
        self.instance = instance
        self.error = error
        self.busy = busy  # another thread is loading it right now
        self.methods = []
        self.description = ""
        # The resolved secret (bytes) stays here, in the executor: only has_secret is ever reported.
        self.secret = secret
        self.has_secret = has_secret or secret is not None
        self.has_handle = False
        self.missing_module = ""  # the module a failed import lacks (the app offers to install it)
        self.style = ""  # "request" or "legacy" once the class is known
        self.ack = ""  # the class's ack attribute ("immediate", "sync"; "" = not declared), see attributes.py
        self.max_concurrency = 0  # the class's max_concurrency attribute (0 = no limit)
        self.checked = time.monotonic()  # when its file was last looked at
        if instance is not None:
            self._inspect(instance)

    @property
    def available(self):
        return self.instance is not None

    def _inspect(self, instance):
        explicit = [m for m in HTTP_METHODS if callable(getattr(instance, m.lower(), None))]
        self.has_handle = callable(getattr(instance, "handle", None))
        self.methods = list(HTTP_METHODS) if self.has_handle else explicit
        description = getattr(instance, "description", "") or ""
        if not description:
            description = type(instance).__dict__.get("__doc__") or ""
        if not description:
            module = sys.modules.get(type(instance).__module__)
            description = getattr(module, "__doc__", "") or ""
        lines = str(description).strip().splitlines()
        self.description = lines[0].strip() if lines else ""

    def handler_for(self, method):
        """The bound method serving ``method`` (upper case), or None."""
        if method in HTTP_METHODS:
            handler = getattr(self.instance, method.lower(), None)
            if callable(handler):
                return handler
        return self.instance.handle if self.has_handle else None


def _stamp(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _load(name, path, stamp):
    # Imported on the first load, not at start-up: the executor is serving sooner.
    from .diagnostics import (LEGACY_STYLE, PluginShapeError, check_request_style, find_plugin_class,
                              missing_module, public_exception)
    from .attributes import plugin_attributes
    from .signature import SecretError, resolve_secret
    module_name = _MODULE_PREFIX + name
    try:
        with open(path, "rb") as handle:
            source = handle.read()
        code = compile(source, path, "exec", dont_inherit=True)
        module = types.ModuleType(module_name)
        module.__file__ = path
        sys.modules[module_name] = module
        exec(code, module.__dict__)
        plugin_class, style = find_plugin_class(module, path)
        ack, max_concurrency = plugin_attributes(plugin_class, path)
        if style == LEGACY_STYLE:
            from .legacy import LegacyAdapter
            instance = LegacyAdapter(plugin_class, name, path)  # a new plugin instance per call
        else:
            check_request_style(plugin_class, path)
            instance = plugin_class()
        instance.name = name
        instance.logger = logging.getLogger("plugin." + name)
        secret = resolve_secret(instance)
    except SecretError as exc:
        sys.modules.pop(module_name, None)
        log.error("plugin %r is unavailable: %s", name, exc)
        return PluginEntry(name, path, stamp, error=str(exc), has_secret=True)
    except PluginShapeError as exc:
        sys.modules.pop(module_name, None)
        log.error("plugin %r is unavailable: %s", name, exc)
        return PluginEntry(name, path, stamp, error=str(exc))
    except ModuleNotFoundError as exc:
        sys.modules.pop(module_name, None)
        missing = missing_module(exc, path)
        log.error("plugin %r is unavailable: %s", name, missing)
        entry = PluginEntry(name, path, stamp, error=str(missing))
        entry.missing_module = missing.module
        return entry
    except BaseException as exc:  # noqa: B902 - any failure makes the plugin unavailable
        sys.modules.pop(module_name, None)
        if isinstance(exc, SyntaxError):
            log.error("plugin %r has a syntax error: %s", name, describe_exception(exc))
        else:
            log.error("plugin %r failed to load: %s", name, describe_exception(exc), exc_info=True)
        return PluginEntry(name, path, stamp, error=public_exception(exc))
    entry = PluginEntry(name, path, stamp, instance=instance, secret=secret)
    entry.style = style
    entry.ack = ack
    entry.max_concurrency = max_concurrency
    log.info("loaded plugin %r from %s (methods: %s)", name, path, ", ".join(entry.methods) or "none")
    return entry


class PluginRegistry(object):
    def __init__(self, directories, reload_interval=0.0):
        self.directories = [os.path.abspath(d) for d in directories]
        # A loaded plugin's file is looked at again (path, mtime, size, inode) at most this often.
        self._reload_interval = reload_interval
        self._entries = {}
        self._locks = {}
        self._lock = threading.Lock()
        self._warned_shadowed = set()
        self._warned_outside = set()
        for directory in self.directories:
            if not os.path.isdir(directory):
                log.warning("plugin directory %s does not exist (yet)", directory)

    def scan(self):
        """{name: path} of every plugin file, first directory winning."""
        found = {}
        for directory in self.directories:
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                continue
            for filename in names:
                stem, ext = os.path.splitext(filename)
                if ext != ".py" or not is_valid_name(stem):
                    continue
                path = os.path.join(directory, filename)
                if not os.path.isfile(path):
                    continue
                if stem in found:
                    if path not in self._warned_shadowed:
                        self._warned_shadowed.add(path)
                        log.warning("plugin %s is shadowed by %s", path, found[stem])
                    continue
                found[stem] = path
        return found

    def find(self, name):
        if not is_valid_name(name):
            return None
        for directory in self.directories:
            path = os.path.join(directory, name + ".py")
            if os.path.isfile(path):
                return path
        return None

    def get(self, name, wait=None, fresh=False):
        """The up-to-date entry for ``name`` (loading it if needed), or None.

        The file is checked for changes at most once per ``reload_interval`` (always with
        ``fresh``); in between, the entry last loaded is returned without touching the disk.
        If another thread is loading the same plugin and it does not finish
        within ``wait`` seconds, returns an unavailable entry with busy=True.
        """
        if not fresh:
            entry = self._entries.get(name)
            if entry is not None and time.monotonic() - entry.checked < self._reload_interval:
                return entry
        path = self.find(name)
        if path is None:
            self._forget(name)
            return None
        stamp = _stamp(path)
        with self._lock:
            entry = self._entries.get(name)
            if entry is not None and entry.path == path and entry.stamp == stamp:
                entry.checked = time.monotonic()
                return entry
            lock = self._locks.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=-1 if wait is None else max(wait, 0)):
            return PluginEntry(name, path, stamp, error="plugin is still loading", busy=True)
        try:
            with self._lock:
                entry = self._entries.get(name)
            stamp = _stamp(path)
            if entry is not None and entry.path == path and entry.stamp == stamp:
                entry.checked = time.monotonic()
                return entry
            if entry is not None:
                log.info("plugin %r changed on disk; reloading", name)
            self._note_outside(path)
            entry = _load(name, path, stamp)
            with self._lock:
                self._entries[name] = entry
            return entry
        finally:
            lock.release()

    def _note_outside(self, path):
        """Symlinks are followed. One that leads outside every plugin folder still loads (a file
        linked in on purpose), and is logged once: whoever can change its target changes the plugin."""
        real = os.path.realpath(path)
        for directory in self.directories:
            root = os.path.realpath(directory)
            if real.startswith(root.rstrip(os.sep) + os.sep):
                return
        if (path, real) not in self._warned_outside:
            self._warned_outside.add((path, real))
            log.warning("plugin %s is a link to %s, outside every plugin folder: it is loaded, but "
                        "whoever can change that file changes the plugin", path, real)

    def _forget(self, name):
        with self._lock:
            if self._entries.pop(name, None) is not None:
                log.info("plugin %r was removed", name)
                sys.modules.pop(_MODULE_PREFIX + name, None)
