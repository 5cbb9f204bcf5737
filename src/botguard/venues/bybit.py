"""Bybit v5 (unified trading account): spot and USDT perpetuals.

Facts from notes/ccxt.md 1.1 and Bybit's own pages, each checked against `botguard sim`:

- cancel-all is per category; linear needs symbol, baseCoin or settleCoin, so one call
  with settleCoin=USDT clears every USDT perp, conditional orders included; spot
  cancels plain orders unless `orderFilter=StopOrder`, so spot takes two calls
  (https://bybit-exchange.github.io/docs/v5/order/cancel-all). The answer means
  "received": the book is read again until the listed orders are gone.
- Conditional orders sit in the same book (`stopOrderType`); reads answer 20 a page
  unless `limit` (50 max), then `nextPageCursor` (ccxt's parsed lists drop the cursor,
  so the raw endpoint is read and ccxt parses each page).
- Closes are reduce-only market orders, 20 a create-batch call for linear (hedge mode:
  positionIdx, which ccxt sets from `hedged`).
- Every error is HTTP 200 with a retCode; 10016 (server error) is worth a retry though
  ccxt makes it a plain ExchangeError; 10006 carries X-Bapi-Limit-Reset-Timestamp.
- ccxt's `is_unified_enabled` preflight (query-api + account/info before many calls)
  is skipped by presetting the account as unified.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from botguard.errors import VenueError
from botguard.venues.base import CloseRequest, CloseResult, Quirks
from botguard.venues.batch import chunked, match_answer
from botguard.venues.ccxt_venue import CcxtVenue
from botguard.venues.errors import VenueUnavailable
from botguard.venues.shapes import ListAnswer
from botguard.venues.types import Exposure, LandedOrder, Order, PositionSide

logger = logging.getLogger(__name__)

ORDERS_PAGE = 50
POSITIONS_PAGE = 200
MAX_PAGES = 100
SETTLE = "USDT"
CANCEL_SETTLE_S = 3.0
"""How long a cancel-all may take to show in the book before the kill moves on (the
verify round reads the books again anyway)."""


def preset_options(market_types: tuple[str, ...]) -> dict[str, Any]:
    """ccxt options: no inverse/option instruments, no unified-account preflight."""
    types = [t for t in ("spot", "linear") if t in _categories(market_types)] or ["spot"]
    return {
        "fetchMarkets": {"types": types},
        "enableUnifiedAccount": True,
        "enableUnifiedMargin": False,
        "defaultSettle": SETTLE,
        "defaultType": "spot" if "spot" in market_types else "swap",
    }


def _categories(market_types: tuple[str, ...]) -> list[str]:
    cats = ["spot"] if "spot" in market_types else []
    if {"swap", "future"} & set(market_types):
        cats.append("linear")
    return cats


class BybitVenue(CcxtVenue):
    """Bybit spot and USDT perpetuals on one ccxt instance (one unified wallet)."""

    quirks = Quirks(conditional_book=False, batch_orders_max=20)
    verified_end_to_end = True
    """Kill, audit and watch verified against `botguard sim`'s Bybit dialect
    (tests/kill/test_bybit*)."""
    list_answers = (
        ListAnswer("/v5/order/realtime", ("result", "list")),
        ListAnswer("/v5/position/list", ("result", "list")),
        ListAnswer("/v5/account/wallet-balance", ("result", "list"), first="coin"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cancels: dict[tuple[str, str], asyncio.Task[None]] = {}
        """One account-wide cancel-all per (category, filter) per round."""

    async def fetch(self, method: str, *args: Any) -> Any:
        """As every venue's, but Bybit's fetch_order runs only when told its lookup sees just
        the last 500 orders (ccxt's `acknowledged`); the watchdog looks up recent fills only."""
        if method == "fetch_order":
            order_id, symbol, *rest = args
            params = {**(rest[0] if rest else {}), "acknowledged": True}
            return await super().fetch(method, order_id, symbol, params)
        return await super().fetch(method, *args)

    def _translate(self, exc: BaseException) -> BaseException:
        """10016 is a server error (retry); 10006 waits for X-Bapi-Limit-Reset-Timestamp."""
        text = str(exc).replace(" ", "")
        if '"retCode":10016' in text:
            return VenueUnavailable(f"{type(exc).__name__}: {str(exc)[:300]}")
        err = super()._translate(exc)
        headers = getattr(exc, "_botguard_headers", None) or {}
        reset = headers.get("X-Bapi-Limit-Reset-Timestamp")
        if isinstance(err, VenueUnavailable) and reset and str(reset).isdigit():
            err.retry_after_s = max(0.05, int(reset) / 1000 - time.time())
        return err

    # ------------------------------------------------------------------ reads
    async def _pages(self, method: str, params: dict[str, Any], size: int) -> list[dict[str, Any]]:
        """Every page of a raw list endpoint, following nextPageCursor."""
        rows: list[dict[str, Any]] = []
        query = {**params, "limit": str(size)}
        for _ in range(MAX_PAGES):
            answer = await self._call(method, dict(query))
            result = answer.get("result") or {}
            rows += result.get("list") or []
            cursor = result.get("nextPageCursor")
            if not cursor:
                return rows
            query["cursor"] = cursor
        logger.warning("%s: more than %d rows from %s", self.account, len(rows), method)
        return rows

    async def _orders(self, category: str) -> list[Order]:
        scope = {"settleCoin": SETTLE} if category == "linear" else {}
        raw = await self._pages(
            "private_get_v5_order_realtime", {"category": category, **scope}, ORDERS_PAGE
        )
        market = "swap" if category == "linear" else "spot"
        parsed = self.exchange.parse_orders(raw)
        return [self.to_order(o, market) for o in parsed]

    async def _positions(self) -> list[dict[str, Any]]:
        raw = await self._pages(
            "private_get_v5_position_list", {"category": "linear", "settleCoin": SETTLE},
            POSITIONS_PAGE,
        )  # fmt: skip
        return [self.exchange.parse_position(p) for p in raw]

    async def read_exposure(self) -> Exposure:
        """The wallet, every order page of each category, positions, spot prices: at once."""
        self._cancels = {}
        cats = _categories(self.market_types)
        reads = [self._orders(c) for c in cats]
        balance, positions, prices, *orders = await asyncio.gather(
            self._call("fetch_balance"),
            self._positions() if "linear" in cats else _nothing(),
            self.spot_prices(),
            *reads,
        )
        pos = [q for raw in positions if (q := self.to_position(raw)) is not None]
        unchecked = await self._elsewhere(balance) if "linear" in cats else []
        return Exposure(
            account=self.account,
            orders=tuple(o for part in orders for o in part),
            balances=self.to_balances(balance) if "spot" in cats else (),
            positions=tuple(pos), prices=prices, unchecked=tuple(unchecked),
        )  # fmt: skip

    async def _elsewhere(self, balance: dict[str, Any]) -> list[str]:
        """Positions and open orders in the products this venue does not trade, each
        named (a kill that cannot see or close them must not call the account flat):
        USDC-settled linear contracts, and inverse contracts, which settle in (and are
        margined by) their coin, so one read per non-stable coin the wallet holds."""
        coins = sorted(
            str(c) for c, v in (balance.get("total") or {}).items()
            if c not in (SETTLE, "USDC") and isinstance(v, int | float) and v
        )  # fmt: skip
        scopes = [("linear", "USDC"), *(("inverse", c) for c in coins)]
        parts = await asyncio.gather(*(self._scope_notes(cat, coin) for cat, coin in scopes))
        return [note for part in parts for note in part]

    async def _scope_notes(self, category: str, coin: str) -> list[str]:
        """One category/settle coin's positions and open orders, as unchecked notes; a
        refused or failed read is itself one (unread is not flat)."""
        scope = {"category": category, "settleCoin": coin}
        what = f"Bybit {category} {coin}-settled"
        try:
            positions, orders = await asyncio.gather(
                self._pages("private_get_v5_position_list", scope, POSITIONS_PAGE),
                self._pages("private_get_v5_order_realtime", scope, ORDERS_PAGE),
            )
        except VenueError as exc:
            return [f"{what} positions and orders: not readable ({str(exc)[:120]})"]
        notes = [
            f"{what} position {_short(p.get('symbol'))} (size {_short(p.get('size'))}): "
            "botguard closes USDT perpetuals only; close it by hand"
            for p in positions if _sized(p.get("size"))
        ]  # fmt: skip
        notes += [
            f"{what} open order {_short(o.get('orderId'))} on {_short(o.get('symbol'))}: "
            "botguard cancels USDT perpetual orders only; cancel it by hand"
            for o in orders
        ]
        return notes

    # ---------------------------------------------------------------- actions
    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        """One account-wide cancel-all per category (spot: per filter), shared by every
        symbol of the round, then the book read until it shows the orders gone."""
        if market == "spot":
            key = ("spot", "StopOrder" if conditional else "Order")
        else:
            key = ("linear", "")
        task = self._cancels.get(key)
        if task is None:
            task = self._cancels[key] = asyncio.ensure_future(self._cancel_category(*key))
        await asyncio.shield(task)

    async def _cancel_category(self, category: str, order_filter: str) -> None:
        params: dict[str, Any] = {"category": category}
        if category == "linear":
            params["settleCoin"] = SETTLE
        if order_filter:
            params["orderFilter"] = order_filter
        answer = await self._call("private_post_v5_order_cancel_all", params)
        listed = {str(o.get("orderId")) for o in (answer.get("result") or {}).get("list") or []}
        await self._until_gone(category, listed)

    async def _until_gone(self, category: str, ids: set[str]) -> None:
        """Bybit's cancel-all answer means "received": wait until the book agrees."""
        deadline = self.clock.monotonic() + CANCEL_SETTLE_S
        delay = 0.05
        while ids and self.clock.monotonic() < deadline:
            await self.clock.sleep(delay)
            left = {o.id for o in await self._orders(category)}
            ids &= left
            delay = min(delay * 2, 0.5)
        if ids:
            logger.warning("%s: %d %s orders still open after cancel-all", self.account,
                           len(ids), category)  # fmt: skip

    async def close_position(
        self, symbol: str, side: PositionSide, amount: Decimal, client_id: str, *, hedged: bool
    ) -> str:
        """A reduce-only market order (hedge mode: ccxt sets positionIdx from `hedged`)."""
        params = _close_params(client_id, hedged=hedged)
        raw = await self._call(
            "create_order", symbol, "market", _closing(side), float(amount), None, params,
            retry=False,
        )  # fmt: skip
        return str(raw.get("id"))

    async def close_positions(self, closes: Sequence[CloseRequest]) -> list[CloseResult]:
        """create-batch, 20 closes a call (linear), every call at once."""
        chunks = chunked(closes, self.quirks.batch_orders_max)
        parts = await asyncio.gather(*(self._close_batch(c) for c in chunks))
        return [result for part in parts for result in part]

    async def _close_batch(self, chunk: Sequence[CloseRequest]) -> list[CloseResult]:
        if len(chunk) == 1:
            return [await self._close_one(chunk[0])]
        orders = [
            {"symbol": c.symbol, "type": "market", "side": _closing(c.side),
             "amount": float(c.amount), "price": None,
             "params": _close_params(c.client_id, hedged=c.hedged)}
            for c in chunk
        ]  # fmt: skip
        try:
            raw = await self._call("create_orders", orders, retry=False)
        except VenueError as exc:
            return [CloseResult(c.client_id, error=exc) for c in chunk]
        return match_answer(chunk, raw, self._entry_error)

    def _entry_error(self, info: dict[str, Any]) -> VenueError:
        """A refused batch entry's {code, msg} as the error ccxt raises for one order."""
        import ccxt

        cls = self.exchange.exceptions.get("exact", {}).get(
            str(info.get("code")), ccxt.ExchangeError
        )
        err = self._translate(cls(f"{self.exchange.id} {json.dumps(info, default=str)}"))
        return err if isinstance(err, VenueError) else VenueError(str(err))

    async def order_by_client_id(
        self, symbol: str, market: str, client_id: str
    ) -> LandedOrder | None:
        """The order with this orderLinkId: open ones first, then the order history."""
        category = "linear" if market != "spot" else "spot"
        mid = (self.exchange.markets or {}).get(symbol, {}).get("id")
        query = {"category": category, "symbol": mid, "orderLinkId": client_id}
        for method in ("private_get_v5_order_realtime", "private_get_v5_order_history"):
            answer = await self._call(method, dict(query))
            rows = (answer.get("result") or {}).get("list") or []
            if rows:
                row = rows[0]
                return LandedOrder(
                    id=str(row.get("orderId")),
                    status=str(row.get("orderStatus")),
                    filled=str(row.get("cumExecQty") or 0),
                )
        return None


def _closing(side: PositionSide) -> str:
    return "sell" if side is PositionSide.LONG else "buy"


def _close_params(client_id: str, *, hedged: bool) -> dict[str, Any]:
    params: dict[str, Any] = {"clientOrderId": client_id, "reduceOnly": True}
    if hedged:
        params["hedged"] = True
    return params


def _sized(raw: Any) -> bool:
    """A position row's size is not zero (an unreadable size counts as open)."""
    try:
        return Decimal(str(raw or "0")) != 0
    except ArithmeticError:
        return True


def _short(raw: Any) -> str:
    """An exchange-given id or number, cut short for a report line."""
    return str(raw if raw is not None else "?")[:40]


async def _nothing() -> list[Any]:
    return []


__all__ = ["BybitVenue", "preset_options"]
