"""The webhook_bridge.v1.WebhookExecutor service."""

import logging
import os
import re
import sys
import time
import traceback

import grpc

from .capture import CallLogs
from .conversion import (BadRequest, BadResult, build_request, envelope_result, error_result,
                         normalize_result, unauthorized_result, unavailable_result)
from .listing import BUSY_MESSAGE, SATURATED_MESSAGE, PluginListing
from .plugins import describe_exception, is_valid_name
from .pool import CallTimeout, PoolBusy, PoolSaturated
from .protocol import WEBHOOK_SERVICE

log = logging.getLogger("webhook_bridge_executor.service")

_METHOD_PATTERN = re.compile(r"^[A-Z]{1,16}$")
_NOT_FOUND = object()
# Answer this long before the caller's gRPC deadline so it gets our 504
# instead of its own DEADLINE_EXCEEDED.
_DEADLINE_MARGIN = 0.05
# A busy executor asks callers to come back after this many seconds.
BUSY_RETRY_AFTER = "1"
# Room for the response's other fields (headers, error) beside its body within the gRPC message cap.
_RESPONSE_OVERHEAD = 64 * 1024
# Busy refusals are logged at most this often (a burst of hundreds is one warning).
_BUSY_LOG_INTERVAL = 5.0


def python_version():
    """What platform.python_version() says (e.g. "3.11.2"), without importing platform at start-up."""
    return sys.version.split()[0]


class CallError(Exception):
    """What ExecutePlugin answers with a gRPC status (and ExecuteStream with a StreamReply error_code)."""

    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code
        self.message = message

    @property
    def status(self):
        return getattr(grpc.StatusCode, self.code)


class Call(object):
    """One webhook call on its way through the executor."""

    __slots__ = ("request", "method", "limit", "logs", "started", "began", "task", "cancelled", "on_start",
                 "answered")

    def __init__(self, request, method, limit):
        self.request = request
        self.method = method
        self.limit = limit
        self.logs = CallLogs()
        self.started = False  # plugin code (its handler) started
        self.began = time.monotonic()
        self.task = None
        self.cancelled = False  # nobody waits for the answer any more (cancelled, timed out, stream gone)
        self.on_start = None  # called (no arguments) just before the plugin's handler runs
        self.answered = False  # its final reply is made (streams)


