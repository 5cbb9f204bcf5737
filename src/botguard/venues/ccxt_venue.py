"""A Venue over ccxt.async_support: one private helper for every call, retries, markets cache.

Every ccxt call goes through `_call`, which translates errors (venues.errors.translate)
and retries what is worth retrying with backoff, honouring Retry-After, so nothing above
venues/ ever sees a ccxt class or re-implements retries.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import stat
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from botguard.clock import Clock, SystemClock
from botguard.errors import VenueError
from botguard.fsutil import write_atomic
from botguard.venues.base import CloseRequest, CloseResult, Quirks
from botguard.venues.convert import (
    as_conditional,
    known_only,
    to_balances,
    to_order,
    to_position,
    with_market,
)
from botguard.venues.convert import dec as dec  # exchange venues import it from here
from botguard.venues.errors import ClockSkew, UnknownSymbol, VenueUnavailable, translate
from botguard.venues.shapes import ListAnswer, require_lists
from botguard.venues.types import (
    Exposure,
    KeyPermissions,
    LandedOrder,
    MarketInfo,
    PositionSide,
    Side,
)

logger = logging.getLogger(__name__)

WATCH_READS = frozenset(
    {"fetch_positions", "fetch_my_trades", "fetch_order", "fetch_balance", "fetch_tickers",
     "fetch_open_orders"}
)  # fmt: skip
"""The ccxt reads `fetch` serves: the watchdog's, and nothing that changes the account."""
MARKETS_MAX_AGE_S = 24 * 3600.0
"""A cached market list older than this is reloaded (precision rarely changes)."""
MIN_REQUEST_S = 0.05
"""Less time than this before the deadline: no request is started (it could not end in time)."""
LAST_TRY_S = 0.5
"""A retry is only worth its wait if at least this much time is left for the request."""


TRIGGER = {"trigger": True}
"""ccxt's unified param selecting the conditional (trigger) book."""


def _is_fresh(path: Path) -> bool:
    """The cache file is younger than MARKETS_MAX_AGE_S, and ours: owned by this user and
    writable by no one else. Market ids and precision steer what the kill sends, so a
    cache another user (the bot, if it runs as one) could have edited is reloaded."""
    try:
        st = path.stat()
    except OSError:
        return False
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        logger.warning("markets cache %s is not private to this user; reloading", path)
        return False
    return time.time() - st.st_mtime < MARKETS_MAX_AGE_S


