"""Binance spot + USDⓈ-M: per-symbol cancel-all in both books, hedge-mode closes.

Facts from notes/ccxt.md 1.1: cancel-all needs a symbol; conditional orders live in
the algo book (`{'trigger': True}`); `fetch_open_orders()` without a symbol needs the
warning acknowledged; `fetch_positions` would first load leverage brackets unless preset;
in hedge mode a close names positionSide and must not carry reduceOnly.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from botguard.errors import VenueError
from botguard.venues.base import CloseRequest, CloseResult, Quirks
from botguard.venues.batch import chunked, match_answer
from botguard.venues.ccxt_venue import CcxtVenue, dec
from botguard.venues.errors import VenueAuthError
from botguard.venues.shapes import ListAnswer
from botguard.venues.types import Exposure, Order, Position, PositionSide

logger = logging.getLogger(__name__)

SWAP = {"type": "swap", "subType": "linear"}
RECV_WINDOW_MS = 5000
"""Binance's own default (ccxt sends 10 s): a request older than this is refused, so an
order whose answer was lost can no longer land 5 s (+1 s of clock allowance) later."""


def preset_options(market_types: tuple[str, ...]) -> dict[str, Any]:
    """ccxt options so no hidden preflight call delays a kill (notes/ccxt.md 3, 1.1)."""
    fetch = ["spot"] if "spot" in market_types else []
    if {"swap", "future"} & set(market_types):
        fetch.append("linear")
    return {
        "fetchCurrencies": False,  # no signed sapi capital/config/getall on load_markets
        "fetchMargins": False,  # no sapi margin/allPairs
        "fetchMarkets": {"types": fetch or ["spot"]},
        "leverageBrackets": {},  # fetch_positions would GET /fapi/v1/leverageBracket first
        "fetchOpenOrders": {"warnWithoutSymbol": False},
        "warnOnFetchOpenOrdersWithoutSymbol": False,
        "adjustForTimeDifference": False,  # no /time call
        "recvWindow": RECV_WINDOW_MS,
        "defaultType": "spot" if "spot" in market_types else "swap",
    }


class BinanceVenue(CcxtVenue):
    """Binance spot and USDⓈ-M futures on one ccxt instance."""

    quirks = Quirks(
        conditional_book=True,
        lists_conditional=True,
        batch_orders_max=5,
        landing_window_s=RECV_WINDOW_MS / 1000 + 1.0,
    )
    verified_end_to_end = True
    list_answers = (
        ListAnswer("/api/v3/openOrders"),
        ListAnswer("/fapi/v1/openOrders"),
        ListAnswer("/fapi/v1/openAlgoOrders"),
        ListAnswer("/positionRisk"),
        ListAnswer("/api/v3/account", ("balances",)),
    )

    @property
    def has_spot(self) -> bool:
        """The account trades spot."""
        return "spot" in self.market_types

    @property
    def has_swap(self) -> bool:
        """The account trades USDⓈ-M futures."""
        return bool({"swap", "future"} & set(self.market_types))

    async def read_exposure(self) -> Exposure:
        """Every read at once: one round trip for the whole account."""
        spot = self._spot_reads() if self.has_spot else _const([{}, [], {}])
        swap = self._swap_reads() if self.has_swap else _const([[], [], []])
        (bal, s_orders, tickers), (f_orders, algo, positions) = await asyncio.gather(spot, swap)
        orders = [self.to_order(o, "spot") for o in s_orders]
        orders += [self.to_order(o, "swap") for o in f_orders]
        orders += [_conditional(self.to_order(o, "swap")) for o in algo]
        prices = {s: p for s, t in tickers.items() if (p := dec(t.get("price"))) is not None}
        pos = [q for raw in positions if (q := self.to_position(raw)) is not None]
        return Exposure(
            account=self.account,
            orders=tuple(orders),
            balances=self.to_balances(bal) if bal else (),
            positions=tuple(_market_of(p, self.exchange.markets) for p in pos),
            prices=prices,
            futures_refused=self.futures_refused,
        )

    async def _spot_reads(self) -> list[Any]:
        return list(
            await asyncio.gather(
                self._call("fetch_balance", {"type": "spot"}),
                self._call("fetch_open_orders", None, None, None, {"type": "spot"}),
                # ticker/price for all symbols weighs 4; 24hr tickers would weigh 80
                self._call("fetch_last_prices", None, {"type": "spot"}),
            )
        )

    async def _swap_reads(self) -> list[Any]:
        """Futures orders, algo orders and positions; a key without futures rights reads empty.

        The refusal is logged and remembered (`futures_refused`) so the report can say
        the futures side could not be checked, rather than failing the spot kill.
        """
        try:
            return list(
                await asyncio.gather(
                    self._call("fetch_open_orders", None, None, None, dict(SWAP)),
                    self._call("fetch_open_orders", None, None, None, {**SWAP, "trigger": True}),
                    self._call("fetch_positions", None, dict(SWAP)),
                )
            )
        except VenueAuthError as exc:
            logger.warning("%s: futures refused: %s", self.account, exc)
            self.futures_refused = str(exc)
            return [[], [], []]

    futures_refused: str | None = None

    async def cancel_without_markets(self) -> dict[tuple[str, str, bool], int]:
        """Every book cancelled by Binance's raw ids, while markets cannot be loaded.

        ccxt's unified calls load markets first (exchangeInfo); its implicit endpoints do
        not, and cancel-all needs no precision. Returns (market id, market, conditional)
        -> orders cancelled. Sent only when loading markets failed (issue 11, item 5).
        """
        books: list[tuple[str, bool, str, str]] = []  # (market, conditional, read, cancel)
        if self.has_spot:
            books.append(("spot", False, "privateGetOpenOrders", "privateDeleteOpenOrders"))
        if self.has_swap:
            books.append(
                ("swap", False, "fapiPrivateGetOpenOrders", "fapiPrivateDeleteAllOpenOrders")
            )
            books.append(
                ("swap", True, "fapiPrivateGetOpenAlgoOrders", "fapiPrivateDeleteAlgoOpenOrders")
            )
        parts = await asyncio.gather(*(self._cancel_raw_book(*book) for book in books))
        return {key: n for part in parts for key, n in part.items()}

    async def _cancel_raw_book(
        self, market: str, conditional: bool, read: str, cancel: str
    ) -> dict[tuple[str, str, bool], int]:
        """One book: its open orders by raw symbol id, then one cancel-all per id."""
        raw = await self._call(read, {})
        counts: dict[str, int] = {}
        for order in raw or []:
            symbol = str(order.get("symbol") or "")
            if symbol:
                counts[symbol] = counts.get(symbol, 0) + 1
        await asyncio.gather(*(self._call(cancel, {"symbol": s}) for s in counts))
        return {(s, market, conditional): n for s, n in counts.items()}

    def _translate(self, exc: BaseException) -> BaseException:
        """-2015 (key refused: IP, permission) is an auth error, even once ccxt has seen
        the key work and starts calling it DDoSProtection (notes/ccxt.md 5)."""
        if '"code":-2015' in str(exc).replace(" ", ""):
            return VenueAuthError(f"{type(exc).__name__}: {str(exc)[:300]}")
        return super()._translate(exc)

    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        """DELETE openOrders / allOpenOrders, or algoOpenOrders for the conditional book."""
        params: dict[str, Any] = {"trigger": True} if conditional else {}
        await self._call("cancel_all_orders", symbol, params)

    async def close_position(
        self, symbol: str, side: PositionSide, amount: Decimal, client_id: str, *, hedged: bool
    ) -> str:
        """Reduce-only market close; hedge mode names the position side instead."""
        params = _close_params(side, client_id, hedged=hedged)
        raw = await self._call(
            "create_order", symbol, "market", _closing_side(side), float(amount), None, params,
            retry=False,
        )  # fmt: skip
        return str(raw.get("id"))

    async def close_positions(self, closes: Sequence[CloseRequest]) -> list[CloseResult]:
        """POST /fapi/v1/batchOrders, `batch_orders_max` closes a call, every call at once.

        https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api/Place-Multiple-Orders
        A lone close goes alone: POST /fapi/v1/order weighs 1, a batch 5.
        """
        chunks = chunked(closes, self.quirks.batch_orders_max)
        parts = await asyncio.gather(*(self._close_batch(c) for c in chunks))
        return [result for part in parts for result in part]

    async def _close_batch(self, chunk: Sequence[CloseRequest]) -> list[CloseResult]:
        """One batch request; an error of the whole request is every close's result."""
        if len(chunk) == 1 or self.quirks.batch_orders_max <= 1:
            return [await self._close_one(c) for c in chunk]
        orders = [
            {"symbol": c.symbol, "type": "market", "side": _closing_side(c.side),
             "amount": float(c.amount), "price": None,
             "params": _close_params(c.side, c.client_id, hedged=c.hedged)}
            for c in chunk
        ]  # fmt: skip
        try:
            raw = await self._call("create_orders", orders, retry=False)
        except VenueError as exc:  # timeout, reset, 5xx, 429: the caller looks each one up
            return [CloseResult(c.client_id, error=exc) for c in chunk]
        return match_answer(chunk, raw, self._entry_error)

    def _entry_error(self, info: dict[str, Any]) -> VenueError:
        """A batch entry's {code, msg} as the error ccxt would raise for a single order."""
        import ccxt

        exceptions = self.exchange.exceptions
        exact = {**exceptions.get("exact", {}), **exceptions.get("linear", {}).get("exact", {})}
        cls = exact.get(str(info.get("code")), ccxt.ExchangeError)
        err = self._translate(cls(f"{self.exchange.id} {json.dumps(info)}"))
        return err if isinstance(err, VenueError) else VenueError(str(err))


def _closing_side(side: PositionSide) -> str:
    """The order side that reduces a position."""
    return "sell" if side is PositionSide.LONG else "buy"


def _close_params(side: PositionSide, client_id: str, *, hedged: bool) -> dict[str, Any]:
    """In hedge mode a close names positionSide and must not carry reduceOnly (-1106)."""
    params: dict[str, Any] = {"clientOrderId": client_id}
    if hedged:
        params["positionSide"] = side.value.upper()
    else:
        params["reduceOnly"] = True
    return params


async def _const(value: list[Any]) -> list[Any]:
    return value


def _conditional(order: Order) -> Order:
    from dataclasses import replace

    return replace(order, conditional=True)


def _market_of(position: Position, markets: dict[str, Any] | None) -> Position:
    from dataclasses import replace

    market = (markets or {}).get(position.symbol) or {}
    return replace(position, market=str(market.get("type") or "swap"))
