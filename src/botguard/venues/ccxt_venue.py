"""A Venue over ccxt.async_support: one private helper for every call, retries, markets cache.

Every ccxt call goes through `_call`, which translates errors (venues.errors.translate)
and retries what is worth retrying with backoff, honouring Retry-After, so nothing above
venues/ ever sees a ccxt class or re-implements retries.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from botguard.errors import VenueError
from botguard.fsutil import write_atomic
from botguard.venues.base import CloseRequest, CloseResult, Quirks
from botguard.venues.errors import VenueUnavailable, translate
from botguard.venues.types import (
    Balance,
    Exposure,
    KeyPermissions,
    MarketInfo,
    Order,
    Position,
    PositionSide,
    Side,
)

logger = logging.getLogger(__name__)

MARKETS_MAX_AGE_S = 24 * 3600.0
MIN_TIMEOUT_MS = 250
"""No request gets less: a kill past its deadline still makes its last read."""
"""A cached market list older than this is reloaded (precision rarely changes)."""


def dec(value: Any) -> Decimal | None:
    """A ccxt number as Decimal (via str, so floats keep their printed digits)."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


class CcxtVenue:
    """A generic ccxt venue; exchange subclasses add their quirks and params."""

    quirks = Quirks()

    def __init__(
        self,
        account: str,
        exchange: Any,
        *,
        market_types: tuple[str, ...],
        cache_dir: Path | None = None,
        retries: int = 4,
    ) -> None:
        self.account = account
        self.exchange = exchange
        self.market_types = market_types
        self.cache_dir = cache_dir
        self.retries = retries
        self.requests = 0
        self._gate = asyncio.Semaphore(self.quirks.max_concurrency)
        self._cooldown_until = 0.0
        self._timeout_ms = int(exchange.timeout)
        self.deadline: float | None = None
        """time.monotonic() past which no retry is started (set by the kill)."""
        """After a 429 every call of this account waits (not only the refused one):
        several concurrent retries into a rate limit are how a 418 ban is earned."""

    def _translate(self, exc: BaseException) -> Exception:
        """The error translation; exchange venues add their own code quirks."""
        return translate(exc)

    def _fit_timeout(self) -> None:
        """Cut the request timeout to the time left before the deadline (kill's promise)."""
        if self.deadline is None:
            return
        left_ms = int((self.deadline - time.monotonic()) * 1000)
        self.exchange.timeout = max(MIN_TIMEOUT_MS, min(self._timeout_ms, left_ms))

    async def _wait_cooldown(self) -> None:
        delay = self._cooldown_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    # ------------------------------------------------------------------ calls
    async def _call(self, name: str, *args: Any, retry: bool = True) -> Any:
        """Run one ccxt method: bounded concurrency, translated errors, backoff on 429/5xx."""
        method: Callable[..., Awaitable[Any]] = getattr(self.exchange, name)
        attempt = 0
        while True:
            await self._wait_cooldown()
            try:
                async with self._gate:
                    self.requests += 1
                    self._fit_timeout()
                    return await method(*args)
            except Exception as exc:
                exc._botguard_headers = getattr(self.exchange, "last_response_headers", None)  # type: ignore[attr-defined]
                err = self._translate(exc)
            if not (retry and isinstance(err, VenueUnavailable)) or attempt >= self.retries:
                raise err
            if err.retry_after_s:
                until = time.monotonic() + err.retry_after_s
                self._cooldown_until = max(self._cooldown_until, until)
            delay = err.retry_after_s or min(2.0, 0.1 * 2**attempt) * (1 + random.random())  # noqa: S311
            if self.deadline is not None and time.monotonic() + delay > self.deadline:
                raise err
            logger.info("%s: %s failed (%s); retrying in %.2fs", self.account, name, err, delay)
            await asyncio.sleep(delay)
            attempt += 1

    # ---------------------------------------------------------------- markets
    def _cache_path(self) -> Path | None:
        if self.cache_dir is None:
            return None
        types = "-".join(sorted(self.market_types))
        return self.cache_dir / f"markets-{self.exchange.id}-{types}.json"

    async def load_markets(self) -> None:
        """Markets from the state-dir cache when fresh, else one load (then cached)."""
        if self.exchange.markets:
            return
        path = self._cache_path()
        if (
            path is not None
            and path.exists()
            and time.time() - path.stat().st_mtime < MARKETS_MAX_AGE_S
        ):
            try:
                self.exchange.set_markets(json.loads(path.read_text(encoding="utf-8")))
                return
            except (OSError, ValueError, KeyError, TypeError, RecursionError):
                logger.warning("%s: unreadable markets cache %s; reloading", self.account, path)
        await self._call("load_markets")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, json.dumps(self.exchange.markets, default=str))

    def market_info(self, symbol: str) -> MarketInfo | None:
        """Precision and minimums from the loaded markets."""
        market = (self.exchange.markets or {}).get(symbol)
        if market is None:
            return None
        limits = market.get("limits") or {}
        return MarketInfo(
            symbol=symbol,
            market=str(market.get("type") or "spot"),
            base=str(market["base"]),
            quote=str(market["quote"]),
            amount_step=dec((market.get("precision") or {}).get("amount")),
            min_amount=dec((limits.get("amount") or {}).get("min")),
            min_notional=dec((limits.get("cost") or {}).get("min")),
        )

    def spot_symbol(self, asset: str, quote: str) -> str | None:
        """The spot market selling `asset` into `quote`, if the exchange lists one."""
        symbol = f"{asset}/{quote}"
        return symbol if symbol in (self.exchange.markets or {}) else None

    # ------------------------------------------------------------- conversion
    @staticmethod
    def to_order(raw: dict[str, Any], market: str) -> Order:
        """A ccxt order dict as an Order."""
        info = raw.get("info") or {}
        conditional = bool(raw.get("triggerPrice")) or "algoId" in info
        return Order(
            id=str(raw.get("id") or info.get("algoId") or ""),
            symbol=str(raw["symbol"]),
            market=market,
            side=Side(raw["side"]),
            amount=dec(raw.get("remaining") or raw.get("amount")) or Decimal(0),
            price=dec(raw.get("price")),
            client_id=raw.get("clientOrderId"),
            conditional=conditional,
            reduce_only=bool(raw.get("reduceOnly")),
        )

    @staticmethod
    def to_position(raw: dict[str, Any]) -> Position | None:
        """A ccxt position dict as a Position; None when it is empty."""
        contracts = dec(raw.get("contracts")) or Decimal(0)
        if contracts == 0:
            return None
        return Position(
            symbol=str(raw["symbol"]),
            market="swap",
            side=PositionSide(raw.get("side") or "long"),
            contracts=abs(contracts),
            entry_price=dec(raw.get("entryPrice")),
            notional=dec(raw.get("notional")),
            unrealized_pnl=dec(raw.get("unrealizedPnl")),
            hedged=bool(raw.get("hedged")),
        )

    @staticmethod
    def to_balances(raw: dict[str, Any]) -> tuple[Balance, ...]:
        """Non-zero spot balances."""
        out = []
        for asset, free in (raw.get("free") or {}).items():
            used = (raw.get("used") or {}).get(asset)
            bal = Balance(asset, dec(free) or Decimal(0), dec(used) or Decimal(0))
            if bal.total > 0:
                out.append(bal)
        return tuple(out)

    # ----------------------------------------------------------- generic API
    async def exposure(self) -> Exposure:
        """Generic: open orders and balances of the default market, positions if any."""
        orders, balance = await asyncio.gather(
            self._call("fetch_open_orders"), self._call("fetch_balance")
        )
        return Exposure(
            account=self.account,
            orders=tuple(self.to_order(o, "spot") for o in orders),
            balances=self.to_balances(balance),
        )

    async def cancel_all(self, symbol: str, market: str, *, conditional: bool) -> None:
        """ccxt's cancel_all_orders on one symbol."""
        params = {"trigger": True} if conditional else {}
        await self._call("cancel_all_orders", symbol, params)

    async def close_position(
        self, symbol: str, side: PositionSide, amount: Decimal, client_id: str, *, hedged: bool
    ) -> str:
        """Reduce-only market order on the opposite side."""
        order_side = "sell" if side is PositionSide.LONG else "buy"
        params: dict[str, Any] = {"clientOrderId": client_id, "reduceOnly": True}
        raw = await self._call(
            "create_order", symbol, "market", order_side, float(amount), None, params, retry=False
        )
        return str(raw.get("id"))

    async def close_positions(self, closes: Sequence[CloseRequest]) -> list[CloseResult]:
        """Generic: no batch endpoint known, so every close is its own order, all at once."""
        return list(await asyncio.gather(*(self._close_one(c) for c in closes)))

    async def _close_one(self, close: CloseRequest) -> CloseResult:
        """One single close, its failure kept as its result."""
        try:
            order_id = await self.close_position(
                close.symbol, close.side, close.amount, close.client_id, hedged=close.hedged
            )
        except VenueError as exc:
            return CloseResult(close.client_id, error=exc)
        return CloseResult(close.client_id, order_id=order_id)

    async def sell(self, symbol: str, side: Side, amount: Decimal, client_id: str) -> str:
        """Spot market order."""
        params = {"clientOrderId": client_id}
        raw = await self._call(
            "create_order", symbol, "market", side.value, float(amount), None, params, retry=False
        )
        return str(raw.get("id"))

    async def order_by_client_id(
        self, symbol: str, market: str, client_id: str
    ) -> dict[str, str] | None:
        """Look an order up by client id; None when it never landed."""
        from botguard.venues.errors import OrderNotFound

        try:
            raw = await self._call("fetch_order", "", symbol, {"clientOrderId": client_id})
        except OrderNotFound:
            return None
        return {"id": str(raw.get("id")), "status": str(raw.get("status")),
                "filled": str(raw.get("filled") or 0)}  # fmt: skip

    async def permissions(self) -> KeyPermissions:
        """What this key may do, from the exchange's own API (venues/permissions)."""
        from botguard.venues.permissions import read_permissions

        return await read_permissions(self.exchange)

    async def close(self) -> None:
        """Close the aiohttp session."""
        await self.exchange.close()