class CcxtVenue:
    """A generic ccxt venue; exchange subclasses add their quirks and params."""

    quirks = Quirks()
    verified_end_to_end = False
    """True once this venue's kill is tested end to end against a simulator of its exchange
    (the kill report and `kill.configured` say so); a subclass sets it."""
    retries = 4
    list_answers: tuple[ListAnswer, ...] = ()
    """The reads a flat verdict rests on, and where their list sits (venues/shapes.py)."""
    """Tries after the first for a retryable failure (a call with `persist` and a
    deadline retries until the deadline instead)."""

    def __init__(
        self,
        account: str,
        exchange: Any,
        *,
        market_types: tuple[str, ...],
        cache_dir: Path | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.account = account
        self.clock: Clock = clock or SystemClock()
        """Every deadline read and backoff sleep goes through it (a test's VirtualClock)."""
        self.jitter = jitter
        """A number in [0, 1) that spreads retries out (injected: a test's is fixed)."""
        self.exchange = exchange
        require_lists(exchange, self.list_answers)
        self.market_types = market_types
        self.cache_dir = cache_dir
        self.requests = 0
        self._gate = asyncio.Semaphore(self.quirks.max_concurrency)
        self._cooldown_until = 0.0
        self._timeout_ms = int(exchange.timeout)
        self.deadline: float | None = None
        """`clock.monotonic()` by which every request and sleep has ended (set by the kill)."""
        self._markets_reloaded = False
        self._reload: asyncio.Task[None] | None = None
        self._resynced = False
        self._resync: asyncio.Future[Any] | None = None
        self.markets_failed = asyncio.Event()
        """Set when loading markets failed once: the kill cancels without them meanwhile."""

    def _translate(self, exc: BaseException) -> BaseException:
        """The error translation; exchange venues add their own code quirks."""
        return translate(exc)

    def _time_left(self) -> float | None:
        """Seconds until the deadline, None without one."""
        return None if self.deadline is None else self.deadline - self.clock.monotonic()

    def _fit_timeout(self) -> None:
        """Cut the request timeout so the request ends by the deadline (the kill's promise)."""
        left = self._time_left()
        if left is None:
            return
        if left < MIN_REQUEST_S:
            raise VenueUnavailable("the kill's deadline has passed; no request started")
        self.exchange.timeout = min(self._timeout_ms, int(left * 1000))

    async def _wait_cooldown(self) -> None:
        """After a 429 every call of this account waits (not only the refused one): several
        concurrent retries into a rate limit are how a 418 ban is earned. A wait that
        would end past the deadline is not started."""
        delay = self._cooldown_until - self.clock.monotonic()
        if delay <= 0:
            return
        left = self._time_left()
        if left is not None and delay >= left:
            raise VenueUnavailable(f"rate limited for {delay:.1f}s, past the kill's deadline")
        await self.clock.sleep(delay)

    # ------------------------------------------------------------------ calls
    async def _call(self, name: str, *args: Any, retry: bool = True, persist: bool = False) -> Any:
        """Run one ccxt method: bounded concurrency, translated errors, backoff on 429/5xx.

        `persist`: with a deadline, retry until it rather than `retries` times (loading
        markets, without which nothing else can be sent). An unknown symbol reloads the
        markets once per venue, then the call is made again. A bug (anything
        `translate` leaves alone) is raised at once, never retried.
        """
        attempt = 0
        while True:
            try:
                return await self._attempt(name, args)
            except VenueError as err:
                if isinstance(err, UnknownSymbol) and await self._reload_once():
                    continue
                if isinstance(err, ClockSkew) and await self._resync_once():
                    continue
                delay = self._retry_delay(err, attempt, retry=retry, persist=persist)
                if delay is None:
                    raise
                why = str(err)
            logger.info("%s: %s failed (%s); retrying in %.2fs", self.account, name, why, delay)
            await self.clock.sleep(delay)
            attempt += 1

    async def _attempt(self, name: str, args: tuple[Any, ...]) -> Any:
        """One try of a ccxt method; ccxt's and the network's errors come out translated."""
        method: Callable[..., Awaitable[Any]] = getattr(self.exchange, name)
        await self._wait_cooldown()
        try:
            async with self._gate:
                self.requests += 1
                self._fit_timeout()
                return await method(*args)
        except Exception as exc:
            exc._botguard_headers = getattr(self.exchange, "last_response_headers", None)  # type: ignore[attr-defined]
            raise self._translate(exc) from None

    def _retry_delay(
        self, err: VenueError, attempt: int, *, retry: bool, persist: bool
    ) -> float | None:
        """Seconds to wait before the next try, or None: not retryable, out of tries or time."""
        if not (retry and isinstance(err, VenueUnavailable)):
            return None
        if attempt >= self.retries and not (persist and self.deadline is not None):
            return None
        if err.retry_after_s:
            until = self.clock.monotonic() + err.retry_after_s
            self._cooldown_until = max(self._cooldown_until, until)
        delay = err.retry_after_s or min(2.0, 0.1 * 2**attempt) * (1 + self.jitter())
        left = self._time_left()
        if left is None or delay + LAST_TRY_S <= left:
            return delay
        if persist and not err.retry_after_s and left > LAST_TRY_S:
            return left - LAST_TRY_S  # one last try that can still end by the deadline
        return None

    # ---------------------------------------------------------------- markets
    def _cache_path(self) -> Path | None:
        if self.cache_dir is None:
            return None
        types = "-".join(sorted(self.market_types))
        return self.cache_dir / f"markets-{self.exchange.id}-{types}.json"

    async def load_markets(self) -> None:
        """Markets from the state-dir cache when fresh, else loaded (retried until the
        deadline, when there is one) and cached."""
        if self.exchange.markets:
            return
        path = self._cache_path()
        if path is not None and _is_fresh(path):
            try:
                self.exchange.set_markets(json.loads(path.read_text(encoding="utf-8")))
                return
            except (OSError, ValueError, KeyError, TypeError, RecursionError):
                logger.warning("%s: unreadable markets cache %s; reloading", self.account, path)
        await self._load_markets(reload=False)

    async def _load_markets(self, *, reload: bool) -> None:
        """One load from the exchange (retried), then written to the cache."""
        try:
            await self._call("load_markets", reload, retry=False)
        except VenueUnavailable:
            self.markets_failed.set()  # the kill cancels without markets meanwhile
            await self._call("load_markets", reload, persist=True)
        path = self._cache_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(path, json.dumps(self.exchange.markets, default=str))

    async def _reload_once(self) -> bool:
        """Markets newer than the cache: reload them, once per venue (shared by concurrent
        callers). True when a reload happened (so the failed call is worth one more try)."""
        if self._reload is None:
            if self._markets_reloaded:
                return False
            self._markets_reloaded = True
            logger.info("%s: unknown symbol; reloading markets", self.account)
            self._reload = asyncio.ensure_future(self._load_markets(reload=True))
        reload = self._reload
        try:
            await asyncio.shield(reload)
        finally:
            if reload.done() and self._reload is reload:
                self._reload = None
        return True

    async def _resync_once(self) -> bool:
        """This host's clock is off the exchange's: read the exchange's time once per venue
        (shared by concurrent callers) and sign in it from now on (ccxt's nonce subtracts
        options["timeDifference"]). True when the offset was read, so the refused call is
        worth one more try. The offset only moves this exchange's own timestamps."""
        if self._resync is None:
            if self._resynced:
                return False
            self._resynced = True
            self._resync = asyncio.ensure_future(self._call("load_time_difference"))
        try:
            offset = await asyncio.shield(self._resync)
        except VenueError as exc:
            logger.warning("%s: the exchange's time could not be read: %s", self.account, exc)
            return False
        logger.warning("%s: this host's clock is %s ms off the exchange's; signing in the "
                       "exchange's time", self.account, offset)  # fmt: skip
        return True

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
    to_order = staticmethod(to_order)
    to_position = staticmethod(to_position)
    to_balances = staticmethod(to_balances)

    # ----------------------------------------------------------- generic API
    async def exposure(self) -> Exposure:
        """The account as `read_exposure` sees it, with the markets made current first:
        a symbol or asset the loaded markets do not know (listed after the markets cache
        was written) reloads them once and reads again. A symbol still unknown is left
        out of the plan and named in `unchecked`: cancelling or closing it by a raw id
        could hit the wrong market (Binance spot and USDⓈ-M share ids)."""
        exposure = await self.read_exposure()
        if self._unknown(exposure) and await self._reload_once():
            exposure = await self.read_exposure()
        return self._without_unknown(exposure)

    def _unknown(self, exposure: Exposure) -> set[str]:
        """Symbols and assets in the read that the loaded markets do not know."""
        markets = self.exchange.markets or {}
        known = {c for m in markets.values() for c in (m.get("base"), m.get("quote"))}
        symbols = {o.symbol for o in exposure.orders} | {p.symbol for p in exposure.positions}
        return {s for s in symbols if s not in markets} | {
            b.asset for b in exposure.balances if b.asset not in known
        }

    def _without_unknown(self, exposure: Exposure) -> Exposure:
        """Orders and positions on symbols no market list knows: named, never traded."""
        return known_only(exposure, set(self.exchange.markets or {}))

    async def spot_prices(self) -> dict[str, Decimal]:
        """Last spot prices by symbol (one fetch_tickers; {} without a spot market), for
        the exchange venues whose exposure reads need them for dust decisions."""
        if "spot" not in self.market_types:
            return {}
        tickers = await self._call("fetch_tickers", None, {"type": "spot"})
        return {s: p for s, t in tickers.items() if (p := dec(t.get("last"))) is not None}

    async def read_exposure(self) -> Exposure:
        """Generic: open orders, balances, positions (ccxt's unified fetch_positions) and
        conditional orders where this venue knows how ccxt lists them. Whatever cannot be
        read is named in `Exposure.unchecked`, so the kill reports `unverified`, never flat.
        """
        reads, unchecked = self._generic_reads()
        names = list(reads)
        answers = dict(zip(names, await asyncio.gather(*reads.values()), strict=True))
        orders = [self.to_order(o, self._market_type(o.get("symbol"))) for o in answers["orders"]]
        orders += [
            as_conditional(self.to_order(o, self._market_type(o.get("symbol"))))
            for o in answers.get("conditional", [])
        ]
        positions = [
            with_market(p, self._market_type(p.symbol))
            for raw in answers.get("positions", [])
            if (p := self.to_position(raw)) is not None
        ]
        return Exposure(
            account=self.account,
            orders=tuple(orders),
            balances=self.to_balances(answers["balance"]),
            positions=tuple(positions),
            unchecked=tuple(unchecked),
        )

    def _generic_reads(self) -> tuple[dict[str, Awaitable[Any]], list[str]]:
        """The ccxt reads this exchange supports, and what it leaves unread (with why)."""
        has, ex_id = self.exchange.has, self.exchange.id
        reads: dict[str, Awaitable[Any]] = {
            "orders": self._call("fetch_open_orders"),
            "balance": self._call("fetch_balance"),
        }
        unchecked = []
        if {"swap", "future"} & set(self.market_types):
            if has.get("fetchPositions"):
                reads["positions"] = self._call("fetch_positions")
            else:
                unchecked.append(f"positions: ccxt {ex_id} has no fetchPositions")
        if self.quirks.conditional_book and self.quirks.lists_conditional:
            reads["conditional"] = self._call("fetch_open_orders", None, None, None, TRIGGER)
        elif self.quirks.conditional_book:
            unchecked.append(
                f"conditional (stop/take-profit) orders: botguard does not know how ccxt "
                f"{ex_id} lists them"
            )
        return reads, unchecked

    def _market_type(self, symbol: str | None) -> str:
        """spot, swap or future, from the loaded markets (spot when unknown)."""
        market = (self.exchange.markets or {}).get(symbol or "") or {}
        return str(market.get("type") or "spot")

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
    ) -> LandedOrder | None:
        """Look an order up by client id; None when it never landed."""
        from botguard.venues.errors import OrderNotFound

        try:
            raw = await self._call("fetch_order", "", symbol, {"clientOrderId": client_id})
        except OrderNotFound:
            return None
        return LandedOrder(
            id=str(raw.get("id")), status=str(raw.get("status")), filled=str(raw.get("filled") or 0)
        )

    async def permissions(self) -> KeyPermissions:
        """What this key may do, from the exchange's own API (venues/permissions)."""
        from botguard.venues.permissions import read_permissions

        return await read_permissions(self.exchange)

    async def close(self) -> None:
        """Close the aiohttp session (and stop a markets reload the deadline cut short)."""
        if self._reload is not None:
            self._reload.cancel()
        if self._resync is not None:
            self._resync.cancel()
        await self.exchange.close()

    # ------------------------------------------------------- watchdog reads
    async def fetch(self, method: str, *args: Any) -> Any:
        """One of ccxt's reads (`WATCH_READS`) through `_call`; ccxt's own answer."""
        if method not in WATCH_READS:
            raise ValueError(f"{method} is not a read the watchdog may make")
        return await self._call(method, *args)

    async def arm_dead_man(self, timeout_s: float, symbols: Iterable[str]) -> int:
        """Arm the exchange's dead man's switch for `timeout_s` (0 disarms); timers set."""
        from botguard.venues.deadman import dead_man_calls

        calls = dead_man_calls(self.exchange, self.market_types, timeout_s, symbols)
        for name, args in calls:
            await self._call(name, *args)
        return len(calls)
