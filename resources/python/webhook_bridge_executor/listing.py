"""ListPlugins and GetPluginInfo: plugins load on a loader pool of their own (never in the webhook
calls' bounded queue), each within one budget."""

import time

import grpc

from .plugins import is_valid_name
from .pool import CallTimeout, PoolBusy, PoolSaturated

SATURATED_MESSAGE = "too many plugin calls stuck past their timeout; restart the executor"
BUSY_MESSAGE = "the executor is busy: %s; retry later"
# Answer this long before the caller's gRPC deadline so it gets an answer, not DEADLINE_EXCEEDED.
_DEADLINE_MARGIN = 0.05


class PluginListing(object):
    def __init__(self, messages, registry, loader, plugin_timeout):
        self._m = messages
        self._registry = registry
        self._loader = loader
        self._plugin_timeout = plugin_timeout

    def _info(self, entry):
        return self._m.PluginInfo(
            name=entry.name, description=entry.description, methods=entry.methods,
            available=entry.available, error=entry.error, source_path=entry.path,
            has_secret=entry.has_secret, missing_module=entry.missing_module, style=entry.style,
            ack=entry.ack, max_concurrency=entry.max_concurrency)

    def _load_info(self, name):
        try:
            entry = self._loader.run(lambda: self._registry.get(name, wait=self._plugin_timeout, fresh=True),
                                     self._plugin_timeout)
        except CallTimeout:
            return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                      error="loading timed out after %.3gs" % self._plugin_timeout)
        except PoolSaturated:
            return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                      error=SATURATED_MESSAGE)
        except PoolBusy as exc:
            return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                      error=BUSY_MESSAGE % exc)
        return None if entry is None else self._info(entry)

    def _unavailable_info(self, name, error):
        return self._m.PluginInfo(name=name, available=False, source_path=self._registry.find(name) or "",
                                  error=error)

    def ListPlugins(self, request, context):
        # All plugins load through the loader pool (unbounded queue) within one budget (--plugin-timeout, and the
        # caller's deadline): one slow import cannot make the whole list time out. A plugin not
        # loaded by then is listed as unavailable, "still loading"; the next list shows it loaded.
        budget = self._plugin_timeout
        remaining = context.time_remaining()
        if remaining is not None:
            budget = min(budget, max(remaining - _DEADLINE_MARGIN, 0.001))
        deadline = time.monotonic() + budget
        tasks = []
        for name in sorted(self._registry.scan()):
            try:
                task = self._loader.submit(lambda name=name: self._registry.get(name, wait=budget, fresh=True))
            except PoolSaturated:
                task = SATURATED_MESSAGE
            except PoolBusy as exc:
                task = BUSY_MESSAGE % exc
            tasks.append((name, task))
        infos = []
        for name, task in tasks:
            if isinstance(task, str):
                infos.append(self._unavailable_info(name, task))
                continue
            try:
                entry = self._loader.collect(task, deadline - time.monotonic())
            except CallTimeout:
                infos.append(self._unavailable_info(name, "still loading"))
                continue
            except PoolBusy as exc:
                infos.append(self._unavailable_info(name, BUSY_MESSAGE % exc))
                continue
            if entry is not None:
                infos.append(self._unavailable_info(name, "still loading") if entry.busy else self._info(entry))
        return self._m.ListPluginsResponse(plugins=infos)

    def GetPluginInfo(self, request, context):
        info = self._load_info(request.name) if is_valid_name(request.name) else None
        if info is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no plugin named %r" % request.name)
        return info
