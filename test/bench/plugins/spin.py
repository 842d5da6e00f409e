"""Bench plugin: burns ?ms=N (default 5) of its thread's CPU time in pure Python, then answers.

The amount is CPU time (time.thread_time), not wall time, so each call costs the same work however
many threads wait for the GIL: what an executor pool (executor.workers) can spread over cores.
"""

import time

from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    description = "Burns ?ms=N (default 5) of pure-Python CPU time"

    def handle(self, request):
        end = time.thread_time() + float(request.arg("ms", "5")) / 1000.0
        n = 0
        while time.thread_time() < end:
            for i in range(200):
                n += i
        return {"spun": n}
