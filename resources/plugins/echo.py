"""Echoes the request back as JSON: handy to see what a webhook really sends."""

from webhook_bridge import BasePlugin

# Headers worth echoing; others (cookies, authorization, ...) are left out.
_ECHOED_HEADERS = (
    "content-type", "user-agent", "x-github-event", "x-github-delivery",
    "x-gitlab-event", "x-request-id", "x-forwarded-for",
)


class Plugin(BasePlugin):
    description = "Echoes method, path, selected headers, query and the parsed body"

    def handle(self, request):
        return {
            "method": request.method,
            "path": request.path,
            "headers": dict(
                (name, request.headers.get(name)) for name in _ECHOED_HEADERS if name in request.headers
            ),
            "query": request.query,
            "content_type": request.content_type,
            "body": request.body,
            "body_bytes": len(request.raw_body),
        }
