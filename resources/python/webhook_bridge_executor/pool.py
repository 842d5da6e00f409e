"""A worker pool for plugin calls that survives stuck plugins.

Each call waits at most ``timeout`` seconds. A call that is still running
when its time is up is *abandoned*: Python cannot kill a thread, so the
worker keeps running it in the background, a fresh worker takes its place
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

log = logging.getLogger("webhook_bridge_executor.pool")

_QUEUED, _RUNNING, _ABANDONED, _CANCELLED, _DONE = range(5)


class CallTimeout(Exception):
    """The call did not finish in time (``started`` tells whether it ran)."""

    def __init__(self, timeout, started):
        Exception.__init__(self, "timed out after %.3gs" % timeout)
        self.timeout = timeout
        self.started = started


class PoolSaturated(Exception):
    """Too many abandoned calls are still running: no new call is accepted."""

    def __init__(self, abandoned):
        Exception.__init__(self, "%d plugin calls are stuck past their timeout" % abandoned)
        self.abandoned = abandoned


class _Task(object):
    __slots__ = ("fn", "state", "lock", "done", "result", "error")

    def __init__(self, fn):
        self.fn = fn
        self.state = _QUEUED
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.result = None
        self.error = None


class WorkerPool(object):
    def __init__(self, size, name="plugin-worker", max_abandoned=32):
        if size < 1:
            raise ValueError("pool size must be >= 1")
        if max_abandoned < 1:
            raise ValueError("max_abandoned must be >= 1")
        self._name = name
        self._max_abandoned = max_abandoned
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._abandoned = 0
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
                    continue
                task.state = _RUNNING
            try:
                task.result = task.fn()
            except BaseException as exc:  # noqa: B902 - re-raised in the caller
                task.error = exc
            with task.lock:
                abandoned = task.state == _ABANDONED
                task.state = _DONE
            task.done.set()
            if abandoned:
                with self._lock:
                    self._abandoned -= 1
                log.info("an abandoned plugin call finished; its worker exits")
                return  # a replacement worker was started when it was abandoned

    def submit(self, fn):
        """Queue ``fn()``; collect its outcome with ``collect``. Raises PoolSaturated."""
        with self._lock:
            if self._abandoned >= self._max_abandoned:
                raise PoolSaturated(self._abandoned)
        task = _Task(fn)
        self._queue.put(task)
        return task

    def collect(self, task, timeout):
        """Wait at most ``timeout`` seconds for a submitted task: its result, its
        exception, or CallTimeout (the task is then cancelled or abandoned)."""
        if not task.done.wait(max(timeout, 0)):
            with task.lock:
                if task.state == _QUEUED:
                    task.state = _CANCELLED
                    raise CallTimeout(timeout, started=False)
                if task.state == _RUNNING:
                    task.state = _ABANDONED
                    with self._lock:
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

    def run(self, fn, timeout):
        """Run ``fn()`` in a worker: its result, its exception, CallTimeout, or
        PoolSaturated (at once, without running it)."""
        return self.collect(self.submit(fn), timeout)
