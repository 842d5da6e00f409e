"""What a plugin logs while it handles a call, returned with the call (ExecutePluginResponse.logs).

A ``logging`` handler on the root logger keeps the records emitted on the thread running the
call, from the moment ``CallLogs.attach`` is called on that thread until ``detach``: the plugin's
``self.logger`` (``plugin.<name>``), any logger of its own, the root logger. The executor's own
loggers are left out. Records of threads the plugin starts itself are not kept (they go to the
executor log as always). Bounded: at most ``MAX_LINES`` lines (the last one then says how many
more were left out), each cut to ``MAX_MESSAGE_BYTES`` bytes of UTF-8.
"""

import logging
import threading
import time

MAX_LINES = 100
MAX_MESSAGE_BYTES = 2048
_OWN_PREFIX = "webhook_bridge_executor"
_MARK = "\u2026"

_local = threading.local()


def cut(text, limit=MAX_MESSAGE_BYTES, keep_end=False):
    """``text`` within ``limit`` bytes of UTF-8, a cut marked with an ellipsis; never a broken character."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return text
    room = limit - len(_MARK.encode("utf-8"))
    if keep_end:
        return _MARK + data[len(data) - room:].decode("utf-8", "ignore")
    return data[:room].decode("utf-8", "ignore") + _MARK


class CallLogs(object):
    """The log lines of one call: (level, message, at_ms) tuples, oldest first."""

    __slots__ = ("lines", "dropped", "_t0")

    def __init__(self):
        self.lines = []
        self.dropped = 0
        self._t0 = time.time()

    def attach(self):
        _local.logs = self

    @staticmethod
    def detach():
        _local.logs = None

    def add(self, level, message, created=None, keep_end=False):
        if len(self.lines) >= MAX_LINES:
            self.dropped += 1
            return
        at_ms = ((time.time() if created is None else created) - self._t0) * 1000.0
        self.lines.append((level, cut(message, keep_end=keep_end), max(at_ms, 0.0)))

    def snapshot(self):
        """The lines so far (a copy: an abandoned call may still add to its own); past MAX_LINES the
        last line says how many were left out."""
        lines = list(self.lines)
        dropped = self.dropped
        if dropped:
            dropped += len(lines) - (MAX_LINES - 1)
            lines = lines[:MAX_LINES - 1]
            lines.append(("WARNING", "%d more log line(s) of this call left out (at most %d are kept)"
                          % (dropped, MAX_LINES), lines[-1][2]))
        return lines


class CaptureHandler(logging.Handler):
    """Root handler: hands each record to the call running on its thread, if any."""

    def __init__(self):
        logging.Handler.__init__(self)
        self._formatter = logging.Formatter()

    def handle(self, record):
        # No handler lock: each call's lines belong to one thread.
        logs = getattr(_local, "logs", None)
        if logs is None or record.name.startswith(_OWN_PREFIX):
            return False
        self.emit(record, logs)
        return True

    def emit(self, record, logs=None):
        if logs is None:
            return
        try:
            message = record.getMessage()
            if record.exc_info:
                message = message + "\n" + self._formatter.formatException(record.exc_info)
        except Exception as exc:  # noqa: B902 - a plugin's bad format string is its line, not our crash
            message = "unformattable log record %r: %s" % (record.msg, exc)
        logs.add(record.levelname, message, record.created)


def install():
    """Add the capture handler to the root logger (once)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, CaptureHandler):
            return handler
    handler = CaptureHandler()
    root.addHandler(handler)
    return handler
