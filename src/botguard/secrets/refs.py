"""Secret references (`env:`, `dotenv:`, `file:`, `systemd:`, `keyring:`, `vault:`).

Minimal core (env: only); the foundation issue adds the other schemes.
"""

from __future__ import annotations

import os

from botguard.errors import SecretError
from botguard.secrets.secret import Secret


def resolve_secret(ref: str) -> Secret:
    """Resolve one reference to a Secret (registered with the redactor)."""
    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(rest)
        if not value:
            raise SecretError(f"{ref}: environment variable {rest} is not set or empty")
        return Secret(ref, value)
    raise SecretError(f"{ref}: unsupported secret reference scheme {scheme!r}")
