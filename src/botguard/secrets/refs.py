"""Secret references, resolved at run time.

    env:NAME                  an environment variable
    dotenv:PATH#NAME          a key of a dotenv file (python-dotenv's parser)
    file:PATH                 a whole file, trailing newline stripped
    systemd:NAME              a systemd credential in $CREDENTIALS_DIRECTORY
    keyring:SERVICE/NAME      the OS keyring (keyring library)
    vault:MOUNT/PATH#FIELD    HashiCorp Vault KV v2 (hvac; $VAULT_ADDR, $VAULT_TOKEN)

Every resolved value becomes a `Secret`, registered with the redactor. Errors
name the reference and the reason, never a value. Files (file:, dotenv:,
systemd:) must be private to this user (see botguard.secrets.perms).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.errors import SecretError
from botguard.secrets.hygiene import disable_core_dumps
from botguard.secrets.perms import check_private
from botguard.secrets.secret import Secret

if TYPE_CHECKING:
    from botguard.config import AccountConfig

ACCOUNT_FIELDS = ("api_key", "secret", "password", "uid", "private_key")
"""The AccountConfig fields that hold secret references."""

Resolver = Callable[[str, str, bool], str]


def resolve_secret(ref: str, *, insecure_perms: bool = False) -> Secret:
    """Resolve one reference to a Secret (registered with the redactor).

    Core dumps are switched off first: from here on this process holds a secret.
    """
    disable_core_dumps()
    scheme, sep, rest = ref.partition(":")
    resolver = _RESOLVERS.get(scheme)
    if not sep or resolver is None:
        known = ", ".join(f"{s}:" for s in _RESOLVERS)
        raise SecretError(f"{ref!s:.40}: not a secret reference (use one of {known})")
    if not rest:
        raise SecretError(f"{ref}: nothing after {scheme}:")
    if "\x00" in rest:
        raise SecretError(f"{scheme}:...: contains a NUL character (\\u0000); remove it")
    value = resolver(ref, rest, insecure_perms)
    if not value:
        raise SecretError(f"{ref}: the secret is empty")
    return Secret(ref, value)


def account_refs(account: AccountConfig) -> dict[str, str]:
    """Field name -> reference for every secret an account configures."""
    refs = {field: getattr(account, field) for field in ACCOUNT_FIELDS}
    return {field: ref for field, ref in refs.items() if ref is not None}


def resolve_account(account: AccountConfig, *, insecure_perms: bool = False) -> dict[str, Secret]:
    """Field name -> Secret for every secret reference of one account."""
    return {
        field: resolve_secret(ref, insecure_perms=insecure_perms)
        for field, ref in account_refs(account).items()
    }


def source_of(ref: str) -> str:
    """Human name of where a reference's value comes from (for tables)."""
    return _SOURCES.get(ref.partition(":")[0], "unknown")


def _env(ref: str, name: str, insecure: bool) -> str:
    value = os.environ.get(name)
    if not value:
        raise SecretError(f"{ref}: environment variable {name} is not set or empty")
    return value


def _dotenv(ref: str, rest: str, insecure: bool) -> str:
    from dotenv import dotenv_values

    path_text, sep, name = rest.rpartition("#")
    if not sep or not path_text or not name:
        raise SecretError(f"{ref}: write dotenv:PATH#NAME, e.g. dotenv:.env#EX_API_KEY")
    path = Path(path_text).expanduser()
    check_private(path, ref, insecure_perms=insecure)
    try:
        value = dotenv_values(path, interpolate=False).get(name)
    except UnicodeDecodeError:
        raise SecretError(f"{ref}: {path} is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise SecretError(f"{ref}: cannot read {path} ({type(exc).__name__})") from None
    if not value:
        raise SecretError(f"{ref}: {name} is not set in {path}")
    return value


def _file(ref: str, rest: str, insecure: bool) -> str:
    path = Path(rest).expanduser()
    check_private(path, ref, insecure_perms=insecure)
    return _read(path, ref).rstrip("\r\n")


def _systemd(ref: str, name: str, insecure: bool) -> str:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        raise SecretError(
            f"{ref}: $CREDENTIALS_DIRECTORY is not set; run under systemd with "
            f"LoadCredentialEncrypted={name}:... (see `botguard harden`)"
        )
    if "/" in name or name in {".", ".."}:
        raise SecretError(f"{ref}: a credential name cannot contain '/'")
    path = Path(directory) / name
    check_private(path, ref, insecure_perms=insecure)
    return _read(path, ref).rstrip("\r\n")


def _read(path: Path, ref: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"{ref}: cannot read {path} ({type(exc).__name__})") from None
    except UnicodeDecodeError:
        raise SecretError(f"{ref}: {path} is not UTF-8 text") from None


def _keyring(ref: str, rest: str, insecure: bool) -> str:
    from botguard.secrets.backends import keyring_get

    service, sep, name = rest.rpartition("/")
    if not sep or not service or not name:
        raise SecretError(f"{ref}: write keyring:SERVICE/NAME, e.g. keyring:gridbot/api_key")
    try:
        return keyring_get(ref, service, name)
    except SecretError:
        raise
    except Exception as exc:  # keyring loads $PYTHON_KEYRING_BACKEND lazily, on first use
        raise SecretError(
            f"{ref}: the keyring backend could not be loaded ({type(exc).__name__}); check "
            "PYTHON_KEYRING_BACKEND (unset it to use the system's keyring)"
        ) from None


def _vault(ref: str, rest: str, insecure: bool) -> str:
    from botguard.secrets.backends import vault_get

    location, sep, field = rest.rpartition("#")
    mount, slash, path = location.partition("/")
    if not sep or not field or not slash or not mount or not path:
        raise SecretError(f"{ref}: write vault:MOUNT/PATH#FIELD, e.g. vault:secret/gridbot#api_key")
    return vault_get(ref, mount, path, field)


_RESOLVERS: dict[str, Resolver] = {
    "env": _env,
    "dotenv": _dotenv,
    "file": _file,
    "systemd": _systemd,
    "keyring": _keyring,
    "vault": _vault,
}
_SOURCES = {
    "env": "environment",
    "dotenv": "dotenv file",
    "file": "file",
    "systemd": "systemd credential",
    "keyring": "OS keyring",
    "vault": "Vault KV v2",
}
