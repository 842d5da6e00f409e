"""grpc.health.v1.Health, implemented without the grpc_health package.

Check answers the current status of a known service or NOT_FOUND. Watch
sends the current status (SERVICE_UNKNOWN for an unknown service) at once
and again on every change, until the client cancels or the server shuts
down (then the last message is NOT_SERVING).

``healthy`` (optional, no arguments) can veto SERVING: while it returns
False every service reads NOT_SERVING (Watch notices within a second).

``reserve_threads`` runs chosen RPCs on thread pools of their own instead of
the server's, so health checks never queue behind plugin calls holding every
server thread (grpcio's ``experimental_thread_pool``; grpcio older than 1.37
ignores it and runs them on the server's threads as before).
"""

import threading

import grpc

from .protocol import HEALTH_SERVICE

_POLL_SECONDS = 1.0


class HealthServicer(object):
    def __init__(self, messages, services, healthy=None):
        self._m = messages
        self._healthy = healthy
        self._status = dict((name, messages.HealthCheckResponse.NOT_SERVING) for name in services)
        self._condition = threading.Condition()
        self._closed = False

    def set(self, service, serving):
        value = self._m.HealthCheckResponse.SERVING if serving else self._m.HealthCheckResponse.NOT_SERVING
        with self._condition:
            self._status[service] = value
            self._condition.notify_all()

    def shutdown(self):
        """Every service NOT_SERVING; open Watch streams send that and end."""
        with self._condition:
            for name in self._status:
                self._status[name] = self._m.HealthCheckResponse.NOT_SERVING
            self._closed = True
            self._condition.notify_all()

    def _current(self, service, default=None):
        """The status of ``service`` (call with the condition held)."""
        status = self._status.get(service, default)
        if status == self._m.HealthCheckResponse.SERVING and self._healthy is not None and not self._healthy():
            status = self._m.HealthCheckResponse.NOT_SERVING
        return status

    def Check(self, request, context):
        with self._condition:
            status = self._current(request.service)
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service %r" % request.service)
        return self._m.HealthCheckResponse(status=status)

    def Watch(self, request, context):
        unknown = self._m.HealthCheckResponse.SERVICE_UNKNOWN
        wake = self._condition

        def on_done():
            with wake:
                wake.notify_all()

        context.add_callback(on_done)
        last = None
        while context.is_active():
            with self._condition:
                status = self._current(request.service, unknown)
                closed = self._closed
                if status == last:
                    if closed:
                        return
                    self._condition.wait(_POLL_SECONDS)
                    continue
            last = status
            yield self._m.HealthCheckResponse(status=status)
            if closed:
                return

    def handler(self):
        m = self._m
        return grpc.method_handlers_generic_handler(HEALTH_SERVICE, {
            "Check": grpc.unary_unary_rpc_method_handler(
                self.Check,
                request_deserializer=m.HealthCheckRequest.FromString,
                response_serializer=m.HealthCheckResponse.SerializeToString),
            "Watch": grpc.unary_stream_rpc_method_handler(
                self.Watch,
                request_deserializer=m.HealthCheckRequest.FromString,
                response_serializer=m.HealthCheckResponse.SerializeToString),
        })


def _on_pool(behavior, pool):
    def run(request, context):
        return behavior(request, context)
    run.experimental_thread_pool = pool
    return run


class _ReservedThreads(grpc.GenericRpcHandler):
    def __init__(self, inner, pools):
        self._inner = inner
        self._pools = pools
        self._cache = {}

    def service(self, handler_call_details):
        method = handler_call_details.method or ""
        if method in self._cache:
            return self._cache[method]
        handler = self._inner.service(handler_call_details)
        if handler is None:
            return None  # unknown methods are not cached: anyone may name any
        pool = self._pools.get(method.rsplit("/", 1)[-1])
        if pool is not None:
            kind = "unary_stream" if handler.response_streaming else "unary_unary"
            if not handler.request_streaming:
                handler = handler._replace(**{kind: _on_pool(getattr(handler, kind), pool)})
        self._cache[method] = handler
        return handler


def reserve_threads(generic_handler, pools):
    """``generic_handler`` with the RPCs named in ``pools`` (method name -> ThreadPoolExecutor)
    run on those pools."""
    return _ReservedThreads(generic_handler, pools)
