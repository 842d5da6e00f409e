"""Command line options of the executor (resources/python/README.md lists them)."""

import argparse

TOKEN_ENV = "WEBHOOK_BRIDGE_EXECUTOR_TOKEN"
NONCE_ENV = "WEBHOOK_BRIDGE_EXECUTOR_NONCE"


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError("must be > 0")
        return value
    return parse


def _non_negative(kind):
    def parse(text):
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError("must be >= 0")
        return value
    return parse


class _Formatter(argparse.HelpFormatter):
    """A fixed width: the default asks the terminal through shutil, which imports bz2 and lzma."""

    def __init__(self, prog):
        argparse.HelpFormatter.__init__(self, prog, width=100)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        formatter_class=_Formatter,
        prog="webhook_bridge_executor",
        description="Serve webhook-bridge Python plugins over gRPC. Secrets come from the "
                    "environment: %s (required bearer token) and %s (identity nonce)."
                    % (TOKEN_ENV, NONCE_ENV))
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--socket", metavar="PATH", help="listen on the unix socket PATH")
    where.add_argument("--port", type=int, metavar="P", help="listen on TCP port P (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="TCP host with --port (default 127.0.0.1)")
    parser.add_argument("--plugin-dir", dest="plugin_dirs", action="append", default=[], metavar="DIR",
                        help="directory of plugin .py files; repeatable, first match wins")
    parser.add_argument("--plugin-timeout", type=_positive(float), default=30.0, metavar="SECONDS",
                        help="time limit of one plugin call (default 30)")
    parser.add_argument("--threads", "--workers", dest="threads", type=_positive(int), default=64, metavar="N",
                        help="plugin calls run at once (default 64; threads start on demand; --workers is an "
                             "older name)")
    parser.add_argument("--queue-size", type=_non_negative(int), default=64, metavar="N",
                        help="calls that may wait for a busy thread; more are answered 503 at once (default 64)")
    parser.add_argument("--queue-timeout", type=_positive(float), default=10.0, metavar="SECONDS",
                        help="longest wait of a call for a thread, then 503 with Retry-After (default 10)")
    parser.add_argument("--max-abandoned", type=_positive(int), default=32, metavar="N",
                        help="timed-out plugin calls still running at which the executor refuses calls "
                             "(503) and reports NOT_SERVING so it gets restarted (default 32)")
    parser.add_argument("--max-streams", type=_positive(int), default=16, metavar="N",
                        help="ExecuteStream streams served at once (default 16); one more is refused "
                             "RESOURCE_EXHAUSTED")
    parser.add_argument("--no-stream", action="store_true",
                        help="behave like an executor of an older version: no ExecuteStream (UNIMPLEMENTED) "
                             "and no \"execute-stream\" capability, so the app calls ExecutePlugin per webhook")
    parser.add_argument("--no-inline", action="store_true",
                        help="hand every streamed call to a pool worker (no inline fast path on the stream's "
                             "reader thread; for comparison)")
    parser.add_argument("--reload-interval", type=_non_negative(float), default=1.0, metavar="SECONDS",
                        help="a plugin's file is checked for changes at most this often (default 1; "
                             "0 = on every call)")
    parser.add_argument("--shutdown-grace", type=float, default=2.0, metavar="SECONDS",
                        help="time in-flight calls get on SIGTERM/SIGINT (default 2)")
    parser.add_argument("--log-level", default="info",
                        choices=("debug", "info", "warning", "error", "critical"))
    parser.add_argument("--no-stdin-watch", action="store_true",
                        help="do not exit when stdin closes (for running by hand)")
    parser.add_argument("--remove-socket-dir", action="store_true",
                        help="with --socket: the socket's folder was made for this executor alone; "
                             "remove it too (when empty) on exit, as nobody else may be left to")
    args = parser.parse_args(argv)
    if args.remove_socket_dir and args.socket is None:
        parser.error("--remove-socket-dir needs --socket")
    if args.port is not None and not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    return args
