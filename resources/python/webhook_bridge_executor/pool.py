"""A worker pool for plugin calls that survives stuck plugins and bounds its queue.

Concurrency: at most ``size`` worker threads run plugin calls. Workers start on demand and an idle
one waits on a lock of its own; the most recently idle worker takes the next call (LIFO), so a
light load keeps using the same few warm threads instead of waking all of them in turn. A call
that finds every worker busy waits in a queue of at most ``queue_size`` calls, each for at most
``queue_timeout`` seconds. A call that finds the queue full, or that waited its time without
getting a worker, raises PoolBusy: it never ran, and the caller answers 503 with Retry-After.
Busy is not broken: PoolBusy does not touch the pool's health (only abandoned calls do, below).

Each call gets at most ``timeout`` seconds in all. A call that is still running when its time is
up is *abandoned*: Python cannot kill a thread, so the worker keeps running it in the background,
the pool no longer counts that worker (a fresh one starts when needed, so capacity is unchanged),
and the abandoned worker exits as soon as the stuck call returns. Workers are daemon threads, so
abandoned calls never keep the process alive at exit.

Two ways to wait for a call:
- ``submit(fn)`` + ``collect(task, timeout)`` (or ``run``): the caller's thread waits (unary rpcs).
- ``submit(fn, on_done=..., timeout=...)``: nobody waits; the worker calls ``on_done(result,
  error)`` when ``fn`` returns, or the pool's one timekeeper thread does when the call waited too
  long for a worker (PoolBusy) or ran past its time (CallTimeout). ``cancel(task)`` drops a call
  not started yet, or detaches a running one (no ``on_done``; still abandoned at its time limit).
  This is the stream path: one handoff to a worker, none back.

A third way, ``begin_inline`` + ``end_inline``: the caller runs the call on its own thread (no
handoff at all: the stream reader's fast path), counted in the pool's places and watched by the
timekeeper like a worker's call (504 at its time limit, then abandoned). It is refused (None: submit
it instead) when no place is free or calls wait, so it never jumps the queue.

Abandoned calls still running are capped (``max_abandoned``): past the cap the pool is
*saturated* and refuses new calls at once with PoolSaturated instead of starting yet another
thread, so a plugin that always hangs cannot grow the process without bound; the executor then
reports itself not serving and its supervisor restarts it.
"""

import collections
import heapq
import itertools
import logging
import threading
import time

from .pool_errors import CallTimeout, PoolBusy, PoolSaturated

__all__ = ["CallTimeout", "PoolBusy", "PoolSaturated", "WorkerPool"]

log = logging.getLogger("webhook_bridge_executor.pool")

_QUEUED, _RUNNING, _ABANDONED, _CANCELLED, _DONE = range(5)
# The timekeeper wakes at most once per tick, however many calls there are (at most this late).
_TICK = 0.01


class _Task(object):
    __slots__ = ("fn", "state", "started", "done", "result", "error", "on_done", "reported",
                 "timeout", "deadline", "queue_wait", "queue_deadline", "inline")

    def __init__(self, fn, on_done):
        self.fn = fn
        self.state = _QUEUED
        self.on_done = on_done
        self.reported = False
        # Events only for a caller that waits (collect); the stream path needs none.
        self.started = None if on_done is not None else threading.Event()
        self.done = None if on_done is not None else threading.Event()
        self.result = None
        self.error = None
        self.inline = False  # run by its caller's thread, not a worker (begin_inline)


