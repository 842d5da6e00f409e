"""ExecuteStream: many webhook calls over one long-lived bidirectional stream.

Per stream, one reader thread takes frames off the stream and runs each call itself when a place
in the plugin pool is free and nothing waits (inline.py: a call that runs longer than a tick is
taken over, a new reader goes on reading), else hands it to the pool (one handoff); whoever runs
it converts the outcome and puts the reply on the stream's reply queue, which the gRPC server
thread of the stream sends (completion order). Nobody waits for
a call: the pool's timekeeper answers a call that waited too long for a worker (503 busy) or ran
past its time limit (504, the call abandoned as in ExecutePlugin).

- What ExecutePlugin reports as a gRPC status is a reply with ``error_code`` (its name) and
  ``error_message``: INVALID_ARGUMENT (bad plugin name, method or request_id), NOT_FOUND,
  CANCELLED, INTERNAL. Everything else is ``response`` with its in-band HTTP status.
- ``started`` says whether the plugin's handler started: a call that failed before may be retried.
  When the handler starts, a *started notice* is queued: a reply with ``started`` and neither
  ``response`` nor ``error_code``; it is not sent when the call's final reply is made before the
  stream's thread gets to it (a fast call costs no extra message). A client that has seen notices
  may treat a call without one as not started when the stream breaks.
- ``cancel_request_id`` drops a call that has not started (CANCELLED, started=false), or answers a
  running one CANCELLED at once; it runs on until it returns (its result is dropped) or until its
  time limit, when it is abandoned like any call past its time. The plugin sees
  ``request.cancelled`` turn True and may stop early.
- ``deadline_ms`` counts from when the reader takes the call off the stream.
- The client ending its side (half-close) lets the calls in flight finish; the stream then ends. A
  stream that breaks drops its calls not started and the replies of those running.
"""

import itertools
import logging
import queue
import threading

import grpc

from .inline import SlowPlugins, StallWatch
from .service import CallError

log = logging.getLogger("webhook_bridge_executor.stream")

_END = object()


class _Notice(object):
    """In the reply queue: the plugin of ``call`` started (sent unless its final reply came first)."""

    __slots__ = ("call",)

    def __init__(self, call):
        self.call = call


class StreamServicer(object):
    def __init__(self, service, messages, pool, max_streams, inline=True):
        self._service = service
        self.inline_enabled = inline  # run short calls on the reader thread (inline.py)
        self.slow = SlowPlugins()
        self.watch = StallWatch(lambda: list(self._sessions))
        self._m = messages
        self._pool = pool
        self._max_streams = max_streams
        self._lock = threading.Lock()
        self._open = 0
        self._counter = itertools.count(1)
        self._sessions = set()
        self._stopping = False

    def ExecuteStream(self, frames, context):
        with self._lock:
            full = self._open >= self._max_streams
            if not full:
                self._open += 1
        if full:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                          "the executor serves at most %d streams at once" % self._max_streams)
        session = None
        try:
            session = _Session(self, frames, context, next(self._counter))
            with self._lock:
                self._sessions.add(session)
                stopping = self._stopping
            if stopping:
                session.stop()
            for reply in session.replies():
                yield reply
        finally:
            with self._lock:
                self._open -= 1
                self._sessions.discard(session)

    def shutdown(self):
        """The executor is stopping: every stream ends as soon as its calls in flight are answered
        (an idle one at once), and a call sent meanwhile is answered UNAVAILABLE, started=false."""
        with self._lock:
            self._stopping = True
            sessions = list(self._sessions)
        for session in sessions:
            session.stop()


