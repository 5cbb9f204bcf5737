"""The kill switch: halt, cancel, flatten, verify.

Light to import (no ccxt here): `botguard.kill(config)` and a bot's `KillSwitch` load
the exchange code when they first run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botguard.kill.report import KillReport
from botguard.secrets.logging import LogRedaction, attach_redaction

if TYPE_CHECKING:
    from botguard.config import Config
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
) -> KillReport:
    """Halt the bot, cancel every order, flatten, verify flat; journaled in the state dir."""
    from botguard.kill.run import kill_config

    opts = {"dry_run": dry_run, "flatten": flatten, "halt": halt,
            "deadline_s": deadline_s, "reason": reason}  # fmt: skip
    return await kill_config(config, accounts=accounts, opts=opts)


class KillSwitch:
    """A kill switch a bot keeps ready: own ccxt instances opened and markets loaded early.

    While open, the bot's log handlers write through the redactor (attach_redaction).

    ks = KillSwitch(config)
    await ks.open()            # at bot start-up
    ...
    report = await ks.trigger("drawdown")
    await ks.close()
    """

    _log_redaction = LogRedaction.released()

    def __init__(self, config: Config, *, accounts: Sequence[str] | None = None) -> None:
        self.config = config
        self.accounts = accounts
        self._venues: list[Venue] | None = None

    async def open(self) -> None:
        """Open the venues and load (cached) markets now, so a trigger only trades."""
        from botguard.kill.run import open_venues, select_accounts

        if self._venues is None:
            self._log_redaction = attach_redaction()  # a guest's: undone by close()
            accts = select_accounts(self.config, self.accounts)
            self._venues = await open_venues(self.config, accts)

    async def trigger(self, reason: str, **opts: Any) -> KillReport:
        """Run the kill now on the pre-opened venues."""
        from botguard.kill.run import run_kill

        await self.open()
        if self._venues is None:  # pragma: no cover - open() sets it
            raise RuntimeError("KillSwitch could not open its venues")
        full = {"dry_run": False, "flatten": True, "halt": True, "deadline_s": None,
                "reason": reason, **opts}  # fmt: skip
        return await run_kill(self.config, self._venues, opts=full)

    async def close(self) -> None:
        """Close the venues' HTTP sessions."""
        for venue in self._venues or []:
            await venue.close()
        self._venues = None
        self._log_redaction.uninstall()

    async def __aenter__(self) -> KillSwitch:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["KillReport", "KillSwitch", "kill"]
