"""Entry point.

    python <resources/python>/webhook_bridge_executor [options]   (recommended)
    PYTHONPATH=<resources/python> python -m webhook_bridge_executor [options]

Only syntax understood by every Python (2.7 included) is used in this file,
so that an unsupported interpreter or a missing dependency ends with one
clear line on stderr and exit code 3 rather than a traceback.
"""

import os
import sys

EXIT_MISSING_DEPENDENCY = 3
_REQUIREMENTS = (("grpc", "grpcio"), ("google.protobuf", "protobuf"))


def _fail(message):
    sys.stderr.write("webhook-bridge executor: %s\n" % message)
    sys.stderr.flush()
    sys.exit(EXIT_MISSING_DEPENDENCY)


def _fix_sys_path():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    # Run as a directory, sys.path[0] is this package's own folder: its module
    # names (health, pool, ...) must not shadow anyone's top-level modules.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    # The folder holding this package and the plugin API (webhook_bridge).
    if root in sys.path:
        sys.path.remove(root)
    sys.path.insert(0, root)


def _check_environment():
    if sys.version_info < (3, 8):
        _fail("Python 3.8 or newer is required, this is %s (%s)"
              % (sys.version.split()[0], sys.executable))
    for module, package in _REQUIREMENTS:
        try:
            __import__(module)
        except ImportError as exc:
            missing = getattr(exc, "name", None)
            if missing and (module == missing or module.startswith(missing + ".")):
                _fail("missing Python module '%s' (install %s)" % (module, package))
            _fail("cannot import Python module '%s': %s (reinstall %s)"
                  % (module, " ".join(str(exc).split()), package))


def _run():
    _fix_sys_path()
    _check_environment()
    from webhook_bridge_executor.cli import main
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    _run()
