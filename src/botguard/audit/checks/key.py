"""Key checks: the key's permissions as the exchange itself reports them."""

from __future__ import annotations

from botguard.audit.model import Context, Outcome, account_check
from botguard.findings import Severity
from botguard.venues.errors import VenueUnsupported


async def _unsupported(ctx: Context) -> Outcome:
    """Per-exchange permission readers are not built yet: say so (MANUAL)."""
    name = ctx.account.exchange if ctx.account else "?"
    raise VenueUnsupported(f"botguard cannot read {name} key permissions yet; check the key page")


@account_check(
    "key.withdrawals_disabled",
    "API key cannot withdraw funds",
    Severity.CRITICAL,
    "edit the key on the exchange: untick Withdrawals",
)
async def withdrawals_disabled(ctx: Context) -> Outcome:
    """Withdraw permission off."""
    return await _unsupported(ctx)


@account_check(
    "key.trading_enabled",
    "API key can trade",
    Severity.LOW,
    "edit the key on the exchange: tick spot/futures trading",
)
async def trading_enabled(ctx: Context) -> Outcome:
    """Trading permission on (and not expired)."""
    return await _unsupported(ctx)


@account_check(
    "key.transfers_disabled",
    "API key cannot transfer to another account",
    Severity.HIGH,
    "edit the key: untick universal/internal transfer",
)
async def transfers_disabled(ctx: Context) -> Outcome:
    """Universal/internal transfer off."""
    return await _unsupported(ctx)


@account_check(
    "key.ip_whitelist",
    "API key only works from whitelisted IPs",
    Severity.HIGH,
    "edit the key on the exchange: restrict access to this server's IP",
)
async def ip_whitelist(ctx: Context) -> Outcome:
    """IP restriction set."""
    return await _unsupported(ctx)
