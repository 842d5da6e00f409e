"""The webhook_bridge.v1.WebhookExecutor service."""

import logging
import os
import platform
import re
import sys
import time

import grpc

from .conversion import (BadRequest, BadResult, build_request, envelope_result, error_result,
                         normalize_result, unauthorized_result, unavailable_result)
from .diagnostics import public_exception
from .plugins import describe_exception, is_valid_name
from .pool import CallTimeout, PoolBusy, PoolSaturated
from .protocol import WEBHOOK_SERVICE
from .signature import signature_problem

log = logging.getLogger("webhook_bridge_executor.service")

_METHOD_PATTERN = re.compile(r"^[A-Z]{1,16}$")
_NOT_FOUND = object()
# Answer this long before the caller's gRPC deadline so it gets our 504
# instead of its own DEADLINE_EXCEEDED.
_DEADLINE_MARGIN = 0.05
SATURATED_MESSAGE = "too many plugin calls stuck past their timeout; restart the executor"
BUSY_MESSAGE = "the executor is busy: %s; retry later"
# A busy executor asks callers to come back after this many seconds.
BUSY_RETRY_AFTER = "1"
# Room for the response's other fields (headers, error) beside its body within the gRPC message cap.
_RESPONSE_OVERHEAD = 64 * 1024
# Busy refusals are logged at most this often (a burst of hundreds is one warning).
_BUSY_LOG_INTERVAL = 5.0


