"""The pre-trade engine: state, limits, breach counting and the trip.

The wrapper (`guard.py`) turns each ccxt call into an `Intent` and asks `check`;
this module owns no I/O except the halt flag (one stat per order, so a halt raised
by `botguard kill` from another process is honoured on the very next order) and
the journal, written only on breaches and state changes.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time as _time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from datetime import time as midnight_time
from functools import partial
from pathlib import Path
from typing import Any

from botguard.clock import Clock, SystemClock
from botguard.guard.book import Book, Reservation, _num
from botguard.guard.errors import GuardRejected, GuardTripped
from botguard.guard.policy import BREACH_WINDOW_S, INF, Policy
from botguard.guard.rate import RateWindows
from botguard.guard.rules import (
    Intent,
    Rule,
    Trip,
    check_daily_loss,
    check_open_orders,
    check_order_notional,
    check_order_rate,
    check_position_notional,
    check_price_band,
    check_symbol,
    check_total_notional,
)
from botguard.guard.state import GuardState
from botguard.halt import halt_flag_path, read_halt, set_halt
from botguard.secrets.logging import LogRedaction

logger = logging.getLogger(__name__)

MAX_CLIENT_ID = 32
"""OKX's limit (Binance and Bybit allow 36): ids longer than this are refused."""
PRICE_MAX_AGE_S = 30.0
"""A last price older than this is refreshed before a band or notional check."""

TripAction = Callable[[Trip], None]
_ACTIVE = GuardState.ACTIVE
_F_OK = os.F_OK


def _flag_check(state_dir: Path | None) -> Callable[[], bool]:
    """Whether the halt flag exists: one access(2) per call, so a halt raised by another
    process counts on the very next order.

    As `os.path.exists`, without raising and catching FileNotFoundError on every order
    while no halt is raised (the common case); a C partial over the encoded path, so
    the check adds no Python frame and no path encoding to the order (issue 18).
    """
    if state_dir is None:
        return _never
    return partial(os.access, os.fsencode(halt_flag_path(state_dir)), _F_OK)


def _never() -> bool:
    """No state dir (library tests): no halt flag."""
    return False


