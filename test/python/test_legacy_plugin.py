"""Unit tests of webhook_bridge.plugin (the webhook_bridge 0.6-4.0 API) and of
how the executor builds self.data; run by test/unit/python-tests.test.ts."""

import json
import os
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge import Headers, Request  # noqa: E402
from webhook_bridge.plugin import BasePlugin, PluginData  # noqa: E402
from webhook_bridge_executor.conversion import parse_body  # noqa: E402
from webhook_bridge_executor.legacy import build_data  # noqa: E402


def test_dotted_keys_resolve_into_nested_objects():
    data = PluginData({"repository": {"full_name": "o/r", "owner": {"login": "o"}},
                       "commits": [{"id": "c1"}, {"id": "c2"}], "a.b": "literal", "a": {"b": "nested"}})
    assert data.get("repository.full_name") == "o/r"
    assert data["repository.owner.login"] == "o"
    assert data.get("commits.1.id") == "c2"
    assert data.get("commits.5.id", "none") == "none"
    assert data["a.b"] == "literal"  # a literal key wins
    assert "repository.owner" in data and "repository.nothing" not in data
    assert data.get("repository").get("owner.login") == "o"  # nested dicts resolve too
    with pytest.raises(KeyError):
        data["sender.login"]
    assert data.get(1) is None and 1 not in data


def test_keys_with_dots_inside_nested_objects():
    data = PluginData({"labels": {"app.kubernetes.io/name": "web"}})
    assert data.get("labels.app.kubernetes.io/name") == "web"


def test_data_stays_a_plain_json_dict():
    payload = {"a": {"b": [1, {"c": None}]}, "n": 1.5}
    data = PluginData(payload)
    assert isinstance(data, dict) and json.loads(json.dumps(data)) == payload
    data["x"] = {"y": 1}
    assert data.get("x.y") == 1


def test_both_constructor_forms():
    old = BasePlugin({"k": 1}, None, "get")
    assert (old.http_method, old.data.get("k"), old.result) == ("GET", 1, {})
    assert old.logger is not None
    new = BasePlugin(data={"k": 2}, http_method="put")
    assert (new.http_method, new.data["k"]) == ("PUT", 2)
    positional = BasePlugin({"k": 3}, "DELETE")  # 4.0: Plugin(data, http_method)
    assert positional.http_method == "DELETE" and positional.logger is not None
    assert BasePlugin().data == {} and BasePlugin().http_method == "POST"


def test_dispatch_and_overrides():
    class OnlyHandle(BasePlugin):
        def handle(self):
            return self.http_method

    class PostOnly(BasePlugin):
        def post(self):
            return "post"

    class Run(BasePlugin):
        def run(self):
            return "run"

    assert OnlyHandle(http_method="PATCH").execute() == "PATCH"
    assert OnlyHandle(http_method="HEAD").execute() == "HEAD"
    assert PostOnly(http_method="POST").execute() == "post"
    with pytest.raises(NotImplementedError):
        PostOnly(http_method="GET").execute()
    assert Run(http_method="GET").execute() == "run"


def test_result_helpers():
    plugin = BasePlugin({"a": {"b": 1}})
    plugin.set_result("x", 1)
    copy = plugin.get_result()
    copy["y"] = 2
    assert plugin.get_result() == {"x": 1}
    assert plugin.get_data("a.b") == 1 and plugin.get_data("zz", "d") == "d"


def _request(method, body=b"", content_type="", query=""):
    from urllib.parse import parse_qs
    return Request(method, "/x", Headers([]), parse_qs(query, keep_blank_values=True), query, body,
                   parse_body(body, content_type), content_type, "r1", "p")


def test_build_data():
    assert build_data(_request("GET", query="a=1&a=2&b=")) == {"a": "1", "b": ""}
    assert build_data(_request("POST", b'{"a":{"b":[1]}}', "application/json", "q=1")) == {"a": {"b": [1]}}
    assert build_data(_request("POST", b"[1,2]", "application/json")) == {"body": [1, 2]}
    assert build_data(_request("POST", b"", "application/json", "q=1")) == {"q": "1"}
    form = "application/x-www-form-urlencoded"
    assert build_data(_request("POST", b"a=1&b=x+y&a=2", form)) == {"a": "1", "b": "x y"}
    assert build_data(_request("POST", b'{"a": 1}', form)) == {"a": 1}  # curl -d '{...}'
    assert build_data(_request("POST", b"plain text", "text/plain", "q=2")) == {"q": "2"}
