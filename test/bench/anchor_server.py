"""The bench's anchor: the smallest useful Python gRPC server (issue 14's yardstick).

grpcio only (no protobuf, no generated code): one no-op unary method `/bench.Anchor/Call` that
answers the same bytes a no-op plugin's body would be, and grpc.health.v1 `Check` answering SERVING
(hand-encoded), both on one server with ONE worker thread. Prints `PORT <n>` on stdout once
listening on 127.0.0.1, then serves until stdin closes or it gets SIGTERM.

    /usr/bin/python3 test/bench/anchor_server.py
"""

import sys
from concurrent.futures import ThreadPoolExecutor

import grpc

_ANSWER = b'{"ok": true}'
_SERVING = b"\x08\x01"  # grpc.health.v1.HealthCheckResponse{status: SERVING}


def _call(_request, _context):
    return _ANSWER


def _check(_request, _context):
    return _SERVING


def main():
    server = grpc.server(ThreadPoolExecutor(max_workers=1))
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("bench.Anchor", {"Call": grpc.unary_unary_rpc_method_handler(_call)}),
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(_check)}),
    ))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)
    try:
        sys.stdin.read()  # the bench closes stdin (or kills us) when done
    except KeyboardInterrupt:
        pass
    server.stop(0)


if __name__ == "__main__":
    main()
