"""Summarises GitHub push events (and answers GitHub's ping).

Configure a GitHub webhook with content type application/json pointing at
this plugin's URL and a secret, and give the same secret to the executor as
the environment variable GITHUB_WEBHOOK_SECRET (e.g. in the interpreter's
environment settings). The executor then verifies X-Hub-Signature-256 before
the request reaches here; until the variable is set the plugin is unavailable.
"""

from webhook_bridge import BasePlugin, Response


class Plugin(BasePlugin):
    description = "Summarises GitHub push events"
    secret_env = "GITHUB_WEBHOOK_SECRET"

    def post(self, request):
        event = request.headers.get("X-GitHub-Event", "")
        if event == "ping":
            return {"ok": True, "zen": (request.body or {}).get("zen", "")}
        if event != "push":
            return Response(status=202, body={"ignored": True, "event": event})
        payload = request.body
        if not isinstance(payload, dict):
            return Response(status=400, body={"error": "expected a JSON push payload"})

        ref = payload.get("ref", "")
        branch = ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else None
        tag = ref[len("refs/tags/"):] if ref.startswith("refs/tags/") else None
        commits = payload.get("commits") or []
        repository = payload.get("repository") or {}
        pusher = payload.get("pusher") or {}
        summary = {
            "repository": repository.get("full_name", ""),
            "ref": ref,
            "branch": branch,
            "tag": tag,
            "pusher": pusher.get("name", ""),
            "before": payload.get("before", ""),
            "after": payload.get("after", ""),
            "created": bool(payload.get("created")),
            "deleted": bool(payload.get("deleted")),
            "forced": bool(payload.get("forced")),
            "commit_count": len(commits),
            "commits": [
                {
                    "id": (c.get("id") or "")[:12],
                    "message": (c.get("message") or "").split("\n", 1)[0],
                    "author": (c.get("author") or {}).get("name", ""),
                }
                for c in commits[:20]
            ],
        }
        self.logger.info(
            "push to %s %s by %s: %d commit(s)",
            summary["repository"], branch or tag or ref, summary["pusher"], len(commits),
        )
        return summary
