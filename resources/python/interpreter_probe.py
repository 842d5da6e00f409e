# -*- coding: utf-8 -*-
"""The one interpreter probe of webhook-bridge (discovery, validation, package jobs).

Run as ``<interpreter> interpreter_probe.py ['<json request>']``. The request asks for more than
the basics: ``{"packages": [distribution names], "modules": true, "environment": true}``.
Prints one line: the marker followed by a JSON report.

Always: version, implementation, machine, bits, executable, prefix, base_prefix, supported.
``packages`` (3.8+): [{"name", "version" or null}], the first distribution on sys.path winning.
``modules`` (3.8+): whether the executor's modules (grpc, protobuf) import.
``environment``: in_venv, stdlib, marker (the EXTERNALLY-MANAGED file looked for),
externally_managed (PEP 668), pip (its version, or null when ``-m pip`` would not work).

The whole file must stay parseable by Python 2.6 and old Python 3 (no f-strings, no
annotations, no dict or set comprehensions, no keyword-only arguments): discovery runs it on
every interpreter it finds, and the version found is exactly what an unsupported interpreter
must report. Modules newer than that are imported where they are used.
"""
import json
import os
import platform
import re
import sys

MARKER = "@@webhook-bridge-probe@@"
MINIMUM = (3, 8)
EXECUTOR_MODULES = ("grpc", "google.protobuf")


def emit(report):
    sys.stdout.write(MARKER + json.dumps(report) + "\n")
    sys.stdout.flush()


def normalize(name):
    """PEP 503 normalized distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions():
    """Normalized name -> version, the first distribution on sys.path winning (like imports)."""
    versions = {}
    try:
        from importlib import metadata
    except ImportError:
        return versions
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
        except Exception:
            name = None
        if not name:
            continue
        key = normalize(name)
        if key not in versions:
            versions[key] = dist.version
    return versions


def check_modules():
    results = []
    for module in EXECUTOR_MODULES:
        try:
            __import__(module)
            results.append({"name": module, "ok": True, "error": None})
        except Exception:  # ImportError, but also a broken install raising anything else
            exc = sys.exc_info()[1]
            results.append({"name": module, "ok": False, "error": "%s: %s" % (type(exc).__name__, exc)})
    return results


def environment(report, versions):
    import sysconfig

    stdlib = sysconfig.get_path("stdlib")
    marker = os.path.join(stdlib, "EXTERNALLY-MANAGED")
    in_venv = sys.prefix != report["base_prefix"]
    pip = None
    try:
        import importlib.util

        if importlib.util.find_spec("pip") is not None:
            pip = versions.get("pip")
    except Exception:
        pip = None
    report["in_venv"] = in_venv
    report["stdlib"] = stdlib
    report["marker"] = marker
    report["externally_managed"] = not in_venv and os.path.isfile(marker)
    report["pip"] = pip


def main(argv):
    # Keep this script's folder from shadowing installed modules.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]

    request = json.loads(argv[1]) if len(argv) > 1 else {}
    info = sys.version_info
    report = {
        "version": "%d.%d.%d" % (info[0], info[1], info[2]),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "bits": sys.maxsize > 2 ** 32 and 64 or 32,
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
        "supported": tuple(info[:2]) >= MINIMUM,
        "packages": [],
        "modules": [],
    }
    wanted = request.get("packages") or []
    versions = {}
    if report["supported"] and (wanted or request.get("environment")):
        versions = installed_versions()
    if report["supported"]:
        report["packages"] = [{"name": name, "version": versions.get(normalize(name))} for name in wanted]
        if request.get("modules"):
            report["modules"] = check_modules()
    if request.get("environment"):
        environment(report, versions)
    emit(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
