"""Read an account's key permissions once per audit, shared by every check that needs them.

The four key checks (and exchange.withdrawal_whitelist) run concurrently; the first
one to ask opens the account's exchange and reads, the others wait on a per-account
lock and reuse the answer kept in the audit's shared `Context.cache`. A failure is
kept too, as the Outcome every asking check reports, so a down exchange costs one
timeout, not five.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from botguard.audit.model import Context, Outcome
from botguard.config import AccountConfig
from botguard.errors import BotguardError, VenueError
from botguard.findings import Status
from botguard.secrets.redact import redact
from botguard.venues.types import KeyPermissions

_QUERY = re.compile(r"(https?://[^\s?]+)\?\S*")
"""A signed URL's query (timestamp, signature) is noise in one-line evidence."""


async def account_permissions(ctx: Context, account: AccountConfig) -> KeyPermissions | Outcome:
    """The account's KeyPermissions, or the MANUAL/ERROR Outcome explaining why not."""
    key = f"key.permissions:{account.name}"
    lock = ctx.cache.setdefault(f"{key}:lock", asyncio.Lock())
    assert isinstance(lock, asyncio.Lock)  # noqa: S101 - only this function writes the key
    async with lock:
        if key not in ctx.cache:
            ctx.cache[key] = await _read(account)
    result = ctx.cache[key]
    assert isinstance(result, KeyPermissions | Outcome)  # noqa: S101
    return result


async def _read(account: AccountConfig) -> KeyPermissions | Outcome:
    from botguard.venues.connect import open_exchange
    from botguard.venues.errors import VenueUnsupported
    from botguard.venues.permissions import reader_for

    try:
        reader = reader_for(account.exchange)
    except VenueUnsupported as exc:
        return Outcome(Status.MANUAL, _line(str(exc)), account.name)
    try:
        exchange = open_exchange(account)
    except BotguardError as exc:
        return Outcome(Status.ERROR, _line(str(exc)), account.name)
    try:
        return await reader(exchange)  # open_exchange already redacts it
    except Exception as exc:
        return _failure(account, exc)
    finally:
        await exchange.close()


def _failure(account: AccountConfig, exc: Exception) -> Outcome:
    """One clear line: unreachable, key refused, or an answer botguard could not read."""
    from botguard.venues.errors import VenueAuthError, VenueUnavailable, VenueUnsupported, translate

    name = account.exchange
    if not isinstance(exc, VenueError) and not _is_transport(exc):
        # A reader bug or an unexpected shape: the message could quote the answer,
        # which may hold secrets (Deribit lists every key's), so only the type is shown.
        return Outcome(
            Status.ERROR, f"could not read {name}'s answer ({type(exc).__name__})", account.name
        )
    if type(exc) is VenueError:  # raised by a reader with its own words (a setting to fix)
        return Outcome(Status.ERROR, _line(str(exc)), account.name)
    err = translate(exc)
    match err:
        case VenueUnsupported():
            return Outcome(Status.MANUAL, _line(f"{name}: {err}"), account.name)
        case VenueAuthError():
            return Outcome(Status.ERROR, _line(f"{name} refused the key: {err}"), account.name)
        case VenueUnavailable():
            return Outcome(Status.ERROR, _line(f"cannot reach {name}: {err}"), account.name)
    return Outcome(Status.ERROR, _line(f"{name} answered with an error: {err}"), account.name)


def _is_transport(exc: BaseException) -> bool:
    """ccxt's own errors and socket/timeouts; everything else is ours or the answer's."""
    module: Any = type(exc).__module__
    return str(module).split(".")[0] == "ccxt" or isinstance(exc, OSError | TimeoutError)


def _line(text: str) -> str:
    lines = redact(_QUERY.sub(r"\1", text)).splitlines() or [""]
    return lines[0][:300]
