"""Webhook authenticity: GitHub's ``X-Hub-Signature-256`` scheme.

A plugin with a secret only runs for requests whose ``X-Hub-Signature-256``
header is ``sha256=`` followed by the 64 hex digits of HMAC-SHA256(secret,
raw body). The check runs here, in the executor, so the secret never leaves
the plugin's process; the comparison is constant-time.

Pure functions, no gRPC.
"""

import os
import re

HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_HEX64 = re.compile(r"[0-9A-Fa-f]{64}")
# What an environment variable name may be (POSIX portable names).
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SecretError(Exception):
    """The plugin's secret is declared wrongly or cannot be resolved (the plugin is unavailable)."""


def resolve_secret(plugin):
    """The secret of a plugin instance as bytes, or None when it has none.

    ``secret`` (str or bytes) wins when non-empty; otherwise ``secret_env``
    names an environment variable holding it, which must then be set and
    non-empty: a plugin that asks for a secret from the environment fails
    closed (SecretError) instead of silently accepting unsigned requests.
    """
    secret = getattr(plugin, "secret", None)
    env = getattr(plugin, "secret_env", None)
    if secret is not None and not isinstance(secret, (str, bytes)):
        raise SecretError("secret must be a str or bytes, not %s" % type(secret).__name__)
    if env is not None and not (isinstance(env, str) and _ENV_NAME.fullmatch(env)):
        raise SecretError("secret_env must be the name of an environment variable, not %r" % (env,))
    if secret:
        return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if env:
        value = os.environ.get(env, "")
        if not value:
            raise SecretError("secret_env: the environment variable %s is not set (the plugin only "
                              "accepts requests signed with it)" % env)
        return value.encode("utf-8")
    return None


def signature_problem(secret, headers, body):
    """None when ``headers`` carry a valid signature of ``body``, else why not (one line).

    ``headers`` is a list of (name, value) pairs as received; a repeated
    signature header is refused rather than guessed at.
    """
    values = [v for n, v in headers if n.lower() == HEADER.lower()]
    if not values:
        return "missing %s header: this plugin only accepts requests signed with its secret" % HEADER
    if len(values) > 1:
        return "more than one %s header" % HEADER
    value = values[0].strip()
    given = value[len(_PREFIX):] if value.startswith(_PREFIX) else None
    if given is None or not _HEX64.fullmatch(given):
        return "malformed %s header: expected sha256=<64 hex digits>" % HEADER
    import hashlib  # on first use: start-up speed
    import hmac
    expected = hmac.new(secret, body, hashlib.sha256).digest()
    if not hmac.compare_digest(bytes.fromhex(given), expected):
        return "%s does not match the request body" % HEADER
    return None
