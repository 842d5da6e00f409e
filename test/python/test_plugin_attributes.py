"""The class attributes ack and max_concurrency, on both plugin styles, and the ListPlugins entry that
reports them; a wrong value makes the plugin unavailable with an error naming it. Run by
test/unit/python-tests.test.ts."""

import os
import sys
import tempfile

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge_executor import plugins  # noqa: E402

REQUEST = "from webhook_bridge import BasePlugin\n\nclass Plugin(BasePlugin):\n%s\n" \
          "    def post(self, request):\n        return {}\n"
LEGACY = "from webhook_bridge.plugin import BasePlugin\n\nclass Plugin(BasePlugin):\n%s\n" \
         "    def run(self):\n        return {}\n"


def _load(source, attrs):
    directory = tempfile.mkdtemp()
    with open(os.path.join(directory, "p.py"), "w") as handle:
        handle.write(source % attrs)
    return plugins.PluginRegistry([directory]).get("p")


@pytest.mark.parametrize("source", [REQUEST, LEGACY], ids=["request", "legacy"])
def test_declared_attributes_are_reported(source):
    entry = _load(source, '    ack = "immediate"\n    max_concurrency = 3\n')
    assert entry.available, entry.error
    assert (entry.ack, entry.max_concurrency) == ("immediate", 3)
    entry = _load(source, '    ack = "sync"\n')
    assert (entry.ack, entry.max_concurrency) == ("sync", 0)


@pytest.mark.parametrize("source", [REQUEST, LEGACY], ids=["request", "legacy"])
def test_undeclared_attributes_are_empty_and_zero(source):
    entry = _load(source, "    pass\n")
    assert entry.available, entry.error
    assert (entry.ack, entry.max_concurrency) == ("", 0)


@pytest.mark.parametrize("source", [REQUEST, LEGACY], ids=["request", "legacy"])
@pytest.mark.parametrize("attrs,needle", [
    ('    ack = "later"\n', "ack must be \"immediate\" or \"sync\", not 'later'"),
    ('    ack = True\n', "ack must be"),
    ('    max_concurrency = -1\n', "max_concurrency must be a whole number"),
    ('    max_concurrency = "4"\n', "not '4'"),
    ('    max_concurrency = 2.5\n', "not 2.5"),
    ('    max_concurrency = True\n', "not True"),
])
def test_a_wrong_value_is_a_load_error_naming_it(source, attrs, needle):
    entry = _load(source, attrs)
    assert not entry.available
    assert needle in entry.error and "p.py" in entry.error


def test_plugin_info_carries_them():
    from webhook_bridge_executor.listing import PluginListing
    from webhook_bridge_executor.protocol import build_messages
    messages, _ = build_messages()
    entry = _load(REQUEST, '    ack = "immediate"\n    max_concurrency = 7\n')
    info = PluginListing(messages, None, None, 1.0)._info(entry)
    assert (info.ack, info.max_concurrency) == ("immediate", 7)
    assert messages.PluginInfo.FromString(info.SerializeToString()).max_concurrency == 7
