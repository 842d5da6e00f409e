"""Per-call log capture (capture.py) and the lazy plugin Request (conversion.py).
Run by test/unit/python-tests.test.ts."""

import logging
import os
import sys
import threading

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge_executor import capture  # noqa: E402
from webhook_bridge_executor.conversion import BadRequest, build_request  # noqa: E402
from webhook_bridge_executor.protocol import build_messages  # noqa: E402

M, _ = build_messages()


@pytest.fixture(autouse=True)
def handler():
    h = capture.install()
    logging.getLogger().setLevel(logging.INFO)
    yield h
    logging.getLogger().removeHandler(h)


def test_keeps_only_the_records_of_its_own_thread_and_not_the_executors():
    logs = capture.CallLogs()
    logs.attach()
    try:
        logging.getLogger("plugin.x").info("mine %d", 1)
        logging.getLogger("webhook_bridge_executor.service").error("ours")
        other = threading.Thread(target=lambda: logging.getLogger("plugin.x").warning("another thread"))
        other.start()
        other.join()
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("helper").exception("failed")
    finally:
        capture.CallLogs.detach()
    logging.getLogger("plugin.x").info("after the call")
    lines = logs.snapshot()
    assert [(level, message.splitlines()[0]) for level, message, _ in lines] == [("INFO", "mine 1"), ("ERROR", "failed")]
    assert lines[1][1].endswith("ValueError: boom")
    assert all(at >= 0 for _, _, at in lines)


def test_bounds_lines_and_bytes_without_breaking_a_character():
    logs = capture.CallLogs()
    for i in range(130):
        logs.add("INFO", "line %d" % i)
    lines = logs.snapshot()
    assert len(lines) == capture.MAX_LINES
    assert lines[-1][:2] == ("WARNING", "31 more log line(s) of this call left out (at most 100 are kept)")
    text = capture.cut("é" * 3000)
    assert len(text.encode("utf-8")) <= capture.MAX_MESSAGE_BYTES and text.endswith("\u2026")
    assert capture.cut("ab\u00e9" * 1000, keep_end=True).startswith("\u2026")
    assert capture.cut("short") == "short"


def test_a_bad_format_string_is_a_line_not_a_crash(handler):
    logs = capture.CallLogs()
    logs.attach()
    try:
        handler.handle(logging.LogRecord("plugin.x", logging.INFO, __file__, 1, "%d items", ("not a number",), None))
    finally:
        capture.CallLogs.detach()
    assert logs.snapshot()[0][1].startswith("unformattable log record '%d items'")


def test_the_request_is_converted_only_when_read():
    msg = M.ExecutePluginRequest(plugin="p", path="", query="?a=1&a=2&b=", body=b'{"x": [1]}',
                                 headers=[M.Header(name="Content-Type", value="application/json"),
                                          M.Header(name="X-A", value="1"), M.Header(name="x-a", value="2")])
    req = build_request(msg, "POST")
    assert "_body" not in req.__dict__ and "_headers" not in req.__dict__
    assert (req.method, req.path, req.plugin) == ("POST", "/", "p")
    assert req.headers.get_all("x-a") == ["1", "2"]
    assert (req.query, req.arg("a"), req.query_string) == ({"a": ["1", "2"], "b": [""]}, "1", "a=1&a=2&b=")
    assert (req.content_type, req.is_json, req.body, req.raw_body) == ("application/json", True, {"x": [1]}, b'{"x": [1]}')
    req.body = {"changed": True}  # plugins may set attributes as on a plain Request
    assert req.body == {"changed": True}


def test_an_unparseable_json_body_raises_bad_request_when_read():
    req = build_request(M.ExecutePluginRequest(body=b'{"a": ', content_type="application/json"), "POST")
    assert req.raw_body == b'{"a": '
    with pytest.raises(BadRequest) as first:
        req.body
    with pytest.raises(BadRequest) as again:
        req.body
    assert first.value is again.value is req.body_error


def test_the_request_tells_the_plugin_when_nobody_waits_any_more():
    class Call(object):
        cancelled = False
    call = Call()
    req = build_request(M.ExecutePluginRequest(), "POST", call)
    assert req.cancelled is False
    call.cancelled = True
    assert req.cancelled is True
    assert build_request(M.ExecutePluginRequest(), "POST").cancelled is False
