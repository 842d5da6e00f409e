"""A worker pool for plugin calls that survives stuck plugins and bounds its queue.

Concurrency: ``size`` worker threads run plugin calls; a call that finds them
all busy waits in a queue of at most ``queue_size`` calls, each for at most
``queue_timeout`` seconds. A call that finds the queue full, or that waited
its time without getting a worker, raises PoolBusy: it never ran, and the
caller answers 503 with Retry-After. Busy is not broken: PoolBusy does not
touch the pool's health (only abandoned calls do, below).

Each call waits at most ``timeout`` seconds in all. A call that is still
running when its time is up is *abandoned*: Python cannot kill a thread, so
the worker keeps running it in the background, a fresh worker takes its place
so the pool's capacity is unchanged, and the abandoned worker exits as soon
as the stuck call returns. Workers are daemon threads, so abandoned calls
never keep the process alive at exit.

Abandoned calls still running are capped (``max_abandoned``): past the cap
the pool is *saturated* and refuses new calls at once with PoolSaturated
instead of starting yet another thread, so a plugin that always hangs cannot
grow the process without bound; the executor then reports itself not serving
and its supervisor restarts it.
"""

import itertools
import logging
import queue
import threading
import time

log = logging.getLogger("webhook_bridge_executor.pool")

_QUEUED, _RUNNING, _ABANDONED, _CANCELLED, _DONE = range(5)


class CallTimeout(Exception):
    """The call started but did not finish in time."""

    def __init__(self, timeout, started=True):
        Exception.__init__(self, "timed out after %.3gs" % timeout)
        self.timeout = timeout
        self.started = started


class PoolBusy(Exception):
    """Every worker was busy: the call was refused or waited its time in the queue, and never ran."""

    def __init__(self, threads, waiting, waited):
        if waited > 0:
            text = "all %d plugin threads stayed busy for %.3gs" % (threads, waited)
        else:
            text = "all %d plugin threads are busy and %d calls are already waiting" % (threads, waiting)
        Exception.__init__(self, text)
        self.threads = threads
        self.waiting = waiting
        self.waited = waited


class PoolSaturated(Exception):
    """Too many abandoned calls are still running: no new call is accepted."""

    def __init__(self, abandoned):
        Exception.__init__(self, "%d plugin calls are stuck past their timeout" % abandoned)
        self.abandoned = abandoned


class _Task(object):
    __slots__ = ("fn", "state", "lock", "started", "done", "result", "error")

    def __init__(self, fn):
        self.fn = fn
        self.state = _QUEUED
        self.lock = threading.Lock()
        self.started = threading.Event()
        self.done = threading.Event()
        self.result = None
        self.error = None


class WorkerPool(object):
    def __init__(self, size, name="plugin-worker", max_abandoned=32, queue_size=None, queue_timeout=None):
        if size < 1:
            raise ValueError("pool size must be >= 1")
        if max_abandoned < 1:
            raise ValueError("max_abandoned must be >= 1")
        if queue_size is not None and queue_size < 0:
            raise ValueError("queue_size must be >= 0")
        if queue_timeout is not None and queue_timeout <= 0:
            raise ValueError("queue_timeout must be > 0")
        self.size = size
        self.queue_size = queue_size
        self.queue_timeout = queue_timeout
        self._name = name
        self._max_abandoned = max_abandoned
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._abandoned = 0
        self._pending = 0  # queued, not yet taken by a worker, not cancelled
        self._running = 0
        self._counter = itertools.count(1)
        for _ in range(size):
            self._spawn()

    @property
    def abandoned(self):
        """Calls that timed out and are still running."""
        with self._lock:
            return self._abandoned

    @property
    def saturated(self):
        """True while max_abandoned abandoned calls are still running."""
        with self._lock:
            return self._abandoned >= self._max_abandoned

    def load(self):
        """(calls running in a worker, calls waiting for one), abandoned calls not included."""
        with self._lock:
            return self._running, self._pending

    def _spawn(self):
        thread = threading.Thread(
            target=self._work, name="%s-%d" % (self._name, next(self._counter)))
        thread.daemon = True
        thread.start()

    def _work(self):
        while True:
            task = self._queue.get()
            with task.lock:
                if task.state == _CANCELLED:
                    continue  # its waiter gave up; _pending was decremented then
                task.state = _RUNNING
                with self._lock:
                    self._pending -= 1
                    self._running += 1
            task.started.set()
            try:
                task.result = task.fn()
            except BaseException as exc:  # noqa: B902 - re-raised in the caller
                task.error = exc
            with task.lock:
                abandoned = task.state == _ABANDONED
                task.state = _DONE
            task.done.set()
            with self._lock:
                if abandoned:
                    self._abandoned -= 1
                else:
                    self._running -= 1
            if abandoned:
                log.info("an abandoned plugin call finished; its worker exits")
                return  # a replacement worker was started when it was abandoned

    def submit(self, fn):
        """Queue ``fn()``; collect its outcome with ``collect``. Raises PoolSaturated, or
        PoolBusy when every worker is busy and ``queue_size`` calls already wait."""
        with self._lock:
            if self._abandoned >= self._max_abandoned:
                raise PoolSaturated(self._abandoned)
            if self.queue_size is not None:
                waiting = self._pending + self._running - self.size
                if waiting >= self.queue_size:
                    raise PoolBusy(self.size, max(waiting, 0), 0)
            self._pending += 1
        task = _Task(fn)
        self._queue.put(task)
        return task

    def collect(self, task, timeout, queue_timeout=None):
        """Wait for a submitted task: its result, its exception, PoolBusy when no worker took it
        within ``queue_timeout`` (or ``timeout``, if shorter: it is cancelled and never runs), or
        CallTimeout when it ran past ``timeout`` seconds in all (it is then abandoned)."""
        started_at = time.monotonic()
        timeout = max(timeout, 0)
        wait = timeout if queue_timeout is None else min(timeout, queue_timeout)
        if not task.started.wait(wait):
            with task.lock:
                if task.state == _QUEUED:
                    task.state = _CANCELLED
                    with self._lock:
                        self._pending -= 1
                        waiting = max(self._pending + self._running - self.size, 0)
                    raise PoolBusy(self.size, waiting, wait)
            # a worker took it between the wait and the lock: go on
        remaining = timeout - (time.monotonic() - started_at)
        if not task.done.wait(max(remaining, 0)):
            with task.lock:
                if task.state == _RUNNING:
                    task.state = _ABANDONED
                    with self._lock:
                        self._running -= 1
                        self._abandoned += 1
                        abandoned = self._abandoned
                    self._spawn()
                    if abandoned >= self._max_abandoned:
                        log.error("%d plugin calls are stuck past their timeout: refusing new calls "
                                  "until some finish (restart the executor)", abandoned)
                    raise CallTimeout(timeout, started=True)
            # it finished between the wait and the lock: use the result
        if task.error is not None:
            raise task.error
        return task.result

    def run(self, fn, timeout, queue_timeout=None):
        """Run ``fn()`` in a worker: its result, its exception, CallTimeout, PoolBusy, or
        PoolSaturated (at once, without running it)."""
        return self.collect(self.submit(fn), timeout, queue_timeout)