class _Worker(object):
    __slots__ = ("wake", "task")

    def __init__(self):
        self.wake = threading.Lock()
        self.wake.acquire()
        self.task = None


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
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)  # the timekeeper waits on it
        self._idle = []  # idle workers, most recent last
        self._queue = collections.deque()  # calls waiting for a worker (cancelled ones skipped)
        self._live = 0  # workers not abandoned: running a call or idle
        self._abandoned = 0
        self._pending = 0  # queued, not yet taken by a worker, not cancelled
        self._running = 0
        self._counter = itertools.count(1)
        self._timers = []  # heap of (when, seq, task)
        self._timer_seq = itertools.count()
        self._timekeeper = None
        self._next_wake = float("inf")

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

    def threads(self):
        """Worker threads started and not abandoned (idle or running)."""
        with self._lock:
            return self._live

    # --- workers (call with the lock held unless said otherwise) -------

    def _start_locked(self, task):
        task.state = _RUNNING
        self._running += 1
        if self._idle:
            worker = self._idle.pop()
            worker.task = task
            worker.wake.release()
            return
        self._live += 1
        thread = threading.Thread(target=self._work, args=(task,),
                                  name="%s-%d" % (self._name, next(self._counter)))
        thread.daemon = True
        thread.start()

    def _next_locked(self):
        while self._queue:
            task = self._queue.popleft()
            if task.state == _QUEUED:
                self._pending -= 1
                return task
        return None

    def _fill_locked(self):
        """Start queued calls while a place is free (an inline call or an abandoned one gave its place back)."""
        while self._queue and self._running < self.size and (self._idle or self._live < self.size):
            task = self._next_locked()
            if task is None:
                return
            self._start_locked(task)

    def _work(self, task):
        worker = None
        while True:
            if task.started is not None:
                task.started.set()
            try:
                result, error = task.fn(), None
            except BaseException as exc:  # noqa: B902 - handed to the caller
                result, error = None, exc
            with self._lock:
                abandoned = task.state == _ABANDONED
                task.state = _DONE
                task.result, task.error = result, error
                report = task.on_done is not None and not task.reported
                task.reported = True
                if abandoned:
                    self._abandoned -= 1
                    following = None
                else:
                    self._running -= 1
                    following = self._next_locked()
                    if following is not None:
                        following.state = _RUNNING
                        self._running += 1
                    else:
                        if worker is None:
                            worker = _Worker()
                        self._idle.append(worker)
            if task.done is not None:
                task.done.set()
            if report:
                self._report(task, result, error)
            if abandoned:
                log.info("an abandoned plugin call finished; its worker exits")
                return  # the pool stopped counting this worker when it was abandoned
            task = following
            if task is None:
                worker.wake.acquire()
                task, worker.task = worker.task, None

    def _report(self, task, result, error):
        try:
            task.on_done(result, error)
        except Exception:  # noqa: B902 - a bug of the caller's must not kill a worker or the timekeeper
            log.exception("internal error reporting a plugin call's outcome")

    def _abandon_locked(self, task):
        task.state = _ABANDONED
        self._running -= 1
        self._abandoned += 1
        if not task.inline:
            self._live -= 1
        self._fill_locked()  # a fresh worker for a waiting call
        if self._abandoned >= self._max_abandoned:
            log.error("%d plugin calls are stuck past their timeout: refusing new calls "
                      "until some finish (restart the executor)", self._abandoned)

    # --- submitting ----------------------------------------------------

    def submit(self, fn, on_done=None, timeout=None, queue_timeout=None):
        """Start or queue ``fn()``. Without ``on_done``, wait for it with ``collect``. With it,
        ``timeout`` (seconds in all) is required, ``queue_timeout`` defaults to the pool's, and
        ``on_done(result, error)`` is called once.
        Raises PoolSaturated, or PoolBusy when every worker is busy and ``queue_size`` calls already
        wait (the call then never runs and ``on_done`` is not called)."""
        task = _Task(fn, on_done)
        with self._lock:
            if self._abandoned >= self._max_abandoned:
                raise PoolSaturated(self._abandoned)
            idle = (self._idle or self._live < self.size) and self._running < self.size
            if not idle and self.queue_size is not None:
                waiting = self._pending + self._running - self.size
                if waiting >= self.queue_size:
                    raise PoolBusy(self.size, max(waiting, 0), 0)
            if on_done is not None:
                now = time.monotonic()
                task.timeout = max(timeout, 0)
                task.deadline = now + task.timeout
                self._schedule_locked(task.deadline, task)
            if idle:
                self._start_locked(task)
                return task
            self._pending += 1
            self._queue.append(task)
            if on_done is not None:
                if queue_timeout is None:
                    queue_timeout = self.queue_timeout
                wait = task.timeout if queue_timeout is None else min(task.timeout, queue_timeout)
                task.queue_wait = wait
                task.queue_deadline = now + wait
                if task.queue_deadline < task.deadline:
                    self._schedule_locked(task.queue_deadline, task)
        return task

    def begin_inline(self, timeout, on_done):
        """A call its caller runs on its own thread right away, in one of the pool's places; None when
        it would have to wait (every place taken, or calls queued): ``submit`` it then. At ``timeout``
        seconds the timekeeper abandons it and calls ``on_done(None, CallTimeout)``; otherwise the
        caller reports it itself when ``end_inline`` says so. Raises PoolSaturated."""
        with self._lock:
            if self._abandoned >= self._max_abandoned:
                raise PoolSaturated(self._abandoned)
            if self._pending or self._running >= self.size:
                return None
            task = _Task(None, on_done)
            task.inline = True
            task.state = _RUNNING
            self._running += 1
            task.timeout = max(timeout, 0)
            task.deadline = time.monotonic() + task.timeout
            self._schedule_locked(task.deadline, task)
            return task

    def end_inline(self, task):
        """The inline call returned: True when its caller reports the outcome (it was not timed out,
        cancelled or detached meanwhile)."""
        with self._lock:
            if task.state == _ABANDONED:
                self._abandoned -= 1
                return False
            task.state = _DONE
            self._running -= 1
            self._fill_locked()
            report = not task.reported
            task.reported = True
            return report

    def cancel(self, task):
        """Stop reporting ``task``: "dropped" when it had not started (it never will), "detached"
        when it is running (it goes on; at its time limit it is abandoned like any other), None when
        it was already reported."""
        with self._lock:
            if task.reported:
                return None
            task.reported = True
            if task.state == _QUEUED:
                task.state = _CANCELLED
                self._pending -= 1
                return "dropped"
            return "detached"

    def collect(self, task, timeout, queue_timeout=None):
        """Wait for a task submitted without ``on_done``: its result, its exception, PoolBusy when
        no worker took it within ``queue_timeout`` (or ``timeout``, if shorter: it is cancelled and
        never runs), or CallTimeout when it ran past ``timeout`` seconds in all (it is then
        abandoned)."""
        started_at = time.monotonic()
        timeout = max(timeout, 0)
        wait = timeout if queue_timeout is None else min(timeout, queue_timeout)
        if not task.started.wait(wait):
            with self._lock:
                if task.state == _QUEUED:
                    task.state = _CANCELLED
                    self._pending -= 1
                    waiting = max(self._pending + self._running - self.size, 0)
                    raise PoolBusy(self.size, waiting, wait)
            # a worker took it between the wait and the lock: go on
        remaining = timeout - (time.monotonic() - started_at)
        if not task.done.wait(max(remaining, 0)):
            with self._lock:
                if task.state == _RUNNING:
                    self._abandon_locked(task)
                    raise CallTimeout(timeout, started=True)
            # it finished between the wait and the lock: use the result
        if task.error is not None:
            raise task.error
        return task.result

    def run(self, fn, timeout, queue_timeout=None):
        """Run ``fn()`` in a worker: its result, its exception, CallTimeout, PoolBusy, or
        PoolSaturated (at once, without running it)."""
        return self.collect(self.submit(fn), timeout, queue_timeout)

    # --- the timekeeper (calls with on_done) ---------------------------

    def _schedule_locked(self, when, task):
        heapq.heappush(self._timers, (when, next(self._timer_seq), task))
        if self._timekeeper is None:
            self._timekeeper = threading.Thread(target=self._keep_time, name="%s-timekeeper" % self._name)
            self._timekeeper.daemon = True
            self._timekeeper.start()
        elif when < self._next_wake:
            self._cond.notify()

    def _due_locked(self, now, fired):
        timers = self._timers
        while timers and timers[0][0] <= now:
            task = heapq.heappop(timers)[2]
            if task.state == _QUEUED and not task.reported and now >= task.queue_deadline:
                task.state = _CANCELLED
                task.reported = True
                self._pending -= 1
                waiting = max(self._pending + self._running - self.size, 0)
                fired.append((task, PoolBusy(self.size, waiting, task.queue_wait)))
            elif task.state == _RUNNING and now >= task.deadline:
                self._abandon_locked(task)
                if not task.reported:
                    task.reported = True
                    fired.append((task, CallTimeout(task.timeout, started=True)))

    def _keep_time(self):
        while True:
            fired = []
            with self._lock:
                while not fired:
                    now = time.monotonic()
                    self._due_locked(now, fired)
                    if fired:
                        break
                    if self._timers:
                        self._next_wake = max(self._timers[0][0], now + _TICK)
                        self._cond.wait(self._next_wake - now)
                    else:
                        self._next_wake = float("inf")
                        self._cond.wait()
            for task, error in fired:
                self._report(task, None, error)
