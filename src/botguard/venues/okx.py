"""OKX v5 (unified account): spot and USDT-margined swaps.

Facts from notes/ccxt.md 1.1 and OKX's own pages, each checked against `botguard sim`:

- No cancel-all for spot or swaps: cancel-batch-orders takes 20 orders a call, each
  naming its instrument (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-cancel-multiple-orders).
- Conditional orders live in a separate algo book read per `ordType`; ccxt's
  `trigger=True` reads only `ordType=trigger`, so every type is read here
  (conditional and oco in one call, the rest one each), and cancel-algos takes 10
  a call (https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-cancel-algo-order).
- Reads answer 100 rows a page; older rows come with `after=<oldest id>` (ccxt re-sorts
  each page by time, so the oldest id is taken, not the last row).
- A position is closed with trade/close-position (market, whole position, `autoCxl`
  so pending reduce-only orders do not make OKX refuse with 51115); its answer has no
  order id, so the client id stands for it and finds the order if the answer is lost.
- A key without the trade right answers 50120, which ccxt leaves a plain ExchangeError.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from botguard.venues.base import CloseRequest, CloseResult, Quirks
from botguard.venues.ccxt_venue import CcxtVenue, dec
from botguard.venues.errors import VenueAuthError
from botguard.venues.shapes import ListAnswer
from botguard.venues.types import Exposure, MarketInfo, Order, PositionSide

logger = logging.getLogger(__name__)

CANCEL_BATCH = 20
ALGO_CANCEL_BATCH = 10
PAGE = 100
MAX_PAGES = 50
"""5000 orders a book: far past any real bot; a book longer than that is reported."""
ALGO_TYPE_READS = ("conditional,oco", "trigger", "move_order_stop", "iceberg", "twap")
"""orders-algo-pending takes one ordType a call, except conditional and oco together."""
REFUSED_CODES = ('"50120"', '"50110"', '"50027"')
"""No permission for the endpoint, IP not bound, account restricted from trading."""


def preset_options(market_types: tuple[str, ...]) -> dict[str, Any]:
    """ccxt options: only the instrument types the account trades are loaded."""
    types = [t for t in ("spot", "swap") if t in market_types] or ["spot"]
    return {"fetchMarkets": {"types": types}, "defaultType": types[0]}


class OkxVenue(CcxtVenue):
    """OKX spot and USDT swaps on one ccxt instance (one unified trading account)."""

    quirks = Quirks(conditional_book=True, batch_orders_max=CANCEL_BATCH)
    verified_end_to_end = True
    """Kill, audit and watch verified against `botguard sim`'s OKX dialect
    (tests/kill/test_okx*)."""
    list_answers = (
        ListAnswer("/api/v5/trade/orders-pending", ("data",)),
        ListAnswer("/api/v5/trade/orders-algo-pending", ("data",)),
        ListAnswer("/api/v5/account/positions", ("data",)),
        ListAnswer("/api/v5/account/balance", ("data",), first="details"),
    )

    futures_refused: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: dict[tuple[str, bool], list[str]] = {}
        """Order ids per (symbol, conditional) from the last exposure read: the cancels'
        input, since OKX cancels by id only."""
        self._margin: dict[str, str] = {}
        self._sizes: dict[tuple[str, PositionSide], Decimal] = {}
        """Contracts per (symbol, side) from the last read: a close for less than the
        whole position (`flatten = "bot"`) cannot use close-position, which closes it all."""

    @property
    def has_swap(self) -> bool:
        """The account trades USDT swaps."""
        return bool({"swap", "future"} & set(self.market_types))

    def _translate(self, exc: BaseException) -> BaseException:
        """50120/50110/50027 (no right, IP, restricted) are the key being refused."""
        text = str(exc).replace(" ", "")
        if any(f'"code":{c}' in text or f'"sCode":{c}' in text for c in REFUSED_CODES):
            return VenueAuthError(f"{type(exc).__name__}: {str(exc)[:300]}")
        return super()._translate(exc)

    def market_info(self, symbol: str) -> MarketInfo | None:
        """As every venue's, plus `ctVal`: swap amounts here are contracts, not base units."""
        info = super().market_info(symbol)
        market = (self.exchange.markets or {}).get(symbol) or {}
        size = dec(market.get("contractSize")) if market.get("contract") else None
        return replace(info, contract_size=size) if info is not None and size else info

    # ------------------------------------------------------------------ reads
    async def _paged(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Every page of an open-order read, oldest id first as the next `after`."""
        rows: list[dict[str, Any]] = []
        query = dict(params)
        for _ in range(MAX_PAGES):
            page = await self._call("fetch_open_orders", None, None, PAGE, query)
            rows += page
            if len(page) < PAGE:
                return rows
            query["after"] = str(min(int(o["id"]) for o in page))
        logger.warning("%s: more than %d open orders in one book", self.account, len(rows))
        return rows

    async def _algo_orders(self) -> list[dict[str, Any]]:
        # trigger=True sends ccxt to orders-algo-pending; the ordType given wins over its
        # default `trigger` (a combined "conditional,oco" is no key of its algoOrderTypes)
        reads = [self._paged({"ordType": kind, "trigger": True}) for kind in ALGO_TYPE_READS]
        return [o for part in await asyncio.gather(*reads) for o in part]

    async def _positions(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Every position of every instType (no filter: MARGIN, SWAP, FUTURES, OPTION),
        the swaps parsed for closing; the rest named as unchecked, since this venue
        closes swaps only and an account holding them is never flat."""
        if not self.has_swap:
            return [], []
        try:
            answer = await self._call("private_get_account_positions", {})
        except VenueAuthError as exc:
            logger.warning("%s: positions refused: %s", self.account, exc)
            self.futures_refused = str(exc)
            return [], []
        rows = [r for r in answer.get("data") or [] if isinstance(r, dict)]
        swaps = [self.exchange.parse_position(r) for r in rows if r.get("instType") == "SWAP"]
        return swaps, [_not_closed(r) for r in rows if r.get("instType") != "SWAP" and _open(r)]

    async def read_exposure(self) -> Exposure:
        """Balance, both books (every algo type, every page), positions, spot prices: one
        round trip, all reads at once."""
        balance, plain, algo, (positions, unchecked), prices = await asyncio.gather(
            self._call("fetch_balance"), self._paged({}), self._algo_orders(),
            self._positions(), self.spot_prices(),
        )  # fmt: skip
        orders = [self._order(o, conditional=False) for o in plain]
        orders += [self._order(o, conditional=True) for o in algo]
        self._open = {}
        for order in orders:
            self._open.setdefault((order.symbol, order.conditional), []).append(order.id)
        pos = []
        self._sizes = {}  # this read's positions only
        for raw in positions:
            if (p := self.to_position(raw)) is not None:
                self._margin[p.symbol] = str(raw.get("marginMode") or "cross")
                self._sizes[(p.symbol, p.side)] = p.contracts
                pos.append(p)
        return Exposure(
            account=self.account, orders=tuple(orders),
            balances=self.to_balances(balance) if "spot" in self.market_types else (),
            positions=tuple(pos), prices=prices, futures_refused=self.futures_refused,
            unchecked=tuple(unchecked),
        )  # fmt: skip

    def _order(self, raw: dict[str, Any], *, conditional: bool) -> Order:
        market = (self.exchange.markets or {}).get(raw.get("symbol")) or {}
        order = self.to_order(raw, str(market.get("type") or "spot"))
        return replace(order, conditional=conditional)

    # ---------------------------------------------------------------- actions
    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        """cancel-batch-orders by 20 (cancel-algos by 10) of the ids last read, all at once.

        An id gone meanwhile answers 51400 (OrderNotFound), which the kill takes as done;
        orders placed after the read are found by the kill's verify round.
        """
        ids = self._open.get((symbol, conditional))
        if ids is None:  # no read yet: read this book now
            await self.exposure()
            ids = self._open.get((symbol, conditional), [])
        size = ALGO_CANCEL_BATCH if conditional else CANCEL_BATCH
        params = {"trigger": True} if conditional else {}
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        await asyncio.gather(*(self._call("cancel_orders", c, symbol, params) for c in chunks))
        self._open.pop((symbol, conditional), None)

    async def close_position(
        self, symbol: str, side: PositionSide, amount: Decimal, client_id: str, *, hedged: bool
    ) -> str:
        """trade/close-position: the whole position at market, pending closes cancelled.

        https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-close-positions
        `amount` is not sent: OKX closes all of it (a partial fill is closed next round).
        Less than the whole position (the bot's part of it) is a reduce-only market
        order instead (long/short mode: ccxt names the posSide and drops reduceOnly).
        """
        if amount < self._sizes.get((symbol, side), amount):
            return await self._reduce(symbol, side, amount, client_id, hedged=hedged)
        params = {"clientOrderId": client_id, "autoCxl": True,
                  "marginMode": self._margin.get(symbol, "cross")}  # fmt: skip
        await self._call(
            "close_position", symbol, side.value if hedged else None, params, retry=False
        )
        return client_id

    async def _reduce(
        self, symbol: str, side: PositionSide, amount: Decimal, client_id: str, *, hedged: bool
    ) -> str:
        """A reduce-only market order for `amount` contracts of the position."""
        params = {"clientOrderId": client_id, "reduceOnly": True, "hedged": hedged,
                  "marginMode": self._margin.get(symbol, "cross")}  # fmt: skip
        order_side = "sell" if side is PositionSide.LONG else "buy"
        raw = await self._call(
            "create_order", symbol, "market", order_side, float(amount), None, params, retry=False
        )
        return str(raw.get("id"))

    async def close_positions(self, closes: Sequence[CloseRequest]) -> list[CloseResult]:
        """One close-position per instrument and side, all at once (there is no batch)."""
        return list(await asyncio.gather(*(self._close_one(c) for c in closes)))


def _open(row: dict[str, Any]) -> bool:
    """A position row with a size (OKX lists some rows at pos "0")."""
    try:
        return Decimal(str(row.get("pos") or "0")) != 0
    except ArithmeticError:
        return True  # an unreadable size is not proof of flat


def _not_closed(row: dict[str, Any]) -> str:
    """How an OKX position this venue does not close is named in the report."""
    kind, inst, pos = (str(row.get(k) or "?")[:40] for k in ("instType", "instId", "pos"))
    return f"OKX {kind} position {inst} (pos {pos}): botguard closes SWAP only; close it by hand"
