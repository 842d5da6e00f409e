"""Bench plugin: sleeps ?ms=N (default 200) without holding the GIL, then answers."""

import time

from webhook_bridge import BasePlugin


class Plugin(BasePlugin):
    description = "Sleeps ?ms=N (default 200)"

    def handle(self, request):
        time.sleep(float(request.arg("ms", "200")) / 1000.0)
        return {"slept_ms": float(request.arg("ms", "200"))}