class ExecutorService(object):
    def __init__(self, messages, registry, pool, plugin_timeout, nonce, versions, max_message_bytes=None,
                 loader=None):
        self._m = messages
        # Listing and plugin info load plugins on a pool of their own (``loader``): they never take
        # places of webhook calls in ``pool``'s bounded queue, and an idle executor always lists.
        self._listing = PluginListing(messages, registry, loader if loader is not None else pool, plugin_timeout)
        # a body this large would make the response exceed gRPC's message cap: 502 instead
        self._max_body = None if max_message_bytes is None else max_message_bytes - _RESPONSE_OVERHEAD
        self._busy_logged = 0.0
        self._busy_refused = 0
        self._registry = registry
        self._pool = pool
        self._plugin_timeout = plugin_timeout
        self._nonce = nonce
        self._versions = versions
        self._started = time.monotonic()
        self._debug = log.isEnabledFor(logging.DEBUG)
        self.serving = True
        # Optional features HealthCheck lists (cli.py adds "execute-stream" unless --no-stream).
        self.capabilities = []
        self.stream = None  # the ExecuteStream servicer, when served

    # --- ExecutePlugin ---------------------------------------------------

    @property
    def healthy(self):
        """Serving and not saturated with stuck plugin calls."""
        return self.serving and not self._pool.saturated

    def prepare(self, request, remaining=None):
        """A Call for ``request``, or CallError INVALID_ARGUMENT (bad plugin name or method). Its time
        limit: --plugin-timeout, shortened by the request's timeout_ms, deadline_ms and the gRPC
        deadline (``remaining`` seconds), so a 504 comes before the caller stops waiting."""
        if not is_valid_name(request.plugin):
            raise CallError("INVALID_ARGUMENT", "invalid plugin name %r" % request.plugin)
        method = request.method.strip().upper()
        if not _METHOD_PATTERN.match(method):
            raise CallError("INVALID_ARGUMENT", "invalid HTTP method %r" % request.method)
        limit = self._plugin_timeout
        if request.timeout_ms:
            limit = min(limit, request.timeout_ms / 1000.0)
        if request.deadline_ms:
            remaining = request.deadline_ms / 1000.0 if remaining is None else min(remaining,
                                                                                  request.deadline_ms / 1000.0)
        if remaining is not None:
            limit = min(limit, max(remaining - _DEADLINE_MARGIN, 0.001))
        return Call(request, method, limit)

    def run_call(self, call):
        """Runs in a pool worker: the call's outcome, with what the plugin logs on this thread kept."""
        call.logs.attach()
        try:
            return self._execute(call)
        finally:
            CallLogs.detach()

    def _execute(self, call):
        """Load (or reload) the plugin, then call it."""
        request, method = call.request, call.method
        name = request.plugin
        entry = self._registry.get(name, wait=call.limit)
        if entry is None:
            return _NOT_FOUND
        if entry.busy:
            return error_result(503, "plugin %r is still loading" % name)
        if not entry.available:
            return error_result(500, "plugin %r is unavailable: %s" % (name, entry.error))
        if entry.secret is not None and not request.verified_replay:
            # Before anything else about the request (its method, its body): an unsigned caller
            # learns nothing more than that the plugin wants a signature, and no plugin code runs.
            # A verified replay was checked when it first arrived (only the app, over its
            # token-authenticated channel, can say so).
            from .signature import signature_problem
            problem = signature_problem(entry.secret, [(h.name, h.value) for h in request.headers],
                                        bytes(request.body))
            if problem is not None:
                log.warning("plugin %r: refused %s %s (request %s): %s", name, method,
                            request.path, request.request_id or "-", problem)
                return unauthorized_result(problem)
        handler = entry.handler_for(method)
        if handler is None:
            allow = ", ".join(entry.methods)
            return error_result(405, "method %s not allowed; plugin %r accepts %s"
                                % (method, name, allow or "no method"), [("Allow", allow)])
        plugin_request = build_request(request, method, call)
        call.started = True
        if call.on_start is not None:
            call.on_start()
        try:
            result = handler(plugin_request)
        except BadRequest as exc:
            if exc is not plugin_request.body_error:
                return self._raised(call, exc)
            return error_result(400, str(exc))
        except BaseException as exc:  # noqa: B902 - a plugin failure must not kill the worker
            return self._raised(call, exc)
        try:
            outcome = normalize_result(result) + ("",)
        except BadResult as exc:
            log.error("plugin %r: %s (request %s)", name, exc, request.request_id or "-")
            return error_result(500, str(exc))
        if self._max_body is not None and len(outcome[2]) > self._max_body:
            log.error("plugin %r answered %d bytes, over the %d-byte limit of a plugin response (request %s)",
                      name, len(outcome[2]), self._max_body, request.request_id or "-")
            return envelope_result(502, "BAD_GATEWAY", "plugin %r answered %.1f MiB, over the %d MiB limit of a "
                                   "plugin response" % (name, len(outcome[2]) / 1048576.0,
                                                        (self._max_body + _RESPONSE_OVERHEAD) // 1048576))
        return outcome

    def _raised(self, call, exc):
        request = call.request
        log.error("plugin %r raised on %s %s (request %s)", request.plugin, call.method,
                  request.path, request.request_id or "-", exc_info=True)
        call.logs.add("ERROR", "plugin raised " + "".join(traceback.format_exc()).rstrip(), keep_end=True)
        from .diagnostics import public_exception
        return error_result(500, "plugin %r raised %s" % (request.plugin, public_exception(exc)))

    def _log_busy(self, method, path, name, exc):
        """One warning per interval for a burst of busy refusals; each one at debug level."""
        now = time.monotonic()
        self._busy_refused += 1
        log.debug("busy: refused %s %s -> %r: %s", method, path, name, exc)
        if now - self._busy_logged >= _BUSY_LOG_INTERVAL:
            log.warning("busy: %d call(s) refused with 503 + Retry-After since the last such warning (%s; "
                        "raise executor.threads or executor.queue_size if this is normal load)",
                        self._busy_refused, exc)
            self._busy_logged = now
            self._busy_refused = 0

    def outcome(self, call, result, error):
        """The call's (status, headers, body, content type, error) from what the pool gave (the
        result of run_call, or an exception), or a CallError (NOT_FOUND, INTERNAL)."""
        request, method, name = call.request, call.method, call.request.plugin
        if error is None:
            if result is _NOT_FOUND:
                return CallError("NOT_FOUND", "no plugin named %r" % name)
            return result
        if isinstance(error, PoolBusy):
            self._log_busy(method, request.path, name, error)
            outcome = unavailable_result(BUSY_MESSAGE % error)
            return (outcome[0], [("Retry-After", BUSY_RETRY_AFTER)]) + outcome[2:]
        if isinstance(error, CallTimeout):
            call.cancelled = True
            log.warning("plugin %r timed out after %.3gs on %s %s (request %s)", name, call.limit,
                        method, request.path, request.request_id or "-")
            return error_result(504, "plugin %r timed out after %.3gs" % (name, call.limit))
        if isinstance(error, PoolSaturated):
            log.error("refused %s %s -> %r (request %s): %s", method, request.path, name,
                      request.request_id or "-", error)
            return unavailable_result(SATURATED_MESSAGE)
        log.error("internal error running plugin %r (request %s)", name, request.request_id or "-",
                  exc_info=(type(error), error, error.__traceback__))
        return error_result(500, "internal executor error: %s" % describe_exception(error))

    def response(self, call, outcome):
        """The ExecutePluginResponse of a finished call."""
        status, headers, body, content_type, error = outcome
        elapsed_ms = (time.monotonic() - call.began) * 1000.0
        request = call.request
        if self._debug:
            log.debug("%s %s -> %s %d in %.1fms (request %s)", call.method, request.path, request.plugin,
                      status, elapsed_ms, request.request_id or "-")
        m = self._m
        return m.ExecutePluginResponse(
            request_id=request.request_id,
            status_code=status,
            headers=[m.Header(name=n, value=v) for n, v in headers],
            body=body,
            content_type=content_type,
            error=error,
            execution_time_ms=elapsed_ms,
            logs=[m.PluginLogLine(level=level, message=text, at_ms=at) for level, text, at in call.logs.snapshot()],
        )

    def ExecutePlugin(self, request, context):
        try:
            call = self.prepare(request, context.time_remaining())
        except CallError as exc:
            context.abort(exc.status, exc.message)
        try:
            result, error = self._pool.run(lambda: self.run_call(call), call.limit, self._pool.queue_timeout), None
        except Exception as exc:  # noqa: B902 - mapped by outcome()
            result, error = None, exc
        outcome = self.outcome(call, result, error)
        if isinstance(outcome, CallError):
            context.abort(outcome.status, outcome.message)
        return self.response(call, outcome)

    # --- HealthCheck ---------------------------------------------------

    def HealthCheck(self, request, context):
        status = self._m.HealthCheckResponse.SERVING if self.healthy \
            else self._m.HealthCheckResponse.NOT_SERVING
        return self._m.HealthCheckResponse(
            status=status,
            nonce=self._nonce,
            pid=os.getpid(),
            python_version=python_version(),
            python_implementation=sys.implementation.name,
            python_executable=sys.executable or "",
            plugin_count=len(self._registry.scan()),
            uptime_seconds=time.monotonic() - self._started,
            abandoned_calls=self._pool.abandoned,
            grpc_version=self._versions.get("grpc", ""),
            protobuf_version=self._versions.get("protobuf", ""),
            plugin_dirs=self._registry.directories,
            capabilities=self.capabilities,
        )

    def handler(self):
        m = self._m
        rpcs = {
            "ExecutePlugin": (self.ExecutePlugin, m.ExecutePluginRequest, m.ExecutePluginResponse),
            "ListPlugins": (self._listing.ListPlugins, m.ListPluginsRequest, m.ListPluginsResponse),
            "GetPluginInfo": (self._listing.GetPluginInfo, m.GetPluginInfoRequest, m.PluginInfo),
            "HealthCheck": (self.HealthCheck, m.HealthCheckRequest, m.HealthCheckResponse),
        }
        handlers = dict(
            (name, grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=req.FromString, response_serializer=resp.SerializeToString))
            for name, (fn, req, resp) in rpcs.items())
        if self.stream is not None:  # else grpc answers UNIMPLEMENTED, as an executor of an older version
            handlers["ExecuteStream"] = grpc.stream_stream_rpc_method_handler(
                self.stream.ExecuteStream, request_deserializer=m.StreamFrame.FromString,
                response_serializer=m.StreamReply.SerializeToString)
        return grpc.method_handlers_generic_handler(WEBHOOK_SERVICE, handlers)

