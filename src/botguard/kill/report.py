"""KillReport: per-account results, the exit code, and the rich table a person reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botguard.kill.status import SUCCESS, AccountStatus
from botguard.kill.verify import AccountResult

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.kill.plan import KeptOpen, KillPlan, SellAsset
    from botguard.kill.stop import HaltRecord


@dataclass
class KillReport:
    """What a kill did. exit_code: 0 verified flat (or, with --no-flatten, verified
    cancelled), 1 residual exposure, 3 unreachable."""

    run_id: str
    reason: str
    dry_run: bool = False
    accounts: list[AccountResult] = field(default_factory=list)
    halt: HaltRecord | None = None
    """What the halt did (None: no halt, as with --no-halt or --dry-run)."""
    timings: dict[str, float] = field(default_factory=dict)
    resumed: bool = False

    @property
    def exit_code(self) -> int:
        """The accounts' code, but never 0 while the bot may still be running."""
        code = self.accounts_exit_code
        return 1 if code == 0 and self.halt is not None and self.halt.problem() else code

    @property
    def accounts_exit_code(self) -> int:
        """0 when every account was read flat (or cancelled, as --no-flatten asked), 3 if
        one could not be reached, else 1.

        A botguard bug in an account (`failed`) is 1, not 3: 3 says "the exchange failed,
        try again", and a retry would meet the same bug; the exposure is unknown, so the
        user must look now, as for residual exposure.
        """
        statuses = {a.status for a in self.accounts}
        if AccountStatus.UNREACHABLE in statuses:
            return 3
        if self.dry_run:
            return 0 if all(a.plan is None or a.plan.empty for a in self.accounts) else 1
        return 0 if statuses <= SUCCESS else 1

    @property
    def status(self) -> str:
        """flat | cancelled | residual | unverified | failed | unreachable | planned: the
        run's status; `cancelled` when an account kept positions or coins (--no-flatten)."""
        if self.dry_run:
            return AccountStatus.PLANNED.value
        statuses = {a.status for a in self.accounts}
        code = self.accounts_exit_code
        if code == 1:
            for worst in (AccountStatus.FAILED, AccountStatus.RESIDUAL, AccountStatus.UNVERIFIED):
                if worst in statuses:
                    return worst.value
        if code == 0 and AccountStatus.CANCELLED in statuses:
            return AccountStatus.CANCELLED.value
        return {0: "flat", 1: "residual", 3: "unreachable"}[code]

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary for the journal (no secrets: names and amounts only)."""
        return {
            "reason": self.reason,
            "exit_code": self.exit_code,
            "halt": self.halt.as_dict() if self.halt is not None else {},
            "timings": self.timings,
            "accounts": {
                a.account: {
                    "status": a.status.value,
                    "venue": a.venue,
                    "cancelled": sum(c.count for c in a.done.cancelled),
                    "closed": len(a.done.closed),
                    "sold": len(a.done.sold),
                    "errors": a.done.errors[-5:],
                    "notes": a.notes[:3],
                    "kept_open": [_kept_json(k) for k in _kept_open(a)],
                }
                for a in self.accounts
            },
        }


def _kept_open(acct: AccountResult) -> tuple[KeptOpen, ...]:
    """What the last read showed kept open by --no-flatten (none when flattening)."""
    return acct.remaining.kept_open if acct.remaining is not None else ()


def _kept_json(kept: KeptOpen) -> dict[str, str]:
    """A position as {symbol, side, amount}, a coin as {asset, amount}; amounts as text."""
    if kept.side is None:
        return {"asset": kept.what, "amount": fmt(kept.amount)}
    return {"symbol": kept.what, "side": kept.side.value, "amount": fmt(kept.amount)}


def kept_line(kept: KeptOpen) -> str:
    """A kept holding as the report says it: `kept (--no-flatten): long 0.05 BTC/USDT:USDT`."""
    side = f"{kept.side.value} " if kept.side is not None else ""
    return f"{KEPT}{side}{fmt(kept.amount)} {kept.what}"


KEPT = "kept (--no-flatten): "


def fmt(amount: Decimal) -> str:
    """An amount without trailing zeros or exponent (1.0 -> 1, 1E+1 -> 10)."""
    return format(amount.normalize(), "f")


def plan_lines(plan: KillPlan) -> list[str]:
    """The plan as short lines (prompt, --dry-run, table cells)."""
    lines = [
        f"cancel {c.count} {'conditional ' if c.conditional else ''}order(s) on {c.symbol}"
        for c in plan.cancels
    ]
    lines += [f"close {c.side.value} {fmt(c.amount)} {c.symbol}" for c in plan.closes]
    lines += [f"sell {fmt(s.amount)} {s.asset} ({s.symbol}{_onward(s)})" for s in plan.sells]
    lines += [f"unsellable {fmt(u.amount)} {u.asset}: {u.reason}" for u in plan.unsellable]
    lines += [f"dust {fmt(d.amount)} {d.asset}: {d.reason}" for d in plan.dust]
    lines += [f"keep {k}" for k in plan.kept]
    lines += [f"leave {fmt(a.amount)} {a.asset}: not the bot's" for a in plan.left_alone]
    lines += [kept_line(k) for k in plan.kept_open]
    return lines


def _onward(sell: SellAsset) -> str:
    """How a routed sell reaches the quote: ", then BTC on into the quote"."""
    return f", then {sell.via} on into the quote" if sell.via else ""


def render(report: KillReport, console: Console) -> None:
    """One table per account: halted, cancelled, closed, sold, what remains."""
    from rich.table import Table

    for line in report.halt.lines() if report.halt is not None else []:
        console.print(f"halt: {line}", markup=False, highlight=False, soft_wrap=True)
    for acct in report.accounts:
        table = Table(title=f"{acct.account}: {acct.status}", show_lines=False)
        table.add_column("what")
        table.add_column("detail")
        if acct.venue:
            table.add_row("venue", acct.venue)
        if report.dry_run and acct.plan is not None:
            for line in plan_lines(acct.plan) or ["nothing to do"]:
                table.add_row("plan", line)
        else:
            n = sum(c.count for c in acct.done.cancelled)
            table.add_row("cancelled", f"{n} order(s) in {len(acct.done.cancelled)} book(s)")
            for c in acct.done.closed:
                table.add_row("closed", f"{c.side.value} {fmt(c.amount)} {c.symbol}")
            for s in acct.done.sold:
                table.add_row("sold", f"{fmt(s.amount)} {s.asset} ({s.symbol}{_onward(s)})")
            remaining = plan_lines(acct.remaining) if acct.remaining else []
            for line in remaining:
                table.add_row("remains", line)
        for err in acct.done.errors[-5:] + acct.notes[:3]:
            table.add_row("note", err)
        console.print(table)


def problem_lines(report: KillReport, *, dry_run: bool = False) -> list[str]:
    """The stderr lines after a kill, one per problem: a bot that may still run, accounts
    not flat. One home, so the cold CLI and a kill run by the guardian say the same."""
    lines = []
    problem = report.halt.problem() if report.halt is not None else None
    if problem is not None:
        lines.append(problem)
    code = report.accounts_exit_code
    if code == 3 or (not dry_run and code != 0):
        lines.append(outcome_line(report))
    return lines


def outcome_line(report: KillReport) -> str:
    """One line for stderr after a kill that did not end flat: what was done, what is left."""
    verdict = {1: "kill left exposure", 3: "kill could not finish"}.get(report.exit_code, "kill")
    if report.status == AccountStatus.UNVERIFIED:
        verdict = "kill could not verify the account flat"
    if report.status == AccountStatus.FAILED:
        verdict = "kill failed inside botguard (a bug, not the exchange; see the journal)"
    if report.dry_run:
        verdict = "kill --dry-run could not read every account; nothing was changed"
    retry = "botguard kill --dry-run" if report.dry_run else "botguard kill --yes"
    done = ["halt flag raised"] if report.halt is not None and report.halt.flag else []
    accounts = "; ".join(_account_outcome(a) for a in report.accounts) or "no accounts"
    head = ", ".join([verdict, *done])
    return f"{head}; {accounts}; run `{retry}` again to retry"


def _account_outcome(acct: AccountResult) -> str:
    cancelled = sum(c.count for c in acct.done.cancelled)
    did = (
        f"cancelled {cancelled} order(s), closed {len(acct.done.closed)} position(s), "
        f"sold {len(acct.done.sold)} asset(s)"
    )
    if acct.status is AccountStatus.FLAT:
        return f"{acct.account} flat ({did})"
    if acct.status is AccountStatus.CANCELLED:
        kept = ", ".join(kept_line(k).removeprefix(KEPT) for k in _kept_open(acct))
        return f"{acct.account} cancelled ({did}); {KEPT}{kept}"
    lines = [ln for ln in plan_lines(acct.remaining) if not ln.startswith(("keep ", "leave "))] if (
        acct.remaining is not None) else []  # fmt: skip
    if lines:
        more = f" and {len(lines) - 3} more" if len(lines) > 3 else ""
        left = "; ".join(lines[:3]) + more
    elif acct.status is AccountStatus.UNVERIFIED:
        left = "nothing visible, but not every book could be read"
    else:
        left = "unknown, the account could not be read"
    why = (acct.notes or acct.done.errors or [""])[-1].splitlines()[:1]
    reason = f" ({why[0]})" if why and why[0] else ""
    return f"{acct.account} {acct.status}{reason}: {did}; left: {left}"
