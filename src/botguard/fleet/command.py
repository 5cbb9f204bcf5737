"""Signed fleet commands: the canonical bytes, Ed25519 signing, and a guardian's checks.

A command is (fleet, target, action, issued_at, nonce), encoded as sorted, compact
JSON and signed with the operator's private key. The KV value is that JSON plus the
base64 signature. A guardian obeys a command only if the signature verifies with
the configured operator key, the fleet is its own, the target covers this host and
matches the key it was stored under, and issued_at is newer than the last command it
obeyed (so an old command put back is a replay, and is refused).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import asdict, dataclass
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

COMMAND_PREFIX = "cmd."
"""Commands live under cmd.all, cmd.group.<g>, cmd.host.<h> in the bucket."""


class Action(StrEnum):
    """What a command asks."""

    HALT = "halt"
    RESUME = "resume"


@dataclass(frozen=True, slots=True)
class Command:
    """One operator command, as signed."""

    fleet: str
    target: str
    """all | group.<name> | host.<name>"""
    action: Action
    issued_at: int
    """Milliseconds since the epoch on the operator's clock; must grow."""
    nonce: str

    @classmethod
    def new(cls, fleet: str, target: str, action: Action) -> Command:
        """A fresh command issued now."""
        return cls(fleet, target, action, int(time.time() * 1000), secrets.token_hex(8))

    def canonical(self) -> bytes:
        """The exact bytes that are signed: sorted keys, no spaces."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    @property
    def key(self) -> str:
        """The bucket key this command is stored under."""
        return COMMAND_PREFIX + self.target

    def covers(self, host: str, groups: list[str]) -> bool:
        """True when this command's target includes this host."""
        kind, _, name = self.target.partition(".")
        return (
            self.target == "all"
            or (kind == "group" and name in groups)
            or (kind == "host" and name == host)
        )


def target_for(group: str | None = None, host: str | None = None) -> str:
    """The target string for `--group G`, `--host H`, or everything."""
    if host:
        return f"host.{host}"
    return f"group.{group}" if group else "all"


def sign(command: Command, private_key: Ed25519PrivateKey) -> bytes:
    """The KV value: the command and its signature, as JSON."""
    signature = base64.b64encode(private_key.sign(command.canonical())).decode()
    return json.dumps({"command": asdict(command), "sig": signature}).encode()


def load_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (`openssl genpkey -algorithm ed25519`)."""
    key = load_pem_private_key(text.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_text(private_key: Ed25519PrivateKey) -> str:
    """The base64 of the raw 32-byte public key, as [fleet] operator_key takes it."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


class Refused(Exception):
    """A command the guardian will not obey; the message says why (journaled, alerted)."""


@dataclass(slots=True)
class Verifier:
    """A guardian's checks on every command it reads."""

    fleet: str
    host: str
    groups: list[str]
    operator_key: str
    last_issued_at: int = 0

    def check(self, key: str, value: bytes) -> Command | None:
        """The command if it is for this host and may be obeyed; None if it is not for us.

        Raises Refused for a command that is malformed, badly signed, stored under
        the wrong key, for another fleet, or not newer than the last one obeyed.
        """
        command, signature = _parse(value)
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(self.operator_key))
        try:
            public.verify(signature, command.canonical())
        except InvalidSignature:
            raise Refused(f"{key}: bad signature (not the operator's key)") from None
        if command.fleet != self.fleet:
            raise Refused(f"{key}: for fleet {command.fleet!r}, not {self.fleet!r}")
        if command.key != key:
            raise Refused(f"{key}: the command's target is {command.target!r}, not this key")
        if not command.covers(self.host, self.groups):
            return None
        if command.issued_at <= self.last_issued_at:
            raise Refused(f"{key}: not newer than the last command obeyed (a replay)")
        return command


def _parse(value: bytes) -> tuple[Command, bytes]:
    try:
        raw = json.loads(value)
        body = raw["command"]
        command = Command(
            fleet=str(body["fleet"]),
            target=str(body["target"]),
            action=Action(body["action"]),
            issued_at=int(body["issued_at"]),
            nonce=str(body["nonce"]),
        )
        signature = base64.b64decode(raw["sig"], validate=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise Refused(f"malformed command ({type(exc).__name__})") from None
    return command, signature
