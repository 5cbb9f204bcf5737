"""`flatten = "bot"`: what the bot holds, from its framework's own books (freqtrade's db).

The books are the bot's, so untrusted: they can only lower what the kill sells below
what the exchange's books show (plan.BotShare caps, never adds). Books that cannot be
read attribute nothing: the kill then sells and closes nothing on that account and
reports it unverified with the reason, rather than guessing all or nothing silently.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botguard.config import AccountConfig, Config
from botguard.framework.freqtrade import (
    BooksError,
    FrameworkConfigError,
    config_files,
    find_db_url,
    load_freqtrade,
    read_open_trades,
    sqlite_path,
)
from botguard.framework.jsonc import parse_jsonc  # noqa: F401 - not in the read's thread
from botguard.journal import Journal
from botguard.kill.fills import FILLED
from botguard.kill.plan import BotShare, ClosePosition, SellAsset
from botguard.venues.types import PositionSide

if TYPE_CHECKING:
    from botguard.framework.freqtrade import OpenTrades
# Everything the read needs is imported with this module, so the bounded read after the
# halt spends its time on the files, not on imports (a loaded CI machine, coverage on).


@dataclass(frozen=True, slots=True)
class ShareRead:
    """The bot's share, or why there is none (exactly one is set for "bot")."""

    share: BotShare | None = None
    unattributed: str | None = None
    books_at: datetime | None = None
    """When the bot last wrote its books (the database file's mtime)."""

    def since(self, halted_at: datetime | None) -> datetime | None:
        """From when the journal's sells and closes count against the share: the halt or
        the bot's last write of its books, whichever came first (None: nothing to count)."""
        if self.books_at is None:
            return None
        return min(self.books_at, halted_at) if halted_at is not None else self.books_at

    def minus_journaled(
        self, journal: Journal, account: str, *, halted_at: datetime | None
    ) -> ShareRead:
        """The share less what kill runs sold and closed on `account` since the bot was
        halted (or its books last written, whichever came first): a second `botguard
        kill`, the bot still halted and its trades still open in its books, must not
        sell the account's own coins for the bot's. The bot cannot have bought since:
        it restarts only once the flag is lowered, and the next kill's flag is new."""
        since = self.since(halted_at)
        if self.share is None or since is None:
            return self
        try:
            sold, closed = journaled_fills(journal, account, since=since)
        except (ValueError, ArithmeticError, sqlite3.Error) as exc:  # never stops the kill
            why = f"the journal's earlier sells could not be read ({type(exc).__name__})"
            return ShareRead(unattributed=f'flatten = "bot": {why}')
        return dataclasses.replace(self, share=self.share.minus(sold, closed))


def journaled_fills(
    journal: Journal, account: str, *, since: datetime
) -> tuple[list[SellAsset], list[ClosePosition]]:
    """The sells and closes kill runs journaled as filled on `account` after `since`: each
    sent amount, less what a part fill left unfilled (fills.FILLED), netted per asset
    and position."""
    sold: dict[str, Decimal] = {}
    closed: dict[tuple[str, PositionSide], Decimal] = {}
    for step in steps_since(journal, account, since):
        detail = step["detail"]
        amount = Decimal(str(detail.get("amount", "0")))
        if step["status"] == FILLED:  # a part fill: what did not fill was never sold
            amount = -Decimal(str(detail.get("unfilled", "0")))
        if step["action"] == "sell":
            asset = str(detail.get("asset"))
            sold[asset] = sold.get(asset, Decimal(0)) + amount
        elif step["action"] == "close":
            key = (str(detail.get("symbol")), PositionSide(str(detail.get("side", "long"))))
            closed[key] = closed.get(key, Decimal(0)) + amount
    return (
        [SellAsset(account, a, "", max(n, Decimal(0))) for a, n in sold.items()],
        [
            ClosePosition(account, s, side, max(n, Decimal(0)), False)
            for (s, side), n in closed.items()
        ],
    )


def steps_since(
    journal: Journal, account: str, since: datetime, *, statuses: tuple[str, ...] = ("ok", FILLED)
) -> list[dict[str, Any]]:
    """The steps with these statuses of kill runs on `account` journaled after `since`."""
    steps = []
    for run in journal.runs("kill"):
        if run.finished_at is not None and run.finished_at < since:
            continue
        for step in journal.steps(run.id):
            if step["status"] not in statuses or step["detail"].get("account") != account:
                continue
            if datetime.fromisoformat(step["at"]) >= since:
                steps.append(step)
    return steps


def read_share(config: Config, account: AccountConfig) -> ShareRead:
    """The account's share to flatten: the whole account for "all", else the bot's books."""
    if account.flatten == "all":
        return ShareRead()
    try:
        db = database(config)
        trades = read_open_trades(db)
        books_at = datetime.fromtimestamp(db.stat().st_mtime, UTC)
    except (BooksError, FrameworkConfigError, OSError) as exc:
        return ShareRead(unattributed=f'flatten = "bot": {exc}')
    return ShareRead(share=_share(trades), books_at=books_at)


def database(config: Config) -> Path:
    """freqtrade's sqlite file: `--db-url` in bot.command, `db_url`, or its default, with
    a relative path taken from the bot's workdir (where freqtrade runs)."""
    files = config_files(config)
    data = load_freqtrade(files).data if files else {}
    url = find_db_url(data, config.bot.command)
    base = config.bot.workdir or (files[0].parent if files else config.path.parent)
    path = sqlite_path(url, base)
    if path is None:
        raise BooksError("freqtrade's db_url is not a sqlite:/// file botguard can read")
    return path


def _share(trades: OpenTrades) -> BotShare:
    """freqtrade's amounts (base currency) as the kill's units (contracts for positions)."""
    positions: dict[tuple[str, PositionSide], Decimal] = {}
    for (symbol, side), amount in trades.positions.items():
        size = trades.contract_sizes.get(symbol) or Decimal(1)
        positions[(symbol, PositionSide(side))] = amount / size
    return BotShare(assets=dict(trades.assets), positions=positions)
