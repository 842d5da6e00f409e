"""Unit tests of the executor's WorkerPool: a bounded queue (PoolBusy) that never touches health
(only abandoned calls do); run by test/unit/python-tests.test.ts."""

import os
import sys
import threading

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "python")
sys.path.insert(0, os.path.abspath(ROOT))

from webhook_bridge_executor.pool import CallTimeout, PoolBusy, WorkerPool  # noqa: E402


def _hold(pool, n):
    """n calls that block their thread until the returned event is set; waits until they all run."""
    release = threading.Event()
    started = threading.Semaphore(0)

    def block():
        started.release()
        release.wait(30)
        return "done"

    tasks = [pool.submit(block) for _ in range(n)]
    for _ in range(n):
        assert started.acquire(timeout=10)
    return release, tasks


def test_a_full_queue_refuses_at_once_and_is_not_saturation():
    pool = WorkerPool(2, queue_size=1, queue_timeout=30)
    release, tasks = _hold(pool, 2)
    queued = pool.submit(lambda: "queued ran")
    with pytest.raises(PoolBusy) as refused:
        pool.submit(lambda: "never")
    assert str(refused.value) == "all 2 plugin threads are busy and 1 calls are already waiting"
    assert (pool.load(), pool.saturated, pool.abandoned) == ((2, 1), False, 0)
    release.set()
    assert [pool.collect(t, 10) for t in tasks] == ["done", "done"]
    assert pool.collect(queued, 10) == "queued ran"
    assert pool.load() == (0, 0)


def test_a_call_that_gets_no_thread_in_time_never_runs():
    pool = WorkerPool(1, queue_size=4, queue_timeout=0.2)
    release, tasks = _hold(pool, 1)
    ran = []
    task = pool.submit(lambda: ran.append(1))
    with pytest.raises(PoolBusy) as busy:
        pool.collect(task, 30, pool.queue_timeout)
    assert busy.value.waited == 0.2
    assert str(busy.value) == "all 1 plugin threads stayed busy for 0.2s"
    release.set()
    assert pool.collect(tasks[0], 10) == "done"
    assert pool.run(lambda: "next", 10, pool.queue_timeout) == "next"  # the cancelled one was skipped
    assert ran == [] and pool.load() == (0, 0) and not pool.saturated


def test_a_call_past_its_time_limit_is_abandoned_and_its_thread_replaced():
    pool = WorkerPool(1, queue_size=0, max_abandoned=2)
    release = threading.Event()
    with pytest.raises(CallTimeout):
        pool.run(lambda: release.wait(30), 0.1)
    assert (pool.abandoned, pool.load()) == (1, (0, 0))
    assert pool.run(lambda: "fresh thread", 10) == "fresh thread"
    release.set()
