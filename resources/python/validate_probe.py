# -*- coding: utf-8 -*-
"""Validation probe of webhook-bridge.

Run as ``<interpreter> validate_probe.py '<json list of distribution names>'``.
Prints one line: a marker followed by a JSON report. The whole file must stay
parseable by Python 2.7 and old Python 3 (no f-strings, no annotations, no
keyword-only arguments): Python parses the file before the version check runs,
and the version found is exactly what an unsupported interpreter must report.
"""
import json
import os
import platform
import re
import sys

MARKER = "@@webhook-bridge-validate@@"
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
    from importlib import metadata

    versions = {}
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
        except Exception as exc:  # ImportError, but also a broken install raising anything else
            results.append({"name": module, "ok": False, "error": "%s: %s" % (type(exc).__name__, exc)})
    return results


def main(argv):
    # Keep this script's folder from shadowing installed modules.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]

    info = sys.version_info
    report = {
        "version": "%d.%d.%d" % (info[0], info[1], info[2]),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
        "supported": tuple(info[:2]) >= MINIMUM,
        "packages": [],
        "modules": [],
    }
    if not report["supported"]:
        emit(report)
        return 0

    wanted = json.loads(argv[1]) if len(argv) > 1 else []
    versions = installed_versions() if wanted else {}
    report["packages"] = [{"name": name, "version": versions.get(normalize(name))} for name in wanted]
    report["modules"] = check_modules()
    emit(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
