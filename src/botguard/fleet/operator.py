"""The operator's side: sign and store a command, then follow every host's answer.

`fleet kill` and `fleet resume` put one signed command in the bucket and show a
live table (host, state) from the hosts' own status keys until every targeted host
has answered or the deadline passes. Exit codes follow `botguard kill`: 0 every
registered host targeted reported verified flat (or resumed), 1 a host reported
residual exposure, 3 a host stayed silent past the deadline or could not reach its
exchange.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botguard.errors import ConfigError
from botguard.fleet.channel import (
    HOST_PREFIX,
    bucket_name,
    channel_errors,
    connect,
    next_update,
    open_bucket,
    stop_watch,
)
from botguard.fleet.command import Action, Command, load_private_key, sign
from botguard.fleet.status import FINAL, HostStatus
from botguard.kill.status import SUCCESS_VALUES

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from nats.js.kv import KeyValue

    from botguard.config import FleetConfig

Show = Callable[[dict[str, str]], None]
"""Called with {host: state} whenever a state changes (the live table)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """Each targeted host's last state for this command, and the exit code."""

    states: dict[str, str]
    answered_s: float = 0.0
    """From the command stored to the last answer (or the deadline)."""

    @property
    def exit_code(self) -> int:
        """3 silent or unreachable, else 1 residual, else 0 (nothing targeted: 3)."""
        values = set(self.states.values())
        if not values or values & {"silent", "unreachable"}:
            return 3
        return 1 if values - SUCCESS_VALUES - {"resumed"} else 0


async def hosts(client: Any, fleet: FleetConfig, kv: KeyValue) -> dict[str, HostStatus]:
    """Every registered host's latest status (the stream's subject list: no consumer made)."""
    stream = f"KV_{bucket_name(fleet)}"
    prefix = f"$KV.{bucket_name(fleet)}."
    info = await client.jetstream().stream_info(stream, subjects_filter=prefix + HOST_PREFIX + ">")
    out: dict[str, HostStatus] = {}
    for subject in sorted(info.state.subjects or {}):
        entry = await kv.get(subject.removeprefix(prefix))
        status = HostStatus.decode(entry.value or b"")
        if status is not None:
            out[status.host] = status
    return out


def signer(fleet: FleetConfig) -> Ed25519PrivateKey:
    """The operator's private key, or a ConfigError saying how to configure it."""
    from botguard.secrets.refs import resolve_secret

    if fleet.operator_private_key is None:
        raise ConfigError(
            "fleet: no operator_private_key under [fleet]; only the operator's host can "
            "sign commands (see the README's Fleet section)"
        )
    try:
        return load_private_key(resolve_secret(fleet.operator_private_key).reveal())
    except ValueError:
        raise ConfigError(
            f"fleet: {fleet.operator_private_key} is not an Ed25519 private key in PEM; "
            "make one with `openssl genpkey -algorithm ed25519`"
        ) from None


async def issue(
    fleet: FleetConfig, target: str, action: Action, *, deadline_s: float, show: Show
) -> Outcome:
    """Sign, store, and follow the answers until all are final or the deadline passes."""
    key = signer(fleet)
    async with channel_errors(fleet):
        return await _issue(fleet, key, target, action, deadline_s=deadline_s, show=show)


async def _issue(
    fleet: FleetConfig,
    key: Ed25519PrivateKey,
    target: str,
    action: Action,
    *,
    deadline_s: float,
    show: Show,
) -> Outcome:
    client = await connect(fleet)
    try:
        kv = await open_bucket(client, fleet, create=True)
        command = Command.new(fleet.name, target, action)
        registered = await hosts(client, fleet, kv)
        targets = {h for h, s in registered.items() if command.covers(h, s.groups)}
        watcher = await kv.watch(HOST_PREFIX + ">")
        await kv.put(command.key, sign(command, key))
        try:
            return await _follow(watcher, command, targets, deadline_s, show)
        finally:
            await stop_watch(watcher)
    finally:
        await client.close()


async def _follow(
    watcher: Any, command: Command, targets: set[str], deadline_s: float, show: Show
) -> Outcome:
    states = dict.fromkeys(sorted(targets), "sent")
    show(dict(states))
    start = time.monotonic()
    until = start + deadline_s
    while any(s not in FINAL for s in states.values()):
        left = until - time.monotonic()
        if left <= 0:
            break
        came, entry = await next_update(watcher, min(left, 1.0))
        if not came:
            continue
        status = HostStatus.decode(entry.value or b"") if entry is not None else None
        if status is None or status.host not in states or status.command != command.nonce:
            continue
        if states[status.host] != status.state:
            states[status.host] = status.state
            show(dict(states))
    final = {h: s if s in FINAL else "silent" for h, s in states.items()}
    return Outcome(final, round(time.monotonic() - start, 3))


async def status(fleet: FleetConfig) -> dict[str, HostStatus]:
    """Every registered host's status (creates the bucket if it is not there yet)."""
    async with channel_errors(fleet):
        client = await connect(fleet)
        try:
            return await hosts(client, fleet, await open_bucket(client, fleet, create=True))
        finally:
            await client.close()
