"""Key checks: the key's permissions as the exchange itself reports them.

Each check reads the account's KeyPermissions through `keyread.account_permissions`
(one request per account per audit). A permission the exchange does not report is
MANUAL with the reason: botguard never probes one by trying to move funds. Evidence
names the response fields the verdict came from, never a secret's value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from botguard.audit.checks.keyread import account_permissions
from botguard.audit.model import Context, Outcome, account_check
from botguard.config import AccountConfig
from botguard.findings import Severity, Status
from botguard.venues.types import KeyPermissions

EXPIRY_WARN_DAYS = 14
"""key.trading_enabled warns when trading permission ends within this many days."""


async def _read(ctx: Context) -> tuple[AccountConfig, KeyPermissions | Outcome]:
    assert ctx.account is not None  # noqa: S101 - account checks always get one
    return ctx.account, await account_permissions(ctx, ctx.account)


def _said(text: str, perms: KeyPermissions, *attrs: str) -> str:
    """`text`, then the response fields the verdict on `attrs` was read from."""
    names = [name for attr, name in perms.sources if attr in attrs] or list(perms.raw_fields)
    unique = list(dict.fromkeys(names))
    return f"{text} (read: {', '.join(unique)})" if unique else text


def _not_reported(account: AccountConfig, perms: KeyPermissions, what: str, attr: str) -> Outcome:
    text = _said(f"{account.exchange} does not report {what}", perms, attr)
    return Outcome(Status.MANUAL, f"{text}; check the key page", account.name)


@account_check(
    "key.withdrawals_disabled",
    "API key cannot withdraw funds",
    Severity.CRITICAL,
    "edit the key on the exchange: untick Withdrawals",
)
async def withdrawals_disabled(ctx: Context) -> Outcome:
    """Withdraw permission off."""
    account, perms = await _read(ctx)
    if isinstance(perms, Outcome):
        return perms
    if perms.is_master_wallet:
        evidence = "the configured private key is the master wallet's: it can withdraw"
        return Outcome(Status.FAIL, _said(evidence, perms, "withdraw"), account.name)
    if perms.withdraw is None:
        return _not_reported(account, perms, "whether this key can withdraw", "withdraw")
    if perms.withdraw:
        return Outcome(
            Status.FAIL, _said("withdrawals are enabled", perms, "withdraw"), account.name
        )
    return Outcome(Status.PASS, _said("withdrawals are disabled", perms, "withdraw"), account.name)


@account_check(
    "key.trading_enabled",
    "API key can trade",
    Severity.LOW,
    "edit the key on the exchange: tick spot/futures trading",
)
async def trading_enabled(ctx: Context) -> Outcome:
    """Trading permission on for the markets the account trades, and not expired."""
    account, perms = await _read(ctx)
    if isinstance(perms, Outcome):
        return perms
    missing = _missing_trading(account, perms)
    if missing is None:
        return _not_reported(account, perms, "whether this key can trade", "trade")
    if missing:
        evidence = _said(f"trading is off for {', '.join(missing)}", perms, "trade", "futures")
        return Outcome(Status.FAIL, evidence, account.name)
    return _expiry(account, perms, ctx.clock.now())


def _missing_trading(account: AccountConfig, perms: KeyPermissions) -> list[str] | None:
    """The configured market types the key may not trade; None when nothing is reported."""
    derivatives = perms.futures if perms.futures is not None else perms.trade
    if perms.trade is None and derivatives is None:
        return None
    wanted = {"spot": perms.trade, "swap": derivatives, "future": derivatives}
    return [market for market in account.markets if wanted[market] is False]


def _expiry(account: AccountConfig, perms: KeyPermissions, now: datetime) -> Outcome:
    """PASS, or FAIL once trading permission has expired, or WARN in its last 14 days."""
    if perms.expires_at is None:
        return Outcome(
            Status.PASS, _said("trading is enabled, no expiry reported", perms, "trade", "futures"),
            account.name,
        )  # fmt: skip
    when = f"{perms.expires_at:%Y-%m-%d %H:%M} UTC"
    left = perms.expires_at - now
    if left <= timedelta(0):
        return Outcome(Status.FAIL, f"trading permission expired on {when}", account.name)
    if left <= timedelta(days=EXPIRY_WARN_DAYS):
        return Outcome(
            Status.WARN, f"trading permission expires on {when} ({left.days} days left)",
            account.name,
        )  # fmt: skip
    return Outcome(Status.PASS, f"trading is enabled until {when}", account.name)


@account_check(
    "key.transfers_disabled",
    "API key cannot transfer to another account",
    Severity.HIGH,
    "edit the key: untick universal/internal transfer",
)
async def transfers_disabled(ctx: Context) -> Outcome:
    """Universal/internal transfer off."""
    account, perms = await _read(ctx)
    if isinstance(perms, Outcome):
        return perms
    if perms.transfer is None:
        return _not_reported(account, perms, "whether this key can transfer funds", "transfer")
    if perms.transfer:
        evidence = _said("the key can transfer funds to another account", perms, "transfer")
        return Outcome(Status.FAIL, evidence, account.name)
    return Outcome(Status.PASS, _said("transfers are disabled", perms, "transfer"), account.name)


@account_check(
    "key.ip_whitelist",
    "API key only works from whitelisted IPs",
    Severity.HIGH,
    "edit the key on the exchange: restrict access to this server's IP",
)
async def ip_whitelist(ctx: Context) -> Outcome:
    """IP restriction set; the evidence lists the IPs."""
    account, perms = await _read(ctx)
    if isinstance(perms, Outcome):
        return perms
    if perms.ip_whitelist is None:
        return _not_reported(account, perms, "an IP whitelist for this key", "ip_whitelist")
    if not perms.ip_whitelist:
        evidence = _said("no IP restriction: the key works from any address", perms, "ip_whitelist")
        return Outcome(Status.FAIL, evidence, account.name)
    ips = ", ".join(perms.ip_whitelist)
    return Outcome(Status.PASS, f"restricted to {ips}", account.name)
