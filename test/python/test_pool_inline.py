"""WorkerPool's inline calls (begin_inline / end_inline): the caller's thread runs the call in one of
the pool's places; refused when no place is free or calls wait; the timekeeper answers a late one
CallTimeout and abandons it; a queued call starts when an inline call gives its place back.
Run by test/unit/python-tests.test.ts."""

import os
import queue
import sys
import threading

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge_executor.pool import CallTimeout, PoolSaturated, WorkerPool  # noqa: E402


def _outcomes():
    got = queue.Queue()
    return got, lambda result, error: got.put((result, error))


def test_an_inline_call_takes_a_place_and_its_caller_reports_it():
    pool = WorkerPool(2)
    got, done = _outcomes()
    task = pool.begin_inline(10, done)
    assert task is not None and pool.load() == (1, 0)
    assert pool.end_inline(task) is True  # the caller reports it
    assert pool.load() == (0, 0) and got.empty()  # the pool does not
    assert pool.threads() == 0  # no worker was started for it


def test_no_inline_call_when_every_place_is_taken_or_calls_wait():
    pool = WorkerPool(2, queue_size=4)
    got, done = _outcomes()
    first, second = pool.begin_inline(10, done), pool.begin_inline(10, done)
    assert first is not None and second is not None
    assert pool.begin_inline(10, done) is None  # both places taken: submit it instead
    ran = threading.Event()
    pool.submit(ran.set, on_done=done, timeout=10)
    assert pool.load() == (2, 1) and not ran.is_set()  # no place: it waits, though no worker is busy
    pool.end_inline(first)  # gives its place to the queued call
    assert got.get(timeout=10) == (None, None) and ran.is_set()
    assert pool.load() == (1, 0)
    pool.end_inline(second)
    assert pool.load() == (0, 0)


def test_an_inline_call_past_its_time_is_answered_by_the_timekeeper_and_abandoned():
    pool = WorkerPool(1, max_abandoned=1)
    got, done = _outcomes()
    task = pool.begin_inline(0.1, done)
    result, error = got.get(timeout=10)  # while its caller still runs it
    assert result is None and isinstance(error, CallTimeout) and error.started
    assert pool.abandoned == 1 and pool.load() == (0, 0)
    try:
        pool.begin_inline(10, done)
        raise AssertionError("a saturated pool must refuse")
    except PoolSaturated:
        pass
    assert pool.end_inline(task) is False  # returned late: not reported again
    assert pool.abandoned == 0 and got.empty()
    assert pool.end_inline(pool.begin_inline(10, done)) is True


def test_a_cancelled_inline_call_is_not_reported_by_its_caller():
    pool = WorkerPool(1)
    got, done = _outcomes()
    task = pool.begin_inline(10, done)
    assert pool.cancel(task) == "detached"
    assert pool.end_inline(task) is False
    assert pool.load() == (0, 0) and got.empty()
