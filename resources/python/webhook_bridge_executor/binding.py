"""Binding the gRPC server to a unix socket or a TCP port."""

import errno
import logging
import os
import socket
import stat
import sys

log = logging.getLogger("webhook_bridge_executor.binding")

# sun_path is 108 bytes on Linux, 104 on macOS/BSD, NUL included.
_MAX_SOCKET_PATH = 103 if sys.platform == "darwin" or "bsd" in sys.platform else 107


class BindError(Exception):
    pass


def _add_port(server, target):
    try:
        port = server.add_insecure_port(target)
    except RuntimeError as exc:  # newer grpcio raises, older returns 0
        raise BindError("cannot listen on %s: %s" % (target, exc))
    if not port:
        raise BindError("cannot listen on %s" % target)
    return port


def _clear_stale_socket(path):
    try:
        st = os.lstat(path)
    except OSError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise BindError("cannot listen on unix:%s: the path exists and is not a socket" % path)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(path)
    except socket.error as exc:
        if exc.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise BindError("cannot listen on unix:%s: %s" % (path, exc))
        log.info("removing stale socket %s", path)
        os.unlink(path)
        return
    finally:
        probe.close()
    raise BindError("cannot listen on unix:%s: another process is listening there" % path)


def _socket_id(path):
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


def bind(server, socket_path, host, port):
    """Bind and start ``server``; returns (address for clients, socket id or None)."""
    if socket_path is not None:
        path = os.path.abspath(socket_path)
        if len(path.encode("utf-8")) > _MAX_SOCKET_PATH:
            raise BindError("socket path is too long (%d bytes, at most %d): %s"
                            % (len(path.encode("utf-8")), _MAX_SOCKET_PATH, path))
        if not os.path.isdir(os.path.dirname(path)):
            raise BindError("socket directory does not exist: %s" % os.path.dirname(path))
        _clear_stale_socket(path)
        old_umask = os.umask(0o177)  # the socket file is created 0600
        try:
            _add_port(server, "unix:" + path)
            server.start()
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        return "unix:" + path, _socket_id(path)

    host = host.strip("[]")
    if not _is_loopback(host):
        log.warning("listening on %s, which is not a loopback address: anyone who can reach it "
                    "and knows the token can run plugins", host)
    target_host = "[%s]" % host if ":" in host else host
    bound = _add_port(server, "%s:%d" % (target_host, port))
    server.start()
    return "%s:%d" % (target_host, bound), None


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        import ipaddress  # only for --host (start-up speed)
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remove_socket(socket_path, socket_id):
    """Remove our socket file, unless another process has replaced it since."""
    if socket_path is None or socket_id is None:
        return
    path = os.path.abspath(socket_path)
    try:
        if _socket_id(path) == socket_id:
            os.unlink(path)
    except OSError:
        pass


def remove_socket_dir(socket_path):
    """Remove the socket's folder if it is empty (never its contents: anything left there is not ours)."""
    try:
        os.rmdir(os.path.dirname(os.path.abspath(socket_path)))
    except OSError:
        pass
