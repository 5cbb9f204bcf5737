"""The control channel: a NATS connection and the fleet's JetStream key-value bucket.

nats-py is an optional extra (`pip install botguard[fleet]`); a [fleet] section
without it is a configuration error that says how to fix it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from botguard.errors import BotguardError, ConfigError

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.js.kv import KeyValue

    from botguard.config import FleetConfig

logger = logging.getLogger(__name__)

HOST_PREFIX = "host."
"""Each guardian's status (heartbeat, state, last report) lives at host.<name>."""

Callback = Callable[[], Awaitable[None]]


def bucket_name(fleet: FleetConfig) -> str:
    """The fleet's KV bucket."""
    return f"botguard_{fleet.name}"


def require_nats() -> None:
    try:
        import nats  # noqa: F401
    except ImportError:
        raise ConfigError("[fleet] needs the NATS client: pip install 'botguard[fleet]'") from None


async def connect(
    fleet: FleetConfig,
    *,
    user: str | None = None,
    on_lost: Callback | None = None,
    on_back: Callback | None = None,
    connect_timeout_s: float = 2.0,
    resident: bool = False,
) -> Client:
    """Connect; a `resident` guardian retries and reconnects for ever, a command tries
    twice and raises (the caller says so in one line)."""
    require_nats()
    import nats

    from botguard.secrets.refs import resolve_secret

    password = resolve_secret(fleet.credentials).reveal() if fleet.credentials else None
    name = user or fleet.user or fleet.host
    return await nats.connect(
        servers=[fleet.url],
        name=f"botguard-{fleet.host}",
        user=name if password else None,
        password=password,
        connect_timeout=max(1, int(connect_timeout_s)),
        allow_reconnect=True,
        max_reconnect_attempts=-1 if resident else 1,
        reconnect_time_wait=0.5,
        disconnected_cb=on_lost,
        reconnected_cb=on_back,
        error_cb=_log_error if resident else _quiet,
    )


@contextlib.asynccontextmanager
async def channel_errors(fleet: FleetConfig) -> AsyncIterator[None]:
    """A NATS failure as one line and exit 3 (could not finish), never a traceback."""
    import nats.errors

    try:
        yield
    except (nats.errors.Error, OSError, TimeoutError) as exc:
        detail = str(exc).removeprefix("nats: ") or type(exc).__name__
        raise BotguardError(
            f"fleet: the NATS server at {fleet.url} did not do it ({detail}); check that it "
            "runs with JetStream (-js) and that [fleet] user and credentials are right"
        ) from None


async def open_bucket(client: Client, fleet: FleetConfig, *, create: bool) -> KeyValue:
    """The fleet's bucket; the operator creates it, guardians only open it."""
    from nats.js.errors import BucketNotFoundError

    js = client.jetstream(timeout=5.0)
    try:
        return await js.key_value(bucket_name(fleet))
    except BucketNotFoundError:
        if not create:
            raise
    return await js.create_key_value(bucket=bucket_name(fleet), history=5)


async def _quiet(exc: Exception) -> None:
    """A command reports its failure once, as its error line."""


async def _log_error(exc: Exception) -> None:
    logger.warning("fleet channel: %s", exc)


async def next_update(watcher: Any, timeout_s: float) -> tuple[bool, KeyValue.Entry | None]:
    """(True, entry) for an update, (True, None) for the end of the initial values,
    (False, None) when nothing came within `timeout_s`."""
    from nats.errors import TimeoutError as NatsTimeout

    try:
        entry: KeyValue.Entry | None = await watcher.updates(timeout=timeout_s)
    except NatsTimeout:
        return False, None
    return True, entry


async def stop_watch(watcher: Any) -> None:
    """Stop a KV watcher, whatever state the connection is in."""
    with contextlib.suppress(Exception):
        await watcher.stop()
