"""The kill switch: halt, cancel, flatten, verify.

Light to import (no ccxt, no report here): `import botguard` binds `kill` eagerly, and
`botguard kill` starts there, so `botguard.kill(config)` and a bot's `KillSwitch` load
the exchange code and the report when they first run. Options are keyword-only everywhere, so a
misspelt one is a TypeError, never a silently different kill.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botguard.kill.options import KillOptions
from botguard.secrets.logging import LogRedaction, attach_redaction

if TYPE_CHECKING:
    from botguard.config import Config
    from botguard.kill.report import KillReport
    from botguard.venues.base import Venue


async def kill(  # noqa: PLR0913 - the public signature DESIGN.md fixes
    config: Config,
    *,
    accounts: Sequence[str] | None = None,
    dry_run: bool = False,
    flatten: bool = True,
    halt: bool = True,
    deadline_s: float | None = None,
    reason: str = "manual",
    inside_bot: bool = False,
) -> KillReport:
    """Halt the bot, cancel every order, flatten, verify flat; journaled in the state dir.

    `inside_bot=True` when called from the bot's own process (a guard trip): its own pid
    in the pid file is then halted by the flag, not signalled.
    """
    from botguard.kill.run import kill_config

    options = KillOptions(reason=reason, dry_run=dry_run, flatten=flatten, halt=halt,
                          deadline_s=deadline_s, inside_bot=inside_bot)  # fmt: skip
    return await kill_config(config, accounts=accounts, options=options)


class KillSwitch:
    """A kill switch a bot keeps ready: own ccxt instances opened and markets loaded early.

    While open, the bot's log handlers write through the redactor (attach_redaction).

    ks = KillSwitch(config)
    await ks.open()            # at bot start-up
    ...
    report = await ks.trigger("drawdown")
    await ks.close()

    It runs inside the bot (`inside_bot=True`), so a trigger never signals the bot's own
    pid: the halt flag (which the guard and `botguard run` honour) halts it. A supervisor
    outside the bot passes `inside_bot=False`.
    """

    _log_redaction = LogRedaction.released()

    def __init__(
        self, config: Config, *, accounts: Sequence[str] | None = None, inside_bot: bool = True
    ) -> None:
        self.config = config
        self.accounts = accounts
        self.inside_bot = inside_bot
        self._venues: dict[str, Venue] = {}

    async def open(self) -> None:
        """Open the venues and load (cached) markets now, so a trigger only trades."""
        from botguard.kill.run import open_venues, select_accounts

        if not self._venues:
            self._log_redaction.uninstall()  # at most one handle per switch
            self._log_redaction = attach_redaction()  # a guest's: undone by close()
            accts = select_accounts(self.config, self.accounts)
            venues = await open_venues(self.config, accts)
            self._venues = {a.name: v for a, v in zip(accts, venues, strict=True)}

    async def trigger(
        self,
        reason: str,
        *,
        dry_run: bool = False,
        flatten: bool = True,
        halt: bool = True,
        deadline_s: float | None = None,
    ) -> KillReport:
        """Halt first, then kill on the pre-opened venues (opening any that are not yet)."""
        from botguard.kill.run import run_kill, select_accounts

        options = KillOptions(reason=reason, dry_run=dry_run, flatten=flatten, halt=halt,
                              deadline_s=deadline_s, inside_bot=self.inside_bot)  # fmt: skip
        accounts = select_accounts(self.config, self.accounts)
        return await run_kill(self.config, accounts, options=options, venues=self._venues)

    async def close(self) -> None:
        """Close the venues' HTTP sessions."""
        for venue in self._venues.values():
            await venue.close()
        self._venues = {}
        self._log_redaction.uninstall()

    async def __aenter__(self) -> KillSwitch:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["KillOptions", "KillReport", "KillSwitch", "kill"]


def __getattr__(name: str) -> Any:
    """KillReport on first use (its module imports the whole kill: plan, execute, verify)."""
    if name == "KillReport":
        from botguard.kill.report import KillReport

        return KillReport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
