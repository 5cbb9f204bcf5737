"""What the demo puts on the screen: one rich renderable per result, no logic.

Every cell that quotes something seen (evidence, paths, exchange text) is escaped,
so a bracket in it is never read as rich markup.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from botguard.findings import Finding, Status
from botguard.kill.report import KillReport, fmt
from botguard.report.text import COLOURS
from botguard.scan.model import Leak
from botguard.venues.types import Exposure, Order

if TYPE_CHECKING:
    from botguard.config import Config
    from botguard.demo.workspace import RepoHistory, Workspace

NEXT_STEPS = (
    ("botguard init", "botguard.toml, a .env template (mode 600), .gitignore"),
    ("edit the key on the exchange", "withdrawals OFF, transfers OFF, IP whitelist = this server"),
    ("botguard audit", "every box of the checklist against your real key and host"),
    ("botguard scan --history", "rotate any key it finds in files, logs or git history"),
    ("botguard drill", "the kill switch end to end on the sim, seeded from your exposure"),
    ("botguard harden --out deploy/", "systemd unit, sshd drop-in, firewall; then install them"),
    ("botguard run -- python bot.py", "start the bot only when the audit passes"),
)


def intro() -> Panel:
    """The opening panel: what is about to happen."""
    text = (
        "A local exchange (botguard sim) with one funded account whose API key is set up "
        "the way too many are: [bold]withdrawals enabled, no IP whitelist[/]. A sample bot "
        "trades on it; its repo once committed the key. Watch botguard find both problems "
        "and stop the bot, flat, in seconds. Nothing leaves this machine."
    )
    return Panel(text, title="botguard demo", border_style="cyan")


def _order_rows(orders: Sequence[Order]) -> list[tuple[str, str, str]]:
    groups: dict[tuple[str, str, bool], list[Order]] = defaultdict(list)
    for order in orders:
        groups[(order.symbol, order.side.value, order.conditional)].append(order)
    rows = []
    for (symbol, side, conditional), group in sorted(groups.items()):
        kind = "stop order" if conditional else "open orders"
        size = fmt(sum((o.amount for o in group), Decimal(0)))
        extra = ", reduce-only" if any(o.reduce_only for o in group) else ""
        rows.append((kind, symbol, f"{len(group)} {side}, {size} total{extra}"))
    return rows


def exposure_table(exposure: Exposure, quote: str) -> Table:
    """Balances, resting orders (grouped per symbol), stops and positions: what is at risk."""
    table = Table("kind", "symbol", "detail", title=f"exposure of account {exposure.account!r}")
    for bal in sorted(exposure.balances, key=lambda b: b.asset):
        if bal.total:
            table.add_row(
                "spot balance", bal.asset, f"{fmt(bal.total)} ({fmt(bal.used)} in orders)"
            )
    for row in _order_rows(exposure.orders):
        table.add_row(*row)
    for pos in exposure.positions:
        notional = f", {fmt(abs(pos.notional))} {quote} notional" if pos.notional else ""
        table.add_row("position", pos.symbol, f"{pos.side.value} {fmt(pos.contracts)}{notional}")
    return table


def exposure_summary(exposure: Exposure) -> str:
    """One line of counts."""
    stops = sum(1 for o in exposure.orders if o.conditional)
    return (
        f"{len(exposure.orders) - stops} open orders, {stops} stop order(s), "
        f"{len(exposure.positions)} perpetual positions, "
        f"{sum(1 for b in exposure.balances if b.total)} spot balances"
    )


_READ_FIELDS = re.compile(r" \(read: [^)]*\)")
"""The key checks name the API fields they read; useful in JSON, noise in the demo."""


def findings_table(findings: Sequence[Finding]) -> Table:
    """Status, check and what was seen; a failing row is red and says how to fix it."""
    table = Table(
        "status", "check", "what botguard saw", title="botguard audit (key, secrets, kill)"
    )
    for f in findings:
        seen = Text(_READ_FIELDS.sub("", f.evidence))
        if f.status in (Status.FAIL, Status.ERROR) and f.remedy:
            seen.append(f"\nfix: {f.remedy}", style="dim")
        style = "red" if f.status is Status.FAIL else None
        table.add_row(Text(f.status.value, style=COLOURS[f.status]), f.id, seen, style=style)
    return table


def leaks_table(leaks: Sequence[Leak], *, removed_in: str | None) -> Table:
    """Where each leak is: file, the commit that added it, masked preview only."""
    table = Table("where", "commit", "what", "form", "preview", title="botguard scan --history")
    for leak in leaks:
        where = f"{leak.location}:{leak.line}" if leak.line else leak.location
        commit = "working tree"
        if leak.commit:
            date = f" ({leak.author_date:%Y-%m-%d})" if leak.author_date else ""
            commit = f"{leak.commit[:10]}{date}"
        what = leak.what.rpartition("#")[2]  # dotenv:/tmp/.../.env#EX_API_KEY -> EX_API_KEY
        table.add_row(escape(where), commit, escape(what), leak.encoding, leak.preview)
    if removed_in:
        table.caption = f"config.json was deleted in {removed_in[:10]}, but history keeps it"
    return table


def kill_table(report: KillReport) -> Table:
    """Per account: halt, cancelled, closed, sold, kept, what remains."""
    table = Table("step", "what happened", title=f"botguard kill: {report.status}")
    for line in report.halt.lines() if report.halt is not None else ["no halt"]:
        table.add_row("halt", escape(line))
    for acct in report.accounts:
        books = len(acct.done.cancelled)
        count = sum(c.count for c in acct.done.cancelled)
        stops = sum(c.count for c in acct.done.cancelled if c.conditional)
        table.add_row("cancel", f"{count} orders ({stops} stop) in {books} books")
        for c in acct.done.closed:
            table.add_row("close", f"{c.side.value} {fmt(c.amount)} {c.symbol} (reduce-only)")
        for s in acct.done.sold:
            table.add_row("sell", f"{fmt(s.amount)} {s.asset} into {s.symbol.split('/')[-1]}")
        for kept in acct.plan.kept if acct.plan else ():
            table.add_row("keep", f"{kept} (in keep, never sold)")
        for dust in acct.remaining.dust if acct.remaining else ():
            table.add_row("dust", f"{fmt(dust.amount)} {dust.asset}: {dust.reason}")
        for line in acct.done.errors[-3:] + acct.notes[:3]:
            table.add_row("note", escape(line))
        table.add_row("verify", f"{acct.account}: {acct.status} after {acct.rounds} round(s)")
    return table


PHASES = {
    "halt": "halt flag raised, bot sent SIGTERM, its exit awaited",
    "read": "every order book, stop book, balance and position read; plan made",
    "cancel": "cancel-all on every book, stop orders included",
    "flatten": "reduce-only closes and spot sells, all at once",
    "verify": "a fresh read of the account shows it flat",
    "total": "from `kill` to verified flat",
}


def timings_table(phases: Sequence[tuple[str, float]]) -> Table:
    """Each phase of the kill in milliseconds, read from the kill's own journal."""
    table = Table("phase", "ms", "what", title="kill timings (from the kill's journal)")
    table.columns[1].justify = "right"
    for name, seconds in phases:
        style = "bold" if name == "total" else None
        table.add_row(name, f"{seconds * 1000:.0f}", PHASES.get(name, ""), style=style)
    return table


