"""What a round's sells and closes filled, read from the exchange's books, not the orders sent.

A market sell or reduce-only close may fill in part: Binance answers EXPIRED with an
executedQty below origQty when the book runs dry, and OKX and Bybit cancel the unfilled
rest of a market IOC the same way. `flatten = "bot"` takes what was sold off the bot's
share; taking the amount sent would leave the rest of the bot's holding "not the bot's"
and report the account flat. The order answers cannot say (Binance futures and Bybit
answer before the fill, OKX's close-position names no order), so the fill is what the
next read shows gone: the holding's drop, never more than was sent. The bot is halted,
so nothing else sells meanwhile; a drop the kill did not cause only lowers the count.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from botguard.kill.execute import Outcome
from botguard.kill.plan import ClosePosition, SellAsset
from botguard.kill.runlog import RunLog
from botguard.venues.types import Exposure

FILLED = "filled"
"""The journal status of a step whose order filled less than it asked (its `amount`)."""


def _held(exposure: Exposure, asset: str) -> Decimal:
    return sum((b.total for b in exposure.balances if b.asset == asset), Decimal(0))


def _contracts(exposure: Exposure, close: ClosePosition) -> Decimal:
    return sum(
        (
            p.contracts
            for p in exposure.positions
            if (p.symbol, p.side) == (close.symbol, close.side)
        ),
        Decimal(0),
    )


def _filled(sent: Decimal, before: Decimal, after: Decimal) -> Decimal:
    return min(sent, max(Decimal(0), before - after))


def count_fills(round_out: Outcome, before: Exposure, after: Exposure) -> Outcome:
    """`round_out` with each sell's and close's amount cut to what `after` shows filled
    since `before` (the read the round was planned from)."""
    sold = [
        dataclasses.replace(
            s, amount=_filled(s.amount, _held(before, s.asset), _held(after, s.asset))
        )
        for s in round_out.sold
    ]
    closed = [
        dataclasses.replace(
            c, amount=_filled(c.amount, _contracts(before, c), _contracts(after, c))
        )
        for c in round_out.closed
    ]
    return dataclasses.replace(round_out, sold=sold, closed=closed)


def correct_fills(done: Outcome, sent: Outcome, filled: Outcome, log: RunLog) -> None:
    """Replace `sent`'s sells and closes in `done` by their `filled` amounts (dropped when
    nothing filled), journaling each short fill so a later run's `flatten = "bot"` share
    counts the fill too (botshare.journaled_fills)."""
    was_sent: list[SellAsset | ClosePosition] = [*sent.sold, *sent.closed]
    now_filled: list[SellAsset | ClosePosition] = [*filled.sold, *filled.closed]
    for was, now in zip(was_sent, now_filled, strict=True):
        if now.amount >= was.amount:
            continue
        pool: list[Any] = done.sold if isinstance(was, SellAsset) else done.closed
        index = next((i for i, x in enumerate(pool) if x is was), None)
        if index is not None:
            pool[index : index + 1] = [now] if now.amount > 0 else []
        log.step(*_journal(was, now))


def _journal(
    was: SellAsset | ClosePosition, now: SellAsset | ClosePosition
) -> tuple[str, str, str, dict[str, str]]:
    """The step recording a short fill: what was sent, what filled, what did not."""
    detail = {"account": now.account, "symbol": now.symbol, "sent": str(was.amount),
              "amount": str(now.amount), "unfilled": str(was.amount - now.amount)}  # fmt: skip
    if isinstance(now, SellAsset):
        return "sell", now.symbol, FILLED, {**detail, "asset": now.asset}
    return "close", now.symbol, FILLED, {**detail, "side": now.side.value}
