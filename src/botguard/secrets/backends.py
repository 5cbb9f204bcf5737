"""Optional secret stores (keyring, Vault), imported only when a reference uses them."""

from __future__ import annotations

import os
from typing import Any

from botguard.errors import SecretError


def keyring_get(ref: str, service: str, name: str) -> str:
    """Read SERVICE/NAME from the OS keyring."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise SecretError(
            f"{ref}: the keyring library is not installed; pip install botguard[keyring]"
        ) from None
    try:
        value = keyring.get_password(service, name)
    except KeyringError as exc:
        raise SecretError(f"{ref}: keyring backend failed ({type(exc).__name__})") from None
    if value is None:
        raise SecretError(f"{ref}: no entry {name!r} for service {service!r} in the keyring")
    return str(value)


def vault_get(ref: str, mount: str, path: str, field: str) -> str:
    """Read FIELD of the latest version of a KV v2 secret (token from $VAULT_TOKEN)."""
    try:
        import hvac
        import hvac.exceptions
    except ImportError:
        raise SecretError(
            f"{ref}: the hvac library is not installed; pip install botguard[vault]"
        ) from None
    addr, token = os.environ.get("VAULT_ADDR"), os.environ.get("VAULT_TOKEN")
    if not addr or not token:
        raise SecretError(f"{ref}: set VAULT_ADDR and VAULT_TOKEN to read from Vault")
    client = hvac.Client(url=addr, token=token, timeout=10)
    try:
        response: Any = client.secrets.kv.v2.read_secret_version(
            path=path, mount_point=mount, raise_on_deleted_version=True
        )
    except hvac.exceptions.InvalidPath:
        raise SecretError(f"{ref}: no secret at {mount}/{path} in Vault") from None
    except hvac.exceptions.Forbidden:
        raise SecretError(f"{ref}: VAULT_TOKEN may not read {mount}/{path}") from None
    except Exception as exc:  # requests/hvac errors; the message may hold the URL only
        raise SecretError(f"{ref}: Vault read failed ({type(exc).__name__})") from None
    finally:
        client.adapter.close()
    data = response.get("data", {}).get("data", {})
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise SecretError(f"{ref}: field {field!r} is missing or not a string in {mount}/{path}")
    return value
