"""One kill at a time, on warm venues: the guardian's kill runner.

Every kill the guardian runs (a watch trip, a local `botguard kill`, a fleet halt)
goes through `WarmKill.kill`: the venues were opened and their markets loaded when
the guardian started, so the first request leaves at once; and a kill asked for
while another covering the same accounts runs joins it instead of starting a
second (one run in the journal, one set of orders).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botguard.guardian.wire import KillRequest
from botguard.journal import Journal
from botguard.kill import KillSwitch
from botguard.kill.interrupt import kill_bound
from botguard.kill.report import KillReport
from botguard.kill.status import SUCCESS, AccountStatus

if TYPE_CHECKING:
    from botguard.config import Config
    from botguard.guard.rules import Trip

logger = logging.getLogger(__name__)

PHASES = {"halt": "cancelling", "cancel": "cancelling", "close": "flattening", "sell": "flattening"}
"""A journal step's action -> what the kill is doing from then on."""


@dataclass(frozen=True, slots=True)
class Step:
    """One journaled step of the running kill, as progress for a waiting caller."""

    action: str
    key: str
    status: str

    @property
    def phase(self) -> str:
        """halting | cancelling | flattening (the fleet's table shows it)."""
        return PHASES.get(self.action, "halting")

    def line(self) -> str:
        """The progress line a person reads."""
        return f"{self.action} {self.key}: {self.status}"


@dataclass(slots=True)
class _Running:
    task: asyncio.Task[KillReport]
    accounts: frozenset[str]
    until: float
    """`time.monotonic()` by which it is over however it ends (a stop waits until then)."""


class WarmKill:
    """The guardian's kill switch: warm venues, one kill at a time, joinable."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._all = frozenset(a.name for a in config.account)
        self._switches: dict[frozenset[str], KillSwitch] = {self._all: supervisor_switch(config)}
        self._running: _Running | None = None
        self.unverified: dict[str, int] = {}
        """Account -> exit code of the last kill here that did not verify it flat (1 or 3):
        a stop leaves the dead man's switch armed there."""

    async def warm(self) -> None:
        """Open the venues and load markets now; a failure only means a colder kill later."""
        from botguard.errors import BotguardError

        try:
            await self._switches[self._all].open()
        except (BotguardError, OSError) as exc:
            logger.warning("guardian: venues not warmed (%s); a kill will open them", exc)

    async def close(self) -> None:
        """Let a running kill finish (it is never abandoned), then close every venue."""
        if self._running is not None and not self._running.task.done():
            logger.warning("guardian stopping: the running kill finishes first")
            await asyncio.wait([self._running.task])
        for switch in self._switches.values():
            await switch.close()

    @property
    def running(self) -> bool:
        """True while a kill runs."""
        return self._running is not None and not self._running.task.done()

    async def settle(self) -> dict[str, int]:
        """Wait for a running kill to end (a stop disarms nothing before); what kills here
        left unverified."""
        running = self._running
        if running is not None and not running.task.done():
            await asyncio.wait([running.task])
        return dict(self.unverified)

    def busy_until(self) -> float | None:
        """While a kill runs, when it is over at the latest (a stop waits for it)."""
        running = self._running
        return running.until if running is not None and not running.task.done() else None

    async def kill(self, request: KillRequest) -> tuple[KillReport, bool]:
        """Run the kill, or join the one running; (report, joined).

        The caller's cancellation never cancels the kill itself (it is shielded):
        a kill stopped half-way is the one outcome worse than either.
        """
        wanted = self.select(request.accounts)
        running = self._running
        if running is not None and not running.task.done():
            if wanted <= running.accounts:
                return await asyncio.shield(running.task), True
            await asyncio.wait([running.task])  # then ours, for the accounts it did not cover
        task = asyncio.ensure_future(self._run(wanted, request))
        kill = self.config.kill
        until = kill_bound(request.deadline_s or kill.deadline_s, kill.grace_s)
        self._running = _Running(task, wanted, until)
        return await asyncio.shield(task), False

    async def kill_for_trip(self, config: Config, trip: Trip, accounts: list[str] | None) -> Any:
        """`Watch`'s kill function: alert, kill (warm, joinable), alert the outcome."""
        from botguard.alerts import alert_kill, send_alerts

        reason = f"watch tripped ({trip.rule}): {trip.message}"
        await send_alerts(config, "botguard: watch tripped", reason, kind="trip")
        try:
            report, joined = await self.kill(KillRequest(tuple(accounts or ()), reason=reason))
        except Exception as exc:
            title = f"botguard: KILL FAILED after {trip.rule}"
            await send_alerts(config, title, f"{reason}\n{type(exc).__name__}: {exc}", kind="kill")
            raise
        if not joined:
            await alert_kill(config, report, reason=reason)
        return report

    async def steps(self, poll_s: float = 0.05) -> AsyncIterator[Step]:
        """The running kill's journal steps as they are written, until it ends."""
        running = self._running
        if running is None:
            return
        seen, run_id = 0, ""
        with Journal(self.config.state.dir) as journal:
            while True:
                done = running.task.done()
                if not run_id:
                    run_id = _finished_run(running.task) if done else _running_run(journal)
                for step in journal.steps(run_id)[seen:] if run_id else []:
                    seen += 1
                    yield Step(str(step["action"]), str(step["key"]), str(step["status"]))
                if done:
                    return
                await asyncio.wait([running.task], timeout=poll_s)

    def select(self, names: tuple[str, ...]) -> frozenset[str]:
        """The accounts a request names (all when none); ConfigError for an unknown name."""
        if not names:
            return self._all
        return frozenset(self.config.get_account(n).name for n in names)  # ConfigError: unknown

    async def _run(self, accounts: frozenset[str], request: KillRequest) -> KillReport:
        switch = self._switches.get(accounts)
        if switch is None:
            switch = self._switches[accounts] = supervisor_switch(self.config, sorted(accounts))
        opts: dict[str, Any] = {"flatten": request.flatten, "halt": request.halt}
        if request.deadline_s is not None:
            opts["deadline_s"] = request.deadline_s
        self.unverified.update(dict.fromkeys(accounts, 3))  # until the kill says otherwise
        report = await switch.trigger(request.reason, **opts)
        for result in report.accounts:
            if result.status in SUCCESS:  # flat, or cancelled as --no-flatten asked
                self.unverified.pop(result.account, None)
            else:
                unreachable = result.status is AccountStatus.UNREACHABLE
                self.unverified[result.account] = 3 if unreachable else 1
        return report


def supervisor_switch(config: Config, accounts: list[str] | None = None) -> KillSwitch:
    """A KillSwitch for a process outside the bot: its trigger may stop the bot's unit/pid.

    Trees where KillSwitch takes `inside_bot` (default True: a bot must not signal
    itself) get `inside_bot=False`; the guardian is a supervisor, like `botguard kill`.
    """
    extra: dict[str, Any] = {}
    if "inside_bot" in inspect.signature(KillSwitch).parameters:
        extra["inside_bot"] = False
    return KillSwitch(config, accounts=accounts, **extra)


def _finished_run(task: asyncio.Task[KillReport]) -> str:
    """The run id of a kill that has ended ('' if it failed before reporting)."""
    return "" if task.cancelled() or task.exception() else task.result().run_id


def _running_run(journal: Journal) -> str:
    """The id of the kill run now in progress ('' until it is journaled)."""
    return next((r.id for r in journal.runs("kill") if r.status == "running"), "")
