"""Class attributes a plugin declares for the app (reported in PluginInfo, never used here).

- ``ack``: ``"immediate"`` (the app answers 202 once the delivery is stored, then runs it from a
  durable queue) or ``"sync"`` (the default: the sender waits for the plugin's answer). The app's
  config (``plugins.settings.<name>.ack``) wins over it.
- ``max_concurrency``: how many calls of this plugin the app runs at once; 0 (the default) = no limit.

Both work on request-style and legacy (webhook_bridge 0.6-4.0 style) plugin classes. A value of the
wrong type or out of range is a load error naming the attribute and the value (the plugin is then
unavailable): silently running a plugin with another acknowledgement or concurrency than its author
asked for would be worse than not running it.
"""

import os

from .diagnostics import PluginShapeError

ACK_VALUES = ("sync", "immediate")


def plugin_attributes(plugin_class, path):
    """(ack, max_concurrency) of a plugin class: ack is "" when the class does not say."""
    ack = getattr(plugin_class, "ack", None)
    if ack is None or ack == "":
        ack = ""
    elif not isinstance(ack, str) or ack not in ACK_VALUES:
        raise PluginShapeError("%s: ack must be \"immediate\" or \"sync\", not %r" % (os.path.basename(path), ack))
    limit = getattr(plugin_class, "max_concurrency", None)
    if limit is None:
        limit = 0
    elif isinstance(limit, bool) or not isinstance(limit, int) or limit < 0 or limit > 1000000:
        raise PluginShapeError("%s: max_concurrency must be a whole number from 0 (no limit) to 1000000, not %r"
                               % (os.path.basename(path), limit))
    return ack, limit
