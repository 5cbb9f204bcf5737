"""`flatten = "bot"`: what the bot holds, from its framework's own books (freqtrade's db).

The books are the bot's, so untrusted: they can only lower what the kill sells below
what the exchange's books show (plan.BotShare caps, never adds). Books that cannot be
read attribute nothing: the kill then sells and closes nothing on that account and
reports it unverified with the reason, rather than guessing all or nothing silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.config import AccountConfig, Config
from botguard.kill.plan import BotShare
from botguard.venues.types import PositionSide

if TYPE_CHECKING:
    from botguard.framework.freqtrade import OpenTrades


@dataclass(frozen=True, slots=True)
class ShareRead:
    """The bot's share, or why there is none (exactly one is set for "bot")."""

    share: BotShare | None = None
    unattributed: str | None = None


def read_share(config: Config, account: AccountConfig) -> ShareRead:
    """The account's share to flatten: the whole account for "all", else the bot's books."""
    if account.flatten == "all":
        return ShareRead()
    from botguard.framework.freqtrade import (
        BooksError,
        FrameworkConfigError,
        read_open_trades,
    )

    try:
        trades = read_open_trades(database(config))
    except (BooksError, FrameworkConfigError) as exc:
        return ShareRead(unattributed=f'flatten = "bot": {exc}')
    return ShareRead(share=_share(trades))


def database(config: Config) -> Path:
    """freqtrade's sqlite file: `--db-url` in bot.command, `db_url`, or its default, with
    a relative path taken from the bot's workdir (where freqtrade runs)."""
    from botguard.framework.freqtrade import (
        BooksError,
        config_files,
        find_db_url,
        load_freqtrade,
        sqlite_path,
    )

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
