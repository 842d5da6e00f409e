"""Command line, server setup, handshake and lifecycle."""

import binascii
import json
import logging
import os
import signal
import sys
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import google.protobuf

from . import __version__, capture
from .auth import TokenInterceptor
from .binding import BindError, bind, remove_socket, remove_socket_dir
from .options import NONCE_ENV, TOKEN_ENV, parse_args
from .health import HealthServicer, reserve_threads
from .plugins import PluginRegistry
from .pool import WorkerPool
from .protocol import WEBHOOK_SERVICE, build_messages
from .service import ExecutorService, python_version
from .stream import StreamServicer

HANDSHAKE_PREFIX = "WEBHOOK_BRIDGE_EXECUTOR_READY "
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
CAPABILITY_STREAM = "execute-stream"
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
# gRPC server threads beyond those plugin calls may hold (running or queued): they answer
# refusals (503 busy) at once and serve list/info calls.
_EXTRA_SERVER_THREADS = 8
# Health checks run on threads of their own, so they never wait behind plugin calls: a busy
# executor answers them at once, and only one making no progress at all (stopped, or a plugin
# holding the GIL) misses them. Watch streams (long-lived) get their own threads too.
_HEALTH_THREADS = 2
_WATCH_THREADS = 4
# ListPlugins / GetPluginInfo run on threads of their own (never queued behind a burst of plugin
# calls in the server's threads), and load plugins on a loader pool of their own (never refused
# because webhook calls fill the plugin queue, and never taking its places).
_LIST_THREADS = 2
_LOADER_THREADS = 4
# On exit, the time plugins' subprocesses get between SIGTERM and SIGKILL.
_GROUP_KILL_GRACE = 1.0

log = logging.getLogger("webhook_bridge_executor")


class _OneLineFormatter(logging.Formatter):
    """One line per record: embedded newlines (tracebacks) become a literal \\n."""

    def format(self, record):
        return logging.Formatter.format(self, record).replace("\r", "").replace("\n", "\\n")


def _setup_logging(level):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper()))


def _fatal(code, message):
    sys.stderr.write("webhook-bridge executor: %s\n" % message)
    sys.stderr.flush()
    return code


def _watch_stdin(stop):
    """Stop when stdin reaches EOF: the parent process is gone."""
    def run():
        try:
            while os.read(0, 65536):
                pass
        except OSError as exc:
            log.warning("cannot watch stdin (%s); will not notice the parent exiting", exc)
            return
        stop("stdin closed")
    thread = threading.Thread(target=run, name="stdin-watch")
    thread.daemon = True
    thread.start()


