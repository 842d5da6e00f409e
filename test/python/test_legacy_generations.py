"""Unit tests of the review fixes to the webhook_bridge 0.6-4.0 API: run() as a helper,
the 0.6-3.x result wrapper and how a class's generation is told, JSON bodies without a
JSON Content-Type, and what a webhook caller may learn of an error. Run by
test/unit/python-tests.test.ts."""

import logging
import os
import sys
from urllib.parse import parse_qs

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge import Headers, Request  # noqa: E402
from webhook_bridge.plugin import BasePlugin, generation_of, is_entry_run  # noqa: E402
from webhook_bridge_executor.conversion import parse_body  # noqa: E402
from webhook_bridge_executor.diagnostics import handler_problem  # noqa: E402
from webhook_bridge_executor.legacy import GENERATION_ENV, LegacyAdapter, build_data  # noqa: E402

WRAPPER_INFO = "This is some additional information."


def _as_plugin(monkeypatch, cls):
    """Make cls this module's ``Plugin`` (a class named otherwise was only found by 0.6-3.x)."""
    monkeypatch.setattr(sys.modules[__name__], "Plugin", cls, raising=False)
    return cls


def _request(method, body=b"", content_type="", query=""):
    return Request(method, "/x", Headers([]), parse_qs(query, keep_blank_values=True), query, body,
                   parse_body(body, content_type), content_type, "r1", "p")


class RunHelper(BasePlugin):
    """4.0 plugin whose run() is a helper taking a command."""

    def run(self, cmd):
        return "ran " + cmd

    def post(self):
        return {"post": self.run("x")}


class RunHelperDefault(BasePlugin):
    def run(self, cmd="x"):
        return {"helper": cmd}

    def post(self):
        return {"post": True}


class RunHelperVarargs(BasePlugin):
    def run(self, *args):
        return {"helper": args}

    def handle(self):
        return {"handle": True}


class RunEntry(BasePlugin):
    def run(self):
        return {"ran": self.http_method}


class HandleOnly(BasePlugin):
    def handle(self):
        return "handled"


class Ctor3(BasePlugin):
    def __init__(self, data, logger=None, http_method="POST"):
        BasePlugin.__init__(self, data, logger, http_method)

    def post(self):
        return {"ok": 1}


class Ctor4(BasePlugin):
    def __init__(self, data=None, http_method="POST"):
        BasePlugin.__init__(self, data, http_method=http_method)

    def post(self):
        return {"ok": 1}


class Patch4(BasePlugin):
    def patch(self):
        return {"patched": True}


class Raises(BasePlugin):
    def run(self):
        raise ValueError("order %s is bad" % self.data.get("order"))


def test_only_a_zero_argument_run_is_the_entry_point():
    assert is_entry_run(BasePlugin) and is_entry_run(RunEntry)
    assert not is_entry_run(RunHelper) and not is_entry_run(RunHelperDefault)
    assert not is_entry_run(RunHelperVarargs)
    assert RunHelper({}, http_method="POST").execute() == {"post": "ran x"}
    assert RunHelperDefault({}, http_method="POST").execute() == {"post": True}
    assert RunHelperVarargs({}, http_method="GET").execute() == {"handle": True}
    assert RunEntry({}, http_method="GET").execute() == {"ran": "GET"}


def test_a_run_helper_is_never_judged_nor_called_by_the_host(monkeypatch):
    monkeypatch.delenv(GENERATION_ENV, raising=False)
    for cls, expected in ((RunHelper, {"post": "ran x"}), (RunHelperDefault, {"post": True})):
        adapter = LegacyAdapter(_as_plugin(monkeypatch, cls), "p", __file__)
        assert adapter.methods == ["POST"]
        answer = adapter.post(_request("POST", b"{}", "application/json"))
        assert (answer.status, answer.body["data"]) == (200, expected)
    assert LegacyAdapter(RunHelperVarargs, "p", __file__).methods == ["GET", "POST", "PUT", "DELETE", "PATCH"]


def test_generation_is_told_from_the_class():
    assert generation_of(RunEntry) == 3 and generation_of(Ctor3) == 3
    assert generation_of(Ctor4) == 4 and generation_of(Patch4) == 4
    assert generation_of(HandleOnly) is None and generation_of(RunHelper) is None


