"""Bearer-token check on every RPC, health included."""

try:  # what hmac.compare_digest is, without importing hmac (and _hashlib) at start-up
    from _operator import _compare_digest as compare_digest
except ImportError:  # pragma: no cover - other Pythons
    from hmac import compare_digest

import grpc


def _deny(request, context):
    context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")


class TokenInterceptor(grpc.ServerInterceptor):
    """Rejects any call whose `authorization` metadata is not `Bearer <token>`."""

    def __init__(self, token):
        self._expected = token.encode("utf-8")

    def _authorized(self, metadata):
        for key, value in metadata or ():
            if key != "authorization":
                continue
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            scheme, _, credential = value.strip().partition(" ")
            if scheme.lower() == "bearer":
                return compare_digest(credential.strip().encode("utf-8"), self._expected)
        return False

    def intercept_service(self, continuation, handler_call_details):
        if self._authorized(handler_call_details.invocation_metadata):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is not None and handler.response_streaming:
            if handler.request_streaming:
                return grpc.stream_stream_rpc_method_handler(_deny)
            return grpc.unary_stream_rpc_method_handler(_deny)
        if handler is not None and handler.request_streaming:
            return grpc.stream_unary_rpc_method_handler(_deny)
        return grpc.unary_unary_rpc_method_handler(_deny)