class _Session(object):
    """One ExecuteStream rpc: its calls in flight by request_id, its reply queue."""

    def __init__(self, owner, frames, context, number):
        self._owner = owner
        self._frames = frames
        self._number = number
        self._reader = 0  # which reader thread reads now (a takeover starts the next one)
        self.inline = None  # the token of the call the reader runs inline now
        self._service = owner._service
        self._m = owner._m
        self._pool = owner._pool
        self._replies = queue.SimpleQueue()
        self._calls = {}
        self._lock = threading.Lock()
        self._reading = True
        self._broken = False
        self._stopping = False
        context.add_callback(self._on_end)
        self._start_reader()

    def _start_reader(self):
        reader = threading.Thread(target=self._read, args=(self._reader,),
                                  name="stream-reader-%d.%d" % (self._number, self._reader))
        reader.daemon = True
        reader.start()

    def replies(self):
        get = self._replies.get
        while True:
            reply = get()
            if reply is _END:
                return
            if isinstance(reply, _Notice):
                if reply.call.answered:
                    continue  # its final reply (which says started) is queued already: no notice needed
                reply = self._m.StreamReply(request_id=reply.call.request.request_id, started=True)
            yield reply

    # --- reading -------------------------------------------------------

    def _read(self, reader):
        try:
            for frame in self._frames:
                if frame.HasField("call"):
                    if self._start(frame.call, reader):
                        return  # taken over while running a call inline: the next reader goes on
                elif frame.cancel_request_id:
                    self._cancel(frame.cancel_request_id)
        except grpc.RpcError:
            pass  # the stream broke: _on_end drops what is in flight
        except Exception:  # noqa: B902 - a bug of ours must still end the stream cleanly
            log.exception("internal error reading a stream; ending it")
            self._on_end()
        with self._lock:
            self._reading = False
            ended = not self._calls
        if ended:
            self._replies.put(_END)

    def stop(self):
        with self._lock:  # replies and the end are queued under the lock: nothing is queued after the end
            self._stopping = True
            if not self._calls:
                self._replies.put(_END)

    def _start(self, request, reader):
        """Starts a call; True when this reader was taken over meanwhile (it must stop reading)."""
        rid = request.request_id
        try:
            if not rid:
                raise CallError("INVALID_ARGUMENT", "a call needs a request_id")
            call = self._service.prepare(request)
        except CallError as exc:
            self._replies.put(self._error(rid, exc.code, exc.message, False))
            return
        with self._lock:  # the same lock as stop(): no call slips in after the stream's last reply
            if self._stopping:
                refused = ("UNAVAILABLE", "the executor is stopping")
            elif rid in self._calls:
                refused = ("INVALID_ARGUMENT", "request_id %r is already in flight on this stream" % rid)
            else:
                refused = None
                self._calls[rid] = call
            if refused is not None:
                self._replies.put(self._error(rid, refused[0], refused[1], False))
        if refused is not None:
            return
        service = self._service
        owner = self._owner
        if owner.inline_enabled and not owner.slow.slow(request.plugin):
            try:
                task = self._pool.begin_inline(call.limit, lambda result, error: self._done(call, result, error))
            except Exception as exc:  # noqa: B902 - PoolSaturated: answered at once, in-band
                self._done(call, None, exc)
                return False
            if task is not None:
                call.task = task
                return self._run_inline(call, task, reader)
        call.on_start = lambda: self._replies.put(_Notice(call))
        try:
            call.task = self._pool.submit(lambda: service.run_call(call),
                                          on_done=lambda result, error: self._done(call, result, error),
                                          timeout=call.limit, queue_timeout=self._pool.queue_timeout)
        except Exception as exc:  # noqa: B902 - PoolBusy / PoolSaturated: answered at once, in-band
            self._done(call, None, exc)
        return False

    def _run_inline(self, call, task, reader):
        token = (call,)
        self.inline = token
        self._owner.watch.started()
        try:
            result, error = self._service.run_call(call), None
        except BaseException as exc:  # noqa: B902 - mapped by outcome(), as a worker's would be
            result, error = None, exc
        report = self._pool.end_inline(task)
        with self._lock:
            if self.inline is token:
                self.inline = None
            replaced = self._reader != reader
        if report:
            self._done(call, result, error)
        return replaced

    def take_over(self, token):
        """The stall watch: the call of ``token`` has run inline for a tick. Unless it has returned
        meanwhile, a new reader takes the stream over, and its started notice goes out."""
        with self._lock:
            if self.inline is not token or self._broken:
                return
            self.inline = None
            self._reader += 1
            call = token[0]
            if not call.answered:
                self._replies.put(_Notice(call))
        self._owner.slow.mark(call.request.plugin)
        self._start_reader()

    def _cancel(self, rid):
        with self._lock:
            call = self._calls.get(rid)
        if call is None or call.task is None:
            return  # answered already (or never sent): nothing to cancel
        what = self._pool.cancel(call.task)
        if what is None:
            return
        call.cancelled = True
        if what == "dropped":
            message = "cancelled before it started"
        else:
            message = "cancelled while running (the plugin runs on until it returns or its time limit)"
        log.info("request %s to plugin %r: %s", rid, call.request.plugin, message)
        self._answer(rid, self._error(rid, "CANCELLED", message, call.started))

    # --- answering -----------------------------------------------------

    def _done(self, call, result, error):
        """A worker (or the pool's timekeeper) has the call's outcome."""
        service = self._service
        rid = call.request.request_id
        outcome = service.outcome(call, result, error)
        if isinstance(outcome, CallError):
            reply = self._error(rid, outcome.code, outcome.message, call.started)
        else:
            reply = self._m.StreamReply(request_id=rid, response=service.response(call, outcome),
                                        started=call.started)
        self._answer(rid, reply)

    def _answer(self, rid, reply):
        with self._lock:
            call = self._calls.pop(rid, None)
            if call is None or self._broken:
                return
            call.answered = True
            self._replies.put(reply)
            if (not self._reading or self._stopping) and not self._calls:
                self._replies.put(_END)

    def _error(self, rid, code, message, started):
        return self._m.StreamReply(request_id=rid, error_code=code, error_message=message, started=started)

    def _on_end(self):
        """The rpc ended (or broke): calls in flight are dropped, the reply loop stops."""
        with self._lock:
            self._broken = True
            calls = list(self._calls.values())
            self._calls.clear()
        dropped = 0
        for call in calls:
            call.cancelled = True
            if call.task is not None and self._pool.cancel(call.task) is not None:
                dropped += 1
        if dropped:
            log.warning("a stream ended with %d call(s) in flight: their replies are dropped", dropped)
        self._replies.put(_END)
