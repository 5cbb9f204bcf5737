"""FakeVenue: an in-memory Venue with fault injection, for tests of code above venues/.

    venue = FakeVenue("main", balances={"BTC": "0.5", "USDT": "100"},
                      markets=[spot_market("BTC/USDT", step="0.0001", min_notional="5")],
                      prices={"BTC/USDT": "60000"})
    venue.fail("sell", VenueUnavailable("timeout"), landed=True)   # lands, then times out
    venue.fail("close_positions", VenueUnavailable("timeout"), landed=True)  # a whole batch
    venue.refuse_in_batch("ETH/USDT:USDT")   # its next batched close gets a per-order refusal

Unit tests of the kill logic use it; the end-to-end behaviour is tested against
`botguard sim` over real HTTP (tests/kill/test_kill_sim.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from botguard.errors import VenueError
from botguard.venues.base import CloseRequest, CloseResult, Quirks
from botguard.venues.errors import OrderNotFound, OrderRejected
from botguard.venues.types import (
    Balance,
    Exposure,
    KeyPermissions,
    LandedOrder,
    MarketInfo,
    Order,
    Position,
    PositionSide,
    Side,
)

__all__ = ["FakeVenue", "spot_market", "swap_market"]


def spot_market(symbol: str, *, step: str = "0.0001", min_amount: str | None = None,
                min_notional: str | None = "5") -> MarketInfo:  # fmt: skip
    """A spot MarketInfo for FakeVenue."""
    base, quote = symbol.split("/")
    return MarketInfo(symbol, "spot", base, quote, Decimal(step),
                      Decimal(min_amount) if min_amount else None,
                      Decimal(min_notional) if min_notional else None)  # fmt: skip


def swap_market(symbol: str, *, step: str = "0.001") -> MarketInfo:
    """A USDⓈ-M perpetual MarketInfo for FakeVenue."""
    base, rest = symbol.split("/")
    return MarketInfo(symbol, "swap", base, rest.split(":")[0], Decimal(step), Decimal(step))


@dataclass
class _Fault:
    error: Exception
    landed: bool


class FakeVenue:
    """A venue whose account lives in dicts; every call is recorded in `calls`.

    `placed` maps the client id of every order that landed to its order id; `batches`
    lists the client ids of each batch of closes, one list per batch request.
    """

    def __init__(
        self,
        account: str,
        *,
        balances: Mapping[str, str] | None = None,
        markets: Iterable[MarketInfo] = (),
        prices: Mapping[str, str] | None = None,
        orders: Iterable[Order] = (),
        positions: Iterable[Position] = (),
    ) -> None:
        self.account = account
        self.balances = {k: Decimal(v) for k, v in (balances or {}).items()}
        self.orders = list(orders)
        self.positions = list(positions)
        self.markets = {m.symbol: m for m in markets}
        self.prices = {k: Decimal(v) for k, v in (prices or {}).items()}
        self.quirks = Quirks()
        self.deadline: float | None = None
        self.calls: list[str] = []
        self.placed: dict[str, str] = {}
        self.faults: dict[str, list[_Fault]] = {}
        self.batches: list[list[str]] = []
        self.batch_refusals: set[str] = set()

    def fail(self, method: str, error: Exception, *, landed: bool = False) -> None:
        """Make the next call of `method` raise `error` (after acting, if `landed`)."""
        self.faults.setdefault(method, []).append(_Fault(error, landed))

    def refuse_in_batch(self, symbol: str) -> None:
        """Refuse the next batched close of `symbol` (that order alone, as Binance does)."""
        self.batch_refusals.add(symbol)

    def _enter(self, method: str) -> _Fault | None:
        self.calls.append(method)
        queue = self.faults.get(method)
        fault = queue.pop(0) if queue else None
        if fault is not None and not fault.landed:
            raise fault.error
        return fault

    async def load_markets(self) -> None:
        """Nothing to load."""
        self.calls.append("load_markets")

    def market_info(self, symbol: str) -> MarketInfo | None:
        """From the given markets."""
        return self.markets.get(symbol)

    async def exposure(self) -> Exposure:
        """A snapshot of the dicts."""
        self._enter("exposure")
        bals = tuple(Balance(a, v, Decimal(0)) for a, v in self.balances.items() if v > 0)
        return Exposure(self.account, tuple(self.orders), bals, tuple(self.positions),
                        dict(self.prices))  # fmt: skip

    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        """Drop the symbol's orders of that book."""
        self._enter("cancel_all")
        keep = [o for o in self.orders if o.symbol != symbol or o.conditional != conditional]
        if len(keep) == len(self.orders):
            raise OrderNotFound("Unknown order sent.")
        self.orders = keep

    def _land(self, client_id: str) -> str:
        order_id = str(len(self.placed) + 1)
        self.placed[client_id] = order_id
        return order_id

    def _reduce(self, symbol: str, side: PositionSide, amount: Decimal, client_id: str) -> str:
        for i, pos in enumerate(self.positions):
            if pos.symbol == symbol and pos.side is side:
                left = pos.contracts - amount
                del self.positions[i]
                if left > 0:
                    self.positions.insert(i, replace(pos, contracts=left))
                break
        return self._land(client_id)

    async def close_position(self, symbol: str, side: PositionSide, amount: Decimal,
                             client_id: str, *, hedged: bool) -> str:  # fmt: skip
        """Reduce the matching position by `amount`."""
        fault = self._enter("close_position")
        order_id = self._reduce(symbol, side, amount, client_id)
        if fault is not None:
            raise fault.error
        return order_id

    async def close_positions(self, closes: Sequence[CloseRequest]) -> list[CloseResult]:
        """Batches of `quirks.batch_orders_max`; a `close_positions` fault hits a whole batch."""
        size = max(self.quirks.batch_orders_max, 1)
        results: list[CloseResult] = []
        for start in range(0, len(closes), size):
            results += self._close_batch(closes[start : start + size])
        return results

    def _close_batch(self, chunk: Sequence[CloseRequest]) -> list[CloseResult]:
        try:
            fault = self._enter("close_positions")
        except VenueError as exc:
            return [CloseResult(c.client_id, error=exc) for c in chunk]
        self.batches.append([c.client_id for c in chunk])
        results = []
        for c in chunk:
            if c.symbol in self.batch_refusals:
                self.batch_refusals.discard(c.symbol)
                results.append(CloseResult(c.client_id, error=OrderRejected("-2010 refused")))
                continue
            order_id = self._reduce(c.symbol, c.side, c.amount, c.client_id)
            results.append(CloseResult(c.client_id, order_id=order_id))
        if fault is None:
            return results
        lost = fault.error if isinstance(fault.error, VenueError) else VenueError(str(fault.error))
        return [CloseResult(c.client_id, error=lost) for c in chunk]  # landed, answer lost

    async def sell(self, symbol: str, side: Side, amount: Decimal, client_id: str) -> str:
        """Move `amount` of the base into the quote at the last price."""
        fault = self._enter("sell")
        base, quote = symbol.split("/")
        if self.balances.get(base, Decimal(0)) < amount:
            raise OrderRejected("insufficient balance")
        self.balances[base] -= amount
        price = self.prices.get(symbol, Decimal(1))
        self.balances[quote] = self.balances.get(quote, Decimal(0)) + amount * price
        order_id = self._land(client_id)
        if fault is not None:
            raise fault.error
        return order_id

    async def order_by_client_id(self, symbol: str, market: str,
                                 client_id: str) -> LandedOrder | None:  # fmt: skip
        """The landed order with that client id."""
        self._enter("order_by_client_id")
        if client_id not in self.placed:
            return None
        return LandedOrder(id=self.placed[client_id], status="closed", filled="0")

    async def permissions(self) -> KeyPermissions:
        """Everything allowed but withdrawals."""
        return KeyPermissions(trade=True, withdraw=False, futures=True)

    async def close(self) -> None:
        """Nothing to close."""
        self.calls.append("close")