def exchange_view(account: Mapping[str, Any]) -> Table:
    """What the exchange itself (the sim's own books) holds after the kill."""
    table = Table("the exchange's own books", "now", title="independent check on the sim")
    spot = {k: v for k, v in account["spot"].items() if Decimal(v["free"]) + Decimal(v["locked"])}
    table.add_row("open orders", str(len(account["open_orders"])))
    table.add_row("stop orders", str(len(account["algo_orders"])))
    table.add_row("positions", str(len(account["positions"])))
    table.add_row("spot assets", ", ".join(f"{k} {v['free']}" for k, v in sorted(spot.items())))
    return table


def next_steps() -> Panel:
    """The closing panel: what to do on a real account."""
    table = Table.grid(padding=(0, 2))
    for i, (command, why) in enumerate(NEXT_STEPS, 1):
        table.add_row(f"{i}.", Text(command, style="bold"), why)
    return Panel(table, title="what to do next on a real account", border_style="green")


def workspace_table(ws: Workspace, cfg: Config, history: RepoHistory) -> Table:
    """The files the demo wrote and why each matters."""
    acct = cfg.account[0]
    table = Table("path", "what", title=f"workspace {ws.root}")
    table.add_row(
        "botguard.toml",
        f"account {acct.name!r} on the sim; keep {acct.keep}; kill halts the bot by its pid file",
    )
    table.add_row("", f"api_key = {acct.api_key!r} (a reference, never the value)")
    table.add_row(".env", "EX_API_KEY, EX_API_SECRET; mode 600, outside the repo")
    table.add_row(
        "gridbot/",
        f"the bot's git repo: config.json with the key committed in "
        f"{history.leaked[:10]}, deleted in {history.removed[:10]}",
    )
    table.add_row("state/", "botguard's journal, halt flag and market cache")
    return table
