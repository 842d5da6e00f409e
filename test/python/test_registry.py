"""PluginRegistry: a loaded plugin's file is looked at again at most once per reload interval (not
per call); fresh=True (listing) always looks. Run by test/unit/python-tests.test.ts."""

import os
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge_executor import plugins  # noqa: E402

SOURCE = "from webhook_bridge import BasePlugin\n\nclass Plugin(BasePlugin):\n    version = %d\n\n" \
         "    def post(self, request):\n        return {}\n"


def _write(path, version):
    with open(path, "w") as handle:
        handle.write(SOURCE % version)
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + version * 1000000))  # a visible change


def test_the_file_is_checked_at_most_once_per_interval(monkeypatch):
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, "live.py")
    _write(path, 1)
    registry = plugins.PluginRegistry([directory], reload_interval=3600)
    assert registry.get("live").instance.version == 1
    stats = []
    real_stat = os.stat
    monkeypatch.setattr(plugins.os, "stat", lambda p, *a, **k: stats.append(p) or real_stat(p, *a, **k))
    _write(path, 2)
    del stats[:]  # _write's own
    for _ in range(100):
        assert registry.get("live").instance.version == 1  # within the interval: the disk is not touched
    assert stats == []
    assert registry.get("live", fresh=True).instance.version == 2  # listing looks at once
    assert stats


def test_an_interval_of_zero_checks_on_every_call():
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, "live.py")
    _write(path, 1)
    registry = plugins.PluginRegistry([directory], reload_interval=0)
    assert registry.get("live").instance.version == 1
    _write(path, 2)
    assert registry.get("live").instance.version == 2
    os.remove(path)
    assert registry.get("live") is None
