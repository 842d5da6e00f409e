"""Answers {"ok": true} as fast as possible (used by the benchmarks)."""

from webhook_bridge import BasePlugin

_OK = {"ok": True}


class Plugin(BasePlugin):
    description = "Returns {\"ok\": true} immediately"

    def handle(self, request):
        return _OK
