"""webhook-bridge executor: runs webhook plugins for the webhook-bridge app over gRPC.

Run it as ``python <resources/python>/webhook_bridge_executor --socket PATH ...``
(see resources/python/README.md). This file must stay importable by any
Python so that ``__main__`` can report an unsupported interpreter clearly.
"""

__version__ = "0.1.0"