class ExecutorService(object):
    def __init__(self, messages, registry, pool, plugin_timeout, nonce, versions, max_message_bytes=None,
                 loader=None):
        self._m = messages
        # Listing and plugin info load plugins on a pool of their own (``loader``): they never take
        # places of webhook calls in ``pool``'s bounded queue, and an idle executor always lists.
        self._loader = loader if loader is not None else pool
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
        self.serving = True

    # --- ExecutePlugin -------------------------------------------------

    @property
    def healthy(self):
        """Serving and not saturated with stuck plugin calls."""
        return self.serving and not self._pool.saturated

    def _time_limit(self, request, context):
        # Never past --plugin-timeout: a gRPC server thread is held at most that long.
        limit = self._plugin_timeout
        if request.timeout_ms:
            limit = min(limit, request.timeout_ms / 1000.0)
        remaining = context.time_remaining()
        if remaining is not None:
            limit = min(limit, max(remaining - _DEADLINE_MARGIN, 0.001))
        return limit

    def _execute(self, request, method, wait):
        """Runs in a pool worker: load (or reload) the plugin, then call it."""
        name = request.plugin
        entry = self._registry.get(name, wait=wait)
        if entry is None:
            return _NOT_FOUND
        if entry.busy:
            return error_result(503, "plugin %r is still loading" % name)
        if not entry.available:
            return error_result(500, "plugin %r is unavailable: %s" % (name, entry.error))
        if entry.secret is not None:
            # Before anything else about the request (its method, its body): an unsigned caller
            # learns nothing more than that the plugin wants a signature, and no plugin code runs.
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
        try:
            plugin_request = build_request(request, method)
        except BadRequest as exc:
            return error_result(400, str(exc))
        try:
            result = handler(plugin_request)
        except BaseException as exc:  # noqa: B902 - a plugin failure must not kill the worker
            log.error("plugin %r raised on %s %s (request %s)", name, method,
                      request.path, request.request_id or "-", exc_info=True)
            return error_result(500, "plugin %r raised %s" % (name, public_exception(exc)))
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

    def ExecutePlugin(self, request, context):
        started = time.monotonic()
        name = request.plugin
        method = request.method.strip().upper()
        if not is_valid_name(name):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "invalid plugin name %r" % name)
        if not _METHOD_PATTERN.match(method):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "invalid HTTP method %r" % request.method)
        limit = self._time_limit(request, context)
        try:
            outcome = self._pool.run(lambda: self._execute(request, method, limit), limit,
                                     self._pool.queue_timeout)
        except PoolBusy as exc:
            self._log_busy(method, request.path, name, exc)
            outcome = unavailable_result(BUSY_MESSAGE % exc)
            outcome = (outcome[0], [("Retry-After", BUSY_RETRY_AFTER)]) + outcome[2:]
        except CallTimeout:
            log.warning("plugin %r timed out after %.3gs on %s %s (request %s)", name, limit,
                        method, request.path, request.request_id or "-")
            outcome = error_result(504, "plugin %r timed out after %.3gs" % (name, limit))
        except PoolSaturated as exc:
            log.error("refused %s %s -> %r (request %s): %s", method, request.path, name,
                      request.request_id or "-", exc)
            outcome = unavailable_result(SATURATED_MESSAGE)
        except Exception as exc:  # a bug of ours, not the plugin's: still answer in one line
            log.exception("internal error running plugin %r (request %s)", name, request.request_id or "-")
            outcome = error_result(500, "internal executor error: %s" % describe_exception(exc))
        if outcome is _NOT_FOUND:
            context.abort(grpc.StatusCode.NOT_FOUND, "no plugin named %r" % name)
        status, headers, body, content_type, error = outcome
        elapsed_ms = (time.monotonic() - started) * 1000.0
        log.debug("%s %s -> %s %d in %.1fms (request %s)", method, request.path, name,
                  status, elapsed_ms, request.request_id or "-")
        return self._m.ExecutePluginResponse(
            request_id=request.request_id,
            status_code=status,
            headers=[self._m.Header(name=n, value=v) for n, v in headers],
            body=body,
            content_type=content_type,
            error=error,
            execution_time_ms=elapsed_ms,
        )

    # --- plugin info ---------------------------------------------------

    def _info(self, entry):
        return self._m.PluginInfo(
            name=entry.name, description=entry.description, methods=entry.methods,
            available=entry.available, error=entry.error, source_path=entry.path,
            has_secret=entry.has_secret, missing_module=entry.missing_module, style=entry.style)

    def _load_info(self, name):
        try:
            entry = self._loader.run(lambda: self._registry.get(name, wait=self._plugin_timeout),
                                     self._plugin_timeout)
        except CallTimeout:
            return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                      error="loading timed out after %.3gs" % self._plugin_timeout)
        except PoolSaturated:
            return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                      error=SATURATED_MESSAGE)
        except PoolBusy as exc:
            return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                      error=BUSY_MESSAGE % exc)
        return None if entry is None else self._info(entry)

    def _unavailable_info(self, name, error):
        return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                  error=error)

    def ListPlugins(self, request, context):
        # All plugins load through the loader pool (unbounded queue) within one budget (--plugin-timeout, and the
        # caller's deadline): one slow import cannot make the whole list time out. A plugin not
        # loaded by then is listed as unavailable, "still loading"; the next list shows it loaded.
        budget = self._plugin_timeout
        remaining = context.time_remaining()
        if remaining is not None:
            budget = min(budget, max(remaining - _DEADLINE_MARGIN, 0.001))
        deadline = time.monotonic() + budget
        tasks = []
        for name in sorted(self._registry.scan()):
            try:
                task = self._loader.submit(lambda name=name: self._registry.get(name, wait=budget))
            except PoolSaturated:
                task = SATURATED_MESSAGE
            except PoolBusy as exc:
                task = BUSY_MESSAGE % exc
            tasks.append((name, task))
        infos = []
        for name, task in tasks:
            if isinstance(task, str):
                infos.append(self._unavailable_info(name, task))
                continue
            try:
                entry = self._loader.collect(task, deadline - time.monotonic())
            except CallTimeout:
                infos.append(self._unavailable_info(name, "still loading"))
                continue
            except PoolBusy as exc:
                infos.append(self._unavailable_info(name, BUSY_MESSAGE % exc))
                continue
            if entry is not None:
                infos.append(self._unavailable_info(name, "still loading") if entry.busy else self._info(entry))
        return self._m.ListPluginsResponse(plugins=infos)

    def GetPluginInfo(self, request, context):
        info = self._load_info(request.name) if is_valid_name(request.name) else None
        if info is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no plugin named %r" % request.name)
        return info

    # --- HealthCheck ---------------------------------------------------

    def HealthCheck(self, request, context):
        status = self._m.HealthCheckResponse.SERVING if self.healthy \
            else self._m.HealthCheckResponse.NOT_SERVING
        return self._m.HealthCheckResponse(
            status=status,
            nonce=self._nonce,
            pid=os.getpid(),
            python_version=platform.python_version(),
            python_implementation=sys.implementation.name,
            python_executable=sys.executable or "",
            plugin_count=len(self._registry.scan()),
            uptime_seconds=time.monotonic() - self._started,
            abandoned_calls=self._pool.abandoned,
            grpc_version=self._versions.get("grpc", ""),
            protobuf_version=self._versions.get("protobuf", ""),
            plugin_dirs=self._registry.directories,
        )

    def handler(self):
        m = self._m
        rpcs = {
            "ExecutePlugin": (self.ExecutePlugin, m.ExecutePluginRequest, m.ExecutePluginResponse),
            "ListPlugins": (self.ListPlugins, m.ListPluginsRequest, m.ListPluginsResponse),
            "GetPluginInfo": (self.GetPluginInfo, m.GetPluginInfoRequest, m.PluginInfo),
            "HealthCheck": (self.HealthCheck, m.HealthCheckRequest, m.HealthCheckResponse),
        }
        return grpc.method_handlers_generic_handler(WEBHOOK_SERVICE, dict(
            (name, grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=req.FromString, response_serializer=resp.SerializeToString))
            for name, (fn, req, resp) in rpcs.items()))

