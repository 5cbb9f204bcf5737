"""What a trip does beyond halting: run the kill switch, then alert.

The in-process guard must not wait for the kill (the bot's order call returns at
once with GuardTripped) nor borrow the bot's event loop or ccxt instance, whose
rate-limit queue may be what went wrong; so the kill runs in its own thread with
its own loop and its own exchange connections. The watchdog awaits the same
coroutine directly.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from botguard.guard.rules import Trip

if TYPE_CHECKING:
    from botguard.config import Config

logger = logging.getLogger(__name__)


async def kill_for_trip(
    config: Config, trip: Trip, *, accounts: list[str] | None, source: str
) -> Any:
    """Run the kill switch for a trip and send the alerts; returns the KillReport."""
    from botguard.alerts import alert_kill, send_alerts

    reason = f"{source} tripped ({trip.rule}): {trip.message}"
    await send_alerts(config, f"botguard: {source} tripped", reason, kind="trip")
    try:
        from botguard.kill import kill

        # the guard runs in the bot: its own pid is halted by the flag, never signalled
        report = await kill(config, accounts=accounts, reason=reason, inside_bot=source == "guard")
    except Exception as exc:
        title = f"botguard: KILL FAILED after {trip.rule}"
        await send_alerts(config, title, f"{reason}\n{type(exc).__name__}: {exc}", kind="kill")
        raise
    await alert_kill(config, report, reason=reason)
    return report


class KillOnTrip:
    """A guard's trip action: the kill switch in a background thread (once)."""

    def __init__(self, config: Config, accounts: list[str] | None) -> None:
        self.config = config
        self.accounts = accounts
        self.future: Future[Any] | None = None
        self._lock = threading.Lock()

    def __call__(self, trip: Trip) -> None:
        with self._lock:
            if self.future is not None:
                return
            self.future = Future()
        threading.Thread(
            target=self._run, args=(trip, self.future), name="botguard-kill", daemon=True
        ).start()

    def _run(self, trip: Trip, future: Future[Any]) -> None:
        try:
            coro = kill_for_trip(self.config, trip, accounts=self.accounts, source="guard")
            future.set_result(asyncio.run(coro))
        except BaseException as exc:  # the thread's only way to report
            logger.exception("the kill switch failed after a guard trip")
            future.set_exception(exc)