def _group_members(pgid):
    """Pids of the live (not zombie) processes in process group ``pgid``, or None if unknown."""
    members = []
    if os.path.isdir("/proc/self"):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry, "rb") as handle:
                    stat = handle.read().decode("ascii", "replace")
            except OSError:
                continue
            # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
            fields = stat[stat.rfind(")") + 2:].split()
            if len(fields) >= 3 and fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
                members.append(int(entry))
        return members
    try:
        out = subprocess.run(["ps", "-A", "-o", "pid=", "-o", "pgid=", "-o", "stat="],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == str(pgid) and not parts[2].startswith("Z"):
            members.append(int(parts[0]))
    return members


def _kill_own_group(grace):
    """Stop whatever plugins started (subprocesses inherit our process group) before we exit:
    SIGTERM to the group, ignored by us, then SIGKILL to those still there after ``grace``.
    Only when we lead the group (the supervisor spawns us detached): never someone else's group."""
    if not hasattr(os, "killpg"):
        return
    me = os.getpid()
    pgid = os.getpgrp()
    if pgid != me:
        return
    others = _group_members(pgid)
    if others is not None and not [pid for pid in others if pid != me]:
        return
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        os.killpg(pgid, signal.SIGTERM)
    except OSError as exc:
        log.warning("cannot signal the executor's process group: %s", exc)
        return
    finally:
        signal.signal(signal.SIGTERM, previous)
    deadline = time.monotonic() + grace
    while True:
        left = [pid for pid in (_group_members(pgid) or []) if pid != me]
        if not left:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    log.warning("killing %d process(es) plugins started that ignored SIGTERM: %s",
                len(left), " ".join(map(str, left)))
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _handshake(address, nonce):
    line = HANDSHAKE_PREFIX + json.dumps({
        "address": address,
        "nonce": nonce,
        "pid": os.getpid(),
        "version": python_version(),
        "implementation": sys.implementation.name,
    }, separators=(",", ":"))
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    # From now on stdout carries nothing else: point it (and fd 1, for
    # C-level writes) at stderr so a plugin's print() can neither corrupt the
    # protocol nor block on a pipe nobody reads.
    try:
        os.dup2(2, 1)
    except OSError:
        pass
    sys.stdout = sys.stderr


def main(argv):
    args = parse_args(argv)
    _setup_logging(args.log_level)
    token = os.environ.pop(TOKEN_ENV, "")  # popped: plugins' subprocesses must not inherit it
    if not token:
        return _fatal(EXIT_USAGE, "%s is not set" % TOKEN_ENV)
    nonce = os.environ.pop(NONCE_ENV, "") or binascii.hexlify(os.urandom(16)).decode("ascii")
    if not args.plugin_dirs:
        log.warning("no --plugin-dir given: no plugins will be found")

    webhook_messages, health_messages = build_messages()
    capture.install()
    registry = PluginRegistry(args.plugin_dirs, reload_interval=args.reload_interval)
    for directory in registry.directories:  # plugins may import helper modules next to them
        if directory not in sys.path:
            sys.path.append(directory)
    pool = WorkerPool(args.threads, max_abandoned=args.max_abandoned, queue_size=args.queue_size,
                      queue_timeout=args.queue_timeout)
    # Plugins load for ListPlugins / GetPluginInfo here, never in the webhook pool's bounded queue.
    loader = WorkerPool(_LOADER_THREADS, name="plugin-loader", max_abandoned=args.max_abandoned)
    versions = {"grpc": grpc.__version__, "protobuf": google.protobuf.__version__}
    service = ExecutorService(webhook_messages, registry, pool, args.plugin_timeout, nonce, versions,
                              max_message_bytes=MAX_MESSAGE_BYTES, loader=loader)
    if not args.no_stream:
        service.stream = StreamServicer(service, webhook_messages, pool, args.max_streams,
                                        inline=not args.no_inline)
        service.capabilities.append(CAPABILITY_STREAM)
    health = HealthServicer(health_messages, ("", WEBHOOK_SERVICE), healthy=lambda: not pool.saturated)
    health_pool = ThreadPoolExecutor(max_workers=_HEALTH_THREADS, thread_name_prefix="health")
    watch_pool = ThreadPoolExecutor(max_workers=_WATCH_THREADS, thread_name_prefix="health-watch")
    list_pool = ThreadPoolExecutor(max_workers=_LIST_THREADS, thread_name_prefix="plugin-list")
    handlers = [
        reserve_threads(service.handler(), {"HealthCheck": health_pool, "ListPlugins": list_pool,
                                            "GetPluginInfo": list_pool}),
        reserve_threads(health.handler(), {"Check": health_pool, "Watch": watch_pool}),
    ]
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(
        # each open stream holds a server thread for its lifetime (its reader is a thread of its own)
        ThreadPoolExecutor(max_workers=args.threads + args.queue_size + _EXTRA_SERVER_THREADS
                           + (0 if args.no_stream else args.max_streams),
                           thread_name_prefix="grpc"),
        handlers=handlers,
        interceptors=[TokenInterceptor(token)],
        options=options)
    try:
        address, socket_id = bind(server, args.socket, args.host, args.port)
    except BindError as exc:
        return _fatal(EXIT_FAILURE, str(exc))

    stop_event = threading.Event()
    reasons = []

    def stop(reason):
        if stop_event.is_set():
            return
        reasons.append(reason)
        stop_event.set()

    def on_signal(signum, frame):
        if stop_event.is_set():  # a second signal: give up on a graceful stop
            os._exit(EXIT_FAILURE)
        stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    health.set("", True)
    health.set(WEBHOOK_SERVICE, True)
    log.info("executor %s serving on %s (python %s %s, grpc %s, protobuf %s, pid %d)",
             __version__, address, sys.implementation.name, python_version(),
             versions["grpc"], versions["protobuf"], os.getpid())
    _handshake(address, nonce)
    if not args.no_stdin_watch:
        _watch_stdin(stop)

    while not stop_event.wait(0.5):
        pass
    log.info("stopping (%s)", reasons[0] if reasons else "requested")
    service.serving = False
    health.shutdown()
    if service.stream is not None:
        service.stream.shutdown()  # idle streams end now; busy ones once their calls are answered
    server.stop(args.shutdown_grace).wait(args.shutdown_grace + 1.0)
    _kill_own_group(_GROUP_KILL_GRACE)
    remove_socket(args.socket, socket_id)
    if args.remove_socket_dir:
        # The app removes the folder after we exit, unless it was killed: then only we are left.
        remove_socket_dir(args.socket)
    log.info("stopped")
    logging.shutdown()
    sys.stderr.flush()
    # os._exit: abandoned plugin threads must not delay or block the exit.
    os._exit(EXIT_OK)
