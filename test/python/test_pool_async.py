"""WorkerPool's stream path (submit with on_done): nobody waits, the worker or the timekeeper reports
once; cancel drops or detaches; workers start on demand and the last idle one is reused first.
Run by test/unit/python-tests.test.ts."""

import os
import queue
import sys
import threading

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge_executor.pool import CallTimeout, PoolBusy, WorkerPool  # noqa: E402


def _outcomes():
    got = queue.Queue()
    return got, lambda result, error: got.put((result, error))


def test_the_worker_reports_the_result_and_the_exception():
    pool = WorkerPool(2)
    got, done = _outcomes()
    pool.submit(lambda: "ok", on_done=done, timeout=10)
    assert got.get(timeout=10) == ("ok", None)
    pool.submit(lambda: 1 / 0, on_done=done, timeout=10)
    result, error = got.get(timeout=10)
    assert result is None and isinstance(error, ZeroDivisionError)


def test_the_timekeeper_abandons_a_call_past_its_time_and_reports_it_once():
    pool = WorkerPool(1, max_abandoned=5)
    got, done = _outcomes()
    release = threading.Event()
    pool.submit(lambda: release.wait(30) and "late", on_done=done, timeout=0.1)
    result, error = got.get(timeout=10)
    assert isinstance(error, CallTimeout) and error.started
    assert (pool.abandoned, pool.load()) == (1, (0, 0))
    pool.submit(lambda: "fresh worker", on_done=done, timeout=10)
    assert got.get(timeout=10) == ("fresh worker", None)
    release.set()
    for _ in range(200):
        if pool.abandoned == 0:
            break
        threading.Event().wait(0.05)
    assert pool.abandoned == 0
    assert got.empty()  # the late result of the abandoned call is not reported


def test_a_queued_call_that_gets_no_worker_in_time_is_busy_and_never_runs():
    pool = WorkerPool(1, queue_size=4, queue_timeout=0.1)
    got, done = _outcomes()
    release = threading.Event()
    pool.submit(lambda: release.wait(30) and "held", on_done=done, timeout=30)
    ran = []
    pool.submit(lambda: ran.append(1), on_done=done, timeout=30)
    result, error = got.get(timeout=10)
    assert isinstance(error, PoolBusy) and str(error) == "all 1 plugin threads stayed busy for 0.1s"
    release.set()
    assert got.get(timeout=10) == ("held", None)
    assert ran == [] and pool.load() == (0, 0)


def test_cancel_drops_a_queued_call_and_detaches_a_running_one():
    pool = WorkerPool(1, queue_size=4, max_abandoned=5)
    got, done = _outcomes()
    release = threading.Event()
    started = threading.Event()
    running = pool.submit(lambda: started.set() or release.wait(30), on_done=done, timeout=0.5)
    assert started.wait(10)
    ran = []
    queued = pool.submit(lambda: ran.append(1), on_done=done, timeout=30)
    assert pool.cancel(queued) == "dropped"
    assert pool.cancel(running) == "detached"
    assert pool.cancel(running) is None
    # the detached call still counts: past its time it is abandoned (not reported), and a new call runs
    for _ in range(200):
        if pool.abandoned == 1:
            break
        threading.Event().wait(0.05)
    assert pool.abandoned == 1
    pool.submit(lambda: "next", on_done=done, timeout=10)
    assert got.get(timeout=10) == ("next", None)
    release.set()
    assert ran == [] and got.empty()


def test_workers_start_on_demand_and_the_last_idle_one_is_reused():
    pool = WorkerPool(8)
    assert pool.threads() == 0
    names = []
    for _ in range(20):
        assert pool.run(lambda: names.append(threading.current_thread().name), 10) is None
    assert pool.threads() == 1 and len(set(names)) == 1


def test_a_full_queue_refuses_at_once_on_the_stream_path_too():
    pool = WorkerPool(1, queue_size=0)
    got, done = _outcomes()
    release = threading.Event()
    pool.submit(lambda: release.wait(30), on_done=done, timeout=30)
    try:
        pool.submit(lambda: None, on_done=done, timeout=30)
        raise AssertionError("expected PoolBusy")
    except PoolBusy as exc:
        assert str(exc) == "all 1 plugin threads are busy and 0 calls are already waiting"
    release.set()
    assert got.get(timeout=10) == (True, None)
