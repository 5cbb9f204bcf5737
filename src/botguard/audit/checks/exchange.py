"""Exchange-side locks no API shows: manual until `botguard attest ID` (90 days)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from botguard.audit.model import Check, Context, Outcome, host_check
from botguard.findings import Severity, Status
from botguard.journal import Journal
from botguard.venues.types import KeyPermissions

ATTEST_DAYS = 90


def attested(ctx: Context, check_id: str) -> Outcome:
    """PASS with who/when while a fresh attestation exists, else MANUAL."""
    state = ctx.config.state.dir
    if (state / "journal.db").exists() or state.is_dir():
        try:
            with Journal(state) as journal:
                found = journal.attestations(check_id)
        except Exception:
            found = []
        fresh = [a for a in found if datetime.now(UTC) - a.at < timedelta(days=ATTEST_DAYS)]
        if fresh:
            a = fresh[0]
            return Outcome(
                Status.PASS, f"attested by {a.who} on {a.at:%Y-%m-%d}: {a.note}".rstrip(": ")
            )
        if found:
            return Outcome(
                Status.MANUAL, f"attestation of {found[0].at:%Y-%m-%d} expired (90 days)"
            )
    return Outcome(Status.MANUAL, f"no API shows this; check it, then `botguard attest {check_id}`")


def _manual(check_id: str, title: str, remedy: str) -> Check:
    async def fn(ctx: Context) -> Outcome:
        return attested(ctx, check_id)

    fn.__doc__ = f"Attestation of {check_id}."
    return host_check(check_id, title, Severity.HIGH, remedy)(fn)


two_factor = _manual(
    "exchange.two_factor",
    "2FA on the exchange account",
    "enable an authenticator app or security key, then `botguard attest exchange.two_factor`",
)
WHITELIST_ID = "exchange.withdrawal_whitelist"


@host_check(
    WHITELIST_ID,
    "withdrawals only to whitelisted addresses",
    Severity.HIGH,
    "turn on the withdrawal address whitelist and whitelist or delete every saved address; "
    "where the API cannot show it, `botguard attest exchange.withdrawal_whitelist`",
)
async def withdrawal_whitelist(ctx: Context) -> Outcome:
    """The exchange's own evidence where it has any (Binance's address book), else attestation.

    It reuses the accounts' permission reads the key checks make (one per account per
    audit). An account the exchange gives no evidence for keeps the attestation rule.
    """
    evidence = await _whitelist_evidence(ctx)
    outside = sorted(name for name, whitelisted in evidence.items() if not whitelisted)
    if outside:
        names = ", ".join(outside)
        text = f"{names}: a saved withdrawal address is not whitelisted (whiteStatus false)"
        return Outcome(Status.FAIL, text, names)
    names = ", ".join(sorted(evidence))
    if evidence and len(evidence) == len(ctx.config.account):
        text = f"{names}: every saved withdrawal address is whitelisted (whiteStatus true)"
        return Outcome(Status.PASS, text, names)
    rest = attested(ctx, WHITELIST_ID)
    if not evidence:
        return rest
    return Outcome(rest.status, f"{names}: all whitelisted; other accounts: {rest.evidence}")


async def _whitelist_evidence(ctx: Context) -> dict[str, bool]:
    """Account name -> every saved address whitelisted, where the exchange reports it."""
    from botguard.audit.checks.keyread import account_permissions
    from botguard.venues.permissions import READERS

    accounts = [a for a in ctx.config.account if a.exchange in READERS]
    reads = await asyncio.gather(*(account_permissions(ctx, a) for a in accounts))
    return {
        account.name: perms.withdrawal_whitelist
        for account, perms in zip(accounts, reads, strict=True)
        if isinstance(perms, KeyPermissions) and perms.withdrawal_whitelist is not None
    }


alerts = _manual(
    "exchange.alerts",
    "login and withdrawal alerts on",
    "enable login/withdrawal e-mail or push alerts, then `botguard attest exchange.alerts`",
)
