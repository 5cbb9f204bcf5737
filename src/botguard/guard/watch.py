"""`botguard watch`: the watchdog beside the bot.

A bot that has gone wrong cannot be trusted to notice, so this runs as its own
process (its own unit and user, from `harden`), reads each account every
`poll_s`, and trips the kill switch on: drawdown from the equity peak, an open
order or position outside the policy, an order or fill without the bot's client
id prefix, an order rate over the limit, a stale heartbeat, and repeated
authentication errors. Every trip is journaled with its evidence and alerted.

A trip's kill runs to its end: a stop (SIGTERM, SIGINT) that arrives meanwhile is
honoured once the kill has finished, and the exchange's dead man's switch, which a
graceful stop disarms, stays armed on every account whose kill did not verify flat.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botguard.clock import Clock, SystemClock
from botguard.config import Config, make_state_dir
from botguard.fsutil import write_atomic
from botguard.guard.policy import Policy
from botguard.guard.rules import (
    Trip,
    check_auth_errors,
    check_drawdown,
    check_foreign,
    check_heartbeat,
    check_seen_rate,
    check_snapshot_policy,
)
from botguard.guard.snapshot import Snapshot
from botguard.guard.source import AccountSource
from botguard.halt import is_halted, set_halt
from botguard.journal import Journal
from botguard.kill.interrupt import kill_bound

logger = logging.getLogger(__name__)

DISARM_BUDGET_S = 1.5
"""A stop waits this long for the exchanges to disarm the dead man's switches, all at once:
an exchange that never answers (a black hole) held one SIGTERM for 53 s. A switch left
armed cancels the bot's orders `dead_man_s` later: the safe way to be wrong."""
PEAKS_FILE = "watch-peaks.json"
"""Equity peaks survive a watchdog restart: drawdown is from the peak, not the restart."""

KillFn = Callable[[Config, Trip, list[str] | None], Awaitable[Any]]
T = TypeVar("T")


async def _default_kill(config: Config, trip: Trip, accounts: list[str] | None) -> Any:
    from botguard.guard.trip import kill_for_trip

    return await kill_for_trip(config, trip, accounts=accounts, source="watch")


@dataclass(slots=True)
class AccountWatch:
    """What the watchdog remembers about one account between polls."""

    source: AccountSource
    auth_errors: int = 0
    last_error: str = ""


@dataclass(slots=True)
class PollResult:
    """One poll: trips found (account, trip), accounts not read, kill reports."""

    trips: list[tuple[str, Trip]] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    kills: list[Any] = field(default_factory=list)
    kill_failed: bool = False

    @property
    def exit_code(self) -> int:
        """1 tripped, 3 an account could not be read or the kill failed, 0 all good."""
        if self.kill_failed:
            return 3
        return 1 if self.trips else 3 if self.unreachable else 0


