"""Exchange-side locks no API shows: manual until `botguard attest ID` (90 days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from botguard.audit.model import Check, Context, Outcome, host_check
from botguard.findings import Severity, Status
from botguard.journal import Journal

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
withdrawal_whitelist = _manual(
    "exchange.withdrawal_whitelist",
    "withdrawals only to whitelisted addresses",
    "turn on the withdrawal address whitelist, then "
    "`botguard attest exchange.withdrawal_whitelist`",
)
alerts = _manual(
    "exchange.alerts",
    "login and withdrawal alerts on",
    "enable login/withdrawal e-mail or push alerts, then `botguard attest exchange.alerts`",
)