class Guard:
    """Checks orders against a `Policy`; one per wrapped exchange."""

    log_redaction: LogRedaction = LogRedaction.released()
    """The redaction guard() attached to the bot's log handlers; uninstall() removes it."""

    def __init__(
        self,
        policy: Policy,
        *,
        clock: Clock,
        market_of: Callable[[str], Mapping[str, Any] | None],
        on_trip: TripAction | None = None,
        account: str = "",
    ) -> None:
        self.policy = policy
        self.book = Book()
        self.account = account
        self.tripped: Trip | None = None
        self._clock = clock
        self._monotonic: Callable[[], float] = (
            _time.monotonic if type(clock) is SystemClock else clock.monotonic
        )
        """The clock read per order, without a wrapper frame for the real clock."""
        self.market_of = market_of
        self.on_trip = on_trip
        self._state = GuardState.ACTIVE
        self._halted = _flag_check(policy.state_dir)
        self._rates = RateWindows(policy.max_orders_per_second, policy.max_orders_per_minute)
        self._breaches: deque[float] = deque()
        self._session = os.urandom(4).hex()
        self._counter = itertools.count(1)
        self.sizes: dict[str, float] = {}
        """Base units per contract by symbol, as `size_of` has cached them (read on the
        hot path without a call)."""
        self._checks_loss = policy.max_daily_loss != INF
        self._band = policy.price_band != INF
        self._day = date.min
        self._day_until = -INF
        self._tokens = itertools.count(1)
        self.lock = threading.Lock()
        """Check-then-reserve, and settle-then-book, are each one step: bots call a
        sync exchange from several threads."""

    # state
    @property
    def state(self) -> GuardState:
        """HALTED while the halt flag exists; else REDUCING or ACTIVE."""
        if self._halted():
            if self._state is not GuardState.HALTED:
                halt = read_halt(self.policy.state_dir) if self.policy.state_dir else None
                self._set_state(GuardState.HALTED, (halt or {}).get("reason", "halt flag"))
            return GuardState.HALTED
        if self._state is GuardState.HALTED:
            self._set_state(GuardState.ACTIVE, "halt flag lowered")
        return self._state

    def set_state(self, state: GuardState, reason: str) -> None:
        """Change state by hand (HALTED also raises the halt flag)."""
        if state is GuardState.HALTED and self.policy.state_dir is not None:
            set_halt(self.policy.state_dir, reason, by="botguard.guard")
        self._set_state(state, reason)

    def _set_state(self, state: GuardState, reason: str) -> None:
        if state is self._state:
            return
        logger.warning("guard state %s -> %s: %s", self._state, state, reason)
        self._journal("state", {"from": str(self._state), "to": str(state), "reason": reason})
        self._state = state

    # the check
    def check(self, intent: Intent, *, resting: bool) -> None:
        """Raise GuardRejected unless this order may be sent; count it if it may."""
        if self._halted() or self._state is not _ACTIVE:
            state = self.state
            if state is not _ACTIVE:
                self._check_state(state, intent, reducing=self._is_reducing(intent))
        now = self._monotonic()
        if not self._passes(intent, now, resting=resting):
            trip = self._first_trip(intent, now, resting=resting)
            if trip is not None:
                raise self._breach(trip, now)
        self._rates.add(now)

    def _passes(self, intent: Intent, now: float, *, resting: bool) -> bool:
        """True when no rule objects: each rule's own pass condition, as plain comparisons.

        A shortcut for the common order (issue 18): one frame instead of a dozen calls
        to rule functions that would each return None. It can only say yes: False hands
        the order to `_first_trip`, where the rule functions decide and say why (and the
        exposure exemption for reducing orders applies). The conditions are written as
        each rule's pass test, not its negation, so NaN objects here as it does there;
        tests/guard/test_fast_path.py holds the two to the same verdict.
        """
        p, book = self.policy, self.book
        symbol, price, amount = intent.symbol, intent.price, intent.amount
        last = book.prices.get(symbol, 0.0) if self._band else 0.0
        second, minute = self._rates.counts(now)
        if not (
            (p.symbols is None or symbol in p.symbols)
            and amount * price <= p.max_order_notional
            and (last <= 0 or abs(price - last) <= p.price_band * last)
            and second < p.max_orders_per_second
            and minute < p.max_orders_per_minute
            and (not resting or len(book.open_orders) + book.reserved_resting < p.max_open_orders)
        ):
            return False
        projected = book.projected(symbol, intent.sign, amount)
        notional = abs(projected) * price  # as check_position_notional computes it
        if not notional <= p.max_position_notional:
            return False
        if p.max_total_notional != INF:
            # with no position held, the total is this symbol's alone (total_notional's sum)
            total = book.total_notional(symbol, projected, price) if book.positions else notional
            if not total <= p.max_total_notional:
                return False
        return not self._checks_loss or not book.realised < 0 or self._loss_passes()

    def _loss_passes(self) -> bool:
        """Today's realised loss is within max_daily_loss (asked only after a loss)."""
        return check_daily_loss(self.policy, self.book.loss_today(self.today())) is None

    def _first_trip(self, intent: Intent, now: float, *, resting: bool) -> Trip | None:
        """The first rule that objects, in order; None when only an exemption applies."""
        policy = self.policy
        trip = check_symbol(policy, intent) or check_order_notional(policy, intent)
        if trip is None and self._band:
            trip = check_price_band(policy, intent, self.book.prices.get(intent.symbol, 0.0))
        if trip is None:
            trip = self._check_flow(now, resting=resting)
        if trip is None:
            trip = self._check_exposure(intent)
            if trip is not None and self._is_reducing(intent):
                trip = None  # shrinking a position never breaches an exposure limit
        return trip

    def admit(self, orders: Sequence[tuple[Intent, bool]]) -> list[int]:
        """Check orders (intent, resting) as one batch and reserve them; all or none.

        Each order is checked with the ones before it already reserved, so a batch is
        summed, and so is every order another task or thread has in flight. Returns one
        reservation token per order, for `settle` or `doubt` when the answer comes.
        """
        tokens: list[int] = []
        reserve = self.book.reserve
        with self.lock:
            try:
                for intent, resting in orders:
                    self.check(intent, resting=resting)
                    token = next(self._tokens)
                    reserve(token, Reservation(intent.symbol, intent.sign, intent.amount, resting))
                    tokens.append(token)
            except BaseException:
                self._unadmit(tokens)
                raise
        return tokens

    def admit_one(self, intent: Intent, *, resting: bool) -> int:
        """`admit` for one order (create_order, the hot path): no batch to build or undo."""
        with self.lock:
            self.check(intent, resting=resting)
            token = next(self._tokens)
            self.book.reserve(
                token, Reservation(intent.symbol, intent.sign, intent.amount, resting)
            )
        return token

    def _unadmit(self, tokens: list[int]) -> None:
        """A batch refused part-way: the orders before the refusal were never sent."""
        for token in tokens:
            self.book.release(token)
            self._rates.drop_newest()

    def settle(self, tokens: Sequence[int]) -> None:
        """The answer came (an order, or a refusal): the reservations end."""
        for token in tokens:
            self.book.release(token)

    def doubt(self, tokens: Sequence[int]) -> None:
        """No answer: the orders may have landed; count them until the books are re-read."""
        for token in tokens:
            self.book.doubt(token)

    def _is_reducing(self, intent: Intent) -> bool:
        """Shrinks the known position; or flagged reduce-only where none is known (the
        exchange enforces the flag)."""
        book = self.book
        return book.is_reducing(intent.symbol, intent.sign, intent.amount) or (
            intent.reduce_only and intent.symbol not in book.positions
        )

    def _check_state(self, state: GuardState, intent: Intent, *, reducing: bool) -> None:
        if state is GuardState.HALTED and not (intent.reduce_only and reducing):
            why = "halted (halt flag raised): only cancels and reduce-only exits pass"
        elif state is GuardState.REDUCING and not reducing:
            why = "reducing: only orders that shrink the position pass"
        else:
            return
        raise GuardRejected(Trip(Rule.STATE, why, {"state": str(state)}), state)

    def _check_flow(self, now: float, *, resting: bool) -> Trip | None:
        """The order rates (one second, one minute) and the open order count."""
        second, minute = self._rates.counts(now)
        trip = check_order_rate(self.policy, second, minute)
        if trip is None and resting:
            trip = check_open_orders(self.policy, self.book.open_count)
        return trip

    def _check_exposure(self, intent: Intent) -> Trip | None:
        policy, book = self.policy, self.book
        projected = book.projected(intent.symbol, intent.sign, intent.amount)
        trip = check_position_notional(policy, intent, projected)
        if trip is None and policy.max_total_notional != INF:
            total = book.total_notional(intent.symbol, projected, intent.price)
            trip = check_total_notional(policy, intent.symbol, total)
        if trip is None and self._checks_loss and book.realised < 0:  # else no loss today
            trip = check_daily_loss(policy, book.loss_today(self.today()))
            if trip is not None:
                self._set_state(GuardState.REDUCING, trip.message)
        return trip

    def _breach(self, trip: Trip, now: float) -> GuardRejected:
        breaches = self._breaches
        breaches.append(now)
        while breaches[0] <= now - BREACH_WINDOW_S:
            breaches.popleft()
        logger.warning("guard breach (%s): %s", trip.rule, trip.message)
        self._journal("breach", trip.as_dict())
        if len(breaches) >= self.policy.trip_after_breaches and self.tripped is None:
            self.trip(trip)
            return GuardTripped(trip, GuardState.HALTED)
        return GuardRejected(trip, self._state)

    def trip(self, trip: Trip) -> None:
        """Halt now (flag first, so every guard and `run` stops), journal, run the action."""
        self.tripped = trip
        reason = f"guard tripped ({trip.rule}): {trip.message}"
        if self.policy.state_dir is not None:
            set_halt(self.policy.state_dir, reason, by="botguard.guard")
        self._journal("trip", {"source": "guard", **trip.as_dict()})
        self._set_state(GuardState.HALTED, reason)
        if self.on_trip is not None:
            self.on_trip(trip)

    # what the wrapper needs
    def monotonic(self) -> float:
        """The injected clock's monotonic time."""
        return self._monotonic()

    def today(self) -> date:
        """Today's UTC date, from the injected clock (read once per day, not per order)."""
        if self._monotonic() < self._day_until:
            return self._day
        now = self._clock.now()
        midnight = datetime.combine(
            now.date() + timedelta(days=1), midnight_time(), tzinfo=now.tzinfo
        )
        self._day = now.date()
        self._day_until = self._monotonic() + (midnight - now).total_seconds()
        return self._day

    def size_of(self, symbol: str) -> float:
        """Base units per contract (1 for spot), cached from the exchange's markets."""
        size = self.sizes.get(symbol)
        if size is None:
            market = self.market_of(symbol) or {}
            size = _num(market.get("contractSize")) if market.get("contract") else 1.0
            self.sizes[symbol] = size = size or 1.0
        return size

    def last_price(self, symbol: str) -> float:
        """A fresh enough last price, or 0.0 when the wrapper must fetch a ticker."""
        at = self.book.price_at.get(symbol)
        if at is None or self._monotonic() - at > PRICE_MAX_AGE_S:
            return 0.0
        return self.book.prices[symbol]

    def client_id(self, given: str | None) -> str:
        """A client order id that carries the bot's prefix."""
        prefix = self.policy.client_id_prefix
        if given is None:
            return f"{prefix}{self._session}{next(self._counter):x}"
        if given.startswith(prefix):
            return given
        if len(prefix) + len(given) > MAX_CLIENT_ID:
            trip = Trip(
                Rule.CLIENT_ID,
                f"client order id {given!r} lacks the prefix {prefix!r} and is too long to "
                f"prefix (max {MAX_CLIENT_ID}); let the guard generate it",
            )
            raise GuardRejected(trip, self._state)
        return prefix + given

    def _journal(self, kind: str, detail: dict[str, Any]) -> None:
        """Journal an event; a fresh connection each time (events are rare, threads are not)."""
        if self.policy.state_dir is None:
            return
        from botguard.journal import Journal

        try:
            with Journal(self.policy.state_dir) as journal:
                journal.add_event(kind, detail, self.account)
        except Exception:  # never let journaling break a trading path
            logger.exception("could not journal a guard %s event", kind)