class Watch:
    """The watchdog over every configured account."""

    def __init__(
        self,
        config: Config,
        *,
        clock: Clock | None = None,
        kill: KillFn = _default_kill,
    ) -> None:
        self.config = config
        self.policy = Policy.from_config(config)
        self.clock = clock or SystemClock()
        self._kill = kill
        self._started = self.clock.monotonic()
        self._peaks: dict[str, float] = self._load_peaks()
        self.accounts = {
            a.name: AccountWatch(
                AccountSource(
                    a, symbols=config.guard.symbols, cache_dir=config.state.dir / "markets"
                )
            )
            for a in config.account
        }
        self.prefixes = config.bot.id_prefixes
        self.unverified: dict[str, int] = {}
        """Account -> exit code of its last kill that did not verify flat (1 or 3)."""
        self.settle: Callable[[], Awaitable[dict[str, int]]] | None = None
        """The guardian's: wait for a kill it runs (a local or fleet one) before a stop
        disarms anything; the accounts it left unverified."""
        self.kill_until: float | None = None
        """While a trip's kill runs: `time.monotonic()` by which it is over (a stop waits)."""

    async def aclose(self) -> None:
        """Close every account's ccxt session."""
        for watched in self.accounts.values():
            await watched.source.aclose()

    async def poll(self) -> PollResult:
        """Read every account and evaluate the rules; act on nothing."""
        result = PollResult()
        heartbeat = check_heartbeat(self._heartbeat_age(), self.config.guard.heartbeat_max_age_s)
        if heartbeat is not None:
            result.trips.append(("", heartbeat))
        reads = await asyncio.gather(*(self._read(name) for name in self.accounts))
        for name, (snapshot, trip) in zip(self.accounts, reads, strict=True):
            if trip is not None:
                result.trips.append((name, trip))
            elif snapshot is None:
                result.unreachable.append(name)
            else:
                result.trips += [(name, t) for t in self.evaluate(snapshot)]
        return result

    def evaluate(self, snapshot: Snapshot) -> list[Trip]:
        """Every rule over one account's snapshot (updating its equity peak)."""
        trips = [
            check_snapshot_policy(self.policy, snapshot),
            check_foreign(snapshot.open_orders + snapshot.recent_orders, self.prefixes),
            check_seen_rate(self.policy, snapshot.recent_orders, self._now_ms()),
        ]
        if snapshot.equity is not None:
            equity = float(snapshot.equity)
            peak = max(self._peaks.get(snapshot.account, 0.0), equity)
            if peak > self._peaks.get(snapshot.account, 0.0):
                self._peaks[snapshot.account] = peak
                self._save_peaks()
            trips.append(check_drawdown(peak, equity, self.config.guard.max_drawdown_pct))
        return [t for t in trips if t is not None]

    async def step(self) -> PollResult:
        """Poll once, then trip: journal, halt, kill the affected accounts, alert."""
        result = await self.poll()
        if not result.trips:
            return result
        if is_halted(self.config.state.dir):
            logger.warning("already halted; %d trip conditions not acted on", len(result.trips))
            return result
        first = result.trips[0][1]
        set_halt(self.config.state.dir, f"watch tripped ({first.rule}): {first.message}")
        with Journal(self.config.state.dir) as journal:
            for account, trip in result.trips:
                journal.add_event("trip", {"source": "watch", **trip.as_dict()}, account)
        named = sorted({a for a, _ in result.trips})
        accounts = None if "" in named else named
        killed = named if accounts is not None else list(self.accounts)
        self.unverified.update(dict.fromkeys(killed, 3))  # until the kill says otherwise
        kill = self.config.kill
        self.kill_until = kill_bound(kill.deadline_s, kill.grace_s)
        try:
            result.kills.append(await run_to_end(self._kill_recorded(first, accounts, killed)))
        except Exception:  # the halt flag is up; keep watching, say so loudly
            logger.exception("the kill switch failed after a watch trip (halt flag is raised)")
            result.kill_failed = True
        finally:
            self.kill_until = None
        return result

    async def _kill_recorded(
        self, trip: Trip, accounts: list[str] | None, killed: list[str]
    ) -> Any:
        """The kill, and what it verified (recorded even when a stop is waiting on it)."""
        report = await self._kill(self.config, trip, accounts)
        self._verified(killed, getattr(report, "exit_code", 3))
        return report

    def _verified(self, accounts: list[str], exit_code: int) -> None:
        """Record what the kill verified: only a flat account may be disarmed later."""
        for name in accounts:
            if exit_code == 0:
                self.unverified.pop(name, None)
            else:
                self.unverified[name] = exit_code

    async def _read(self, name: str) -> tuple[Snapshot | None, Trip | None]:
        """One account's snapshot; an auth error counts towards its trip."""
        from botguard.errors import VenueError
        from botguard.secrets.redact import redact
        from botguard.venues.errors import VenueAuthError

        watched = self.accounts[name]
        try:
            snapshot = await watched.source.snapshot(self._now_ms())
        except VenueAuthError as exc:
            watched.auth_errors += 1
            watched.last_error = redact(str(exc)[:200])
            logger.warning("account %s: authentication error %d", name, watched.auth_errors)
            limit = self.config.guard.max_auth_errors
            return None, check_auth_errors(watched.auth_errors, limit, watched.last_error)
        except VenueError as exc:
            logger.warning("account %s: could not read it (%s)", name, redact(str(exc)[:200]))
            return None, None
        watched.auth_errors = 0
        await self._arm_dead_man(watched.source, snapshot)
        return snapshot, None

    async def _arm_dead_man(self, source: AccountSource, snapshot: Snapshot) -> None:
        from botguard.errors import VenueError

        timeout_s = self.config.guard.dead_man_s
        if timeout_s is None:
            return
        symbols = {o.symbol for o in snapshot.open_orders} | set(self.config.guard.symbols)
        try:
            await source.venue.arm_dead_man(timeout_s, symbols)
        except VenueError as exc:
            logger.warning("account %s: dead man's switch not armed (%s)", snapshot.account, exc)

    async def disarm(self, budget_s: float = DISARM_BUDGET_S) -> None:
        """Cancel the exchange-side timers (graceful stop only), except on an account whose
        kill did not verify flat: there the timer is the last thing still guarding it.

        Every account at once, within `budget_s`: a stop must not wait on an exchange
        that does not answer (the timer it leaves armed is the safe way to be wrong)."""
        names = [n for n in self.accounts if n not in self.unverified]
        for name in self.unverified:
            logger.warning("account %s: not verified flat; dead man's switch left armed", name)
        tasks = [asyncio.ensure_future(self._disarm(name)) for name in names]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=budget_s)
        for name, task in zip(names, tasks, strict=True):
            if task in pending:
                task.cancel()
                logger.warning(
                    "account %s: the exchange did not disarm the dead man's switch within "
                    "%g s; it stays armed and cancels the bot's orders in up to %g s",
                    name, budget_s, self.config.guard.dead_man_s or 0,
                )  # fmt: skip
        if pending:  # cancelled: give them a moment to close their requests
            await asyncio.wait(pending, timeout=0.5)

    async def _disarm(self, name: str) -> None:
        from botguard.errors import VenueError

        try:
            await self.accounts[name].source.venue.arm_dead_man(0, self.config.guard.symbols)
        except VenueError as exc:
            logger.warning("account %s: could not disarm the dead man's switch (%s)", name, exc)

    def _heartbeat_age(self) -> float | None:
        path = self.config.bot.heartbeat
        if path is None:
            return None
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return self.clock.monotonic() - self._started
        return self.clock.now().timestamp() - mtime

    def _now_ms(self) -> int:
        return int(self.clock.now().timestamp() * 1000)

    def _load_peaks(self) -> dict[str, float]:
        try:
            raw = json.loads((self.config.state.dir / PEAKS_FILE).read_text(encoding="utf-8"))
            return {str(k): float(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        except (OSError, ValueError, TypeError, RecursionError):
            return {}

    def _save_peaks(self) -> None:
        state = make_state_dir(self.config.state.dir)
        write_atomic(state / PEAKS_FILE, json.dumps(self._peaks))


async def run_to_end(work: Awaitable[T]) -> T:
    """Await `work` to its end even if this task is cancelled meanwhile; then pass the
    cancellation on. A kill stopped half-way is the one outcome worse than either."""
    task = asyncio.ensure_future(work)
    stopped = False
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.done():  # the work itself was cancelled, not us
                raise
            if not stopped:
                logger.warning("stop requested during a trip: the kill runs to its end first")
            stopped = True
            continue
        if stopped:
            raise asyncio.CancelledError
        return result


async def run_watch(watch: Watch, *, once: bool = False) -> int:
    """Poll every `poll_s` until cancelled (SIGTERM); `once` polls a single time.

    A graceful stop disarms the exchange's dead man's switch: the watchdog was
    stopped on purpose, the bot's orders should stay. A crash leaves it armed, and so
    does a stop after a kill that did not verify flat (the exit code is then that
    kill's: 1 residual, 3 unreachable or failed).
    """
    poll_s = watch.config.guard.poll_s
    try:
        while True:
            started = watch.clock.monotonic()
            result = await watch.step()
            for account, trip in result.trips:
                logger.warning("trip on %s (%s): %s", account or "bot", trip.rule, trip.message)
            if once:
                return result.exit_code
            await watch.clock.sleep(max(0.0, poll_s - (watch.clock.monotonic() - started)))
    except asyncio.CancelledError:
        logger.info("watch stopping")
        if watch.settle is not None:  # a kill running elsewhere ends before any disarm
            watch.unverified.update(await watch.settle())
        await watch.disarm()
        return max(watch.unverified.values(), default=0)
    finally:
        await watch.aclose()
