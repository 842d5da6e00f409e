"""The inline fast path of ExecuteStream: a stream's reader thread runs a call itself instead of
handing it to a pool worker, so a short plugin costs no thread handoff on the way in (the reply
still goes out through the stream's gRPC thread). Two things keep a long call from holding up
its stream:

- ``StallWatch``, one thread per executor, ticks every ``tick`` seconds while calls run inline
  (it sleeps when none has for a while). A call seen running inline at two ticks in a row (so it
  has run at least one tick) is *taken over*: its session starts a new reader thread for the
  stream, sends the call's started notice, and the old thread finishes the call, answers it and
  ends. Its place in the pool, its time limit (504, then abandoned) and cancellation are the
  pool's, exactly as for a worker's call.
- ``SlowPlugins``: a plugin whose call was taken over runs in the pool (one handoff, no takeover)
  for the next ``memory`` seconds.
"""

import threading
import time

# 5 ms: a call taken over ran 5-10 ms; while calls run inline the watch wakes 200 times a second.
DEFAULT_TICK = 0.005
# Idle ticks (no call started inline, none running) before the watch sleeps until the next one.
_IDLE_TICKS = 20


class SlowPlugins(object):
    """Plugins recently taken over, until when they run in the pool."""

    def __init__(self, memory=5.0):
        self._memory = memory
        self._until = {}

    def mark(self, name):
        if len(self._until) > 1000:
            self._until.clear()
        self._until[name] = time.monotonic() + self._memory

    def slow(self, name):
        until = self._until.get(name)
        return until is not None and time.monotonic() < until


class StallWatch(object):
    """Takes over the calls that run inline for more than a tick (see the module docstring).
    ``sessions()`` gives the sessions to watch; each has an ``inline`` attribute (the running inline
    call's token, or None) and ``take_over(token)``."""

    def __init__(self, sessions, tick=DEFAULT_TICK):
        self._sessions = sessions
        self._tick = tick
        self._active = threading.Event()
        self._lock = threading.Lock()
        self._thread = None
        self.starts = 0  # inline calls started (the watch stays awake while this moves)

    def started(self):
        """A reader is about to run a call inline (its session's ``inline`` is set already)."""
        self.starts += 1
        if self._active.is_set():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="stream-stall-watch")
                self._thread.daemon = True
                self._thread.start()
        self._active.set()

    def _run(self):
        seen = {}
        idle = 0
        starts = self.starts
        while True:
            self._active.wait()
            time.sleep(self._tick)
            running = {}
            for session in self._sessions():
                token = session.inline
                if token is None:
                    continue
                if seen.get(session) is token:
                    session.take_over(token)
                else:
                    running[session] = token
            seen = running
            if running or self.starts != starts:
                idle = 0
                starts = self.starts
                continue
            idle += 1
            if idle >= _IDLE_TICKS:
                idle = 0
                self._active.clear()
                # a reader that saw the event still set before the clear has set its session's
                # inline token already: look once more so its call is not left unwatched
                if any(s.inline is not None for s in self._sessions()):
                    self._active.set()
