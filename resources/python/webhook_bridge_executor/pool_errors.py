"""What a WorkerPool call can end with besides its own result or exception."""


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