def test_a_0_6_to_3_x_plugin_answers_upstreams_wrapper(monkeypatch):
    monkeypatch.delenv(GENERATION_ENV, raising=False)
    adapter = LegacyAdapter(RunEntry, "p", __file__)
    assert adapter.generation == 3
    answer = adapter.handle(_request("PUT", b'{"a": {"b": 1}}', "application/json"))
    assert answer.status == 200
    assert answer.body["data"] == {"input_data": {"a": {"b": 1}}, "additional_info": WRAPPER_INFO,
                                   "http_method": "PUT", "result": {"ran": "PUT"},
                                   "plugin_executed": True, "status": "success"}
    ctor3 = LegacyAdapter(Ctor3, "p", __file__).post(_request("POST", b"{}", "application/json"))
    assert ctor3.body["data"]["result"] == {"ok": 1} and ctor3.body["data"]["status"] == "success"
    # 4.0 and classes that do not tell: the handler's result as it is
    assert LegacyAdapter(Patch4, "p", __file__).patch(_request("PATCH")).body["data"] == {"patched": True}
    handle_only = LegacyAdapter(_as_plugin(monkeypatch, HandleOnly), "p", __file__)
    assert handle_only.generation == 4
    assert handle_only.handle(_request("GET")).body["data"] == {"result": "handled"}
    monkeypatch.delattr(sys.modules[__name__], "Plugin")  # as SentryHook(BasePlugin) in a 3.x file
    assert LegacyAdapter(HandleOnly, "p", __file__).generation == 3


def test_a_non_dict_result_of_a_3_x_plugin_is_wrapped_inside(monkeypatch):
    monkeypatch.setenv(GENERATION_ENV, "3")
    adapter = LegacyAdapter(HandleOnly, "p", __file__)
    data = adapter.handle(_request("GET", query="q=1")).body["data"]
    assert data["result"] == {"result": "handled"} and data["input_data"] == {"q": "1"}


def test_the_setting_forces_the_generation(monkeypatch):
    monkeypatch.setenv(GENERATION_ENV, "4")
    assert LegacyAdapter(RunEntry, "p", __file__).handle(_request("GET")).body["data"] == {"ran": "GET"}
    monkeypatch.setenv(GENERATION_ENV, "auto")
    assert LegacyAdapter(RunEntry, "p", __file__).generation == 3


def test_a_3_x_plugin_that_raises_answers_500_with_upstreams_error_form(monkeypatch, caplog):
    monkeypatch.delenv(GENERATION_ENV, raising=False)
    with caplog.at_level(logging.ERROR):
        answer = LegacyAdapter(Raises, "p", __file__).handle(_request("POST", b'{"order": 9}', "application/json"))
    assert answer.status == 500
    assert answer.body["error"] == "order 9 is bad"  # the plugin author's own words
    assert answer.body["data"] == {"input_data": {"order": 9}, "plugin_executed": False,
                                   "error": "order 9 is bad", "http_method": "POST", "status": "error"}
    assert "Traceback" not in str(answer.body) and "Traceback" in caplog.text


def test_json_without_a_json_content_type():
    assert build_data(_request("POST", b'{"a":1}', "text/plain")) == {"a": 1}
    assert build_data(_request("POST", b'{"a":1}', "")) == {"a": 1}
    assert build_data(_request("PUT", b' {"a": {"b": [1]}}', "application/octet-stream")) == {"a": {"b": [1]}}
    assert build_data(_request("POST", b"[1]", "text/plain")) == {"body": [1]}
    form = "application/x-www-form-urlencoded"
    assert build_data(_request("POST", b"a=1&b={x", form)) == {"a": "1", "b": "{x"}
    assert build_data(_request("POST", b"{not json", form)) == {"{not json": ""}
    assert build_data(_request("POST", b"{not json", "text/plain", "q=1")) == {"q": "1"}


class LazyLoad(BasePlugin):
    def post(self):
        exec(compile("SECRET_LINE = 1\nraise ValueError('SECRET_LINE = 1')", "helper.py", "exec"), {})

    def put(self):
        exec(compile("x = (", "helper.py", "exec"), {})

    def delete(self):
        raise ImportError("cannot import name 'SECRET' from 'helper' (/srv/helper.py)")


def test_errors_of_loading_code_give_the_type_only(monkeypatch, caplog):
    monkeypatch.setenv(GENERATION_ENV, "4")
    adapter = LegacyAdapter(LazyLoad, "lazy", __file__)
    with caplog.at_level(logging.ERROR):
        answers = [adapter.post(_request("POST")), adapter.put(_request("PUT")), adapter.delete(_request("DELETE"))]
    for answer, kind in zip(answers, ("ValueError", "SyntaxError", "ImportError")):
        assert answer.status == 500
        assert answer.body["error"].startswith("plugin 'lazy' raised %s" % kind)
        assert "SECRET" not in str(answer.body) and "details in the executor log" in answer.body["error"]
    assert "SECRET_LINE = 1" in caplog.text


def test_a_signature_problem_never_quotes_default_values():
    class Bad(BasePlugin):
        def post(self, request, token="SECRET-DEFAULT"):
            return {}

    problem = handler_problem(Bad, "post", 0, __file__)
    assert problem.startswith("Plugin.post(self, request, token)") and "SECRET" not in problem
    with pytest.raises(Exception) as raised:
        LegacyAdapter(Bad, "p", __file__)
    assert "SECRET" not in str(raised.value)
