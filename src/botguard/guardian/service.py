"""`botguard watch` as the resident guardian: warm kill runner, control socket, watchdog."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botguard.config import Config
    from botguard.guardian.runner import WarmKill
    from botguard.kill.interrupt import Busy

logger = logging.getLogger(__name__)


STOP_BOUND_S = 3.0
"""Once no kill runs, a stop has exited within this (README: Stopping the guardian)."""
FLEET_STOP_S = 1.0
"""How long a stop waits for the fleet agent to let go of its NATS connection."""


async def serve(config: Config, busy: list[Busy] | None = None) -> int:
    """Warm the venues, open the socket, watch until stopped; the watch's exit code.

    The socket opens only once the venues are warm, so a `botguard kill` meanwhile
    runs cold rather than waiting on a half-open guardian. `busy` gets the sources a
    stop asks whether a kill still runs (kill.interrupt.StopSignals keeps the bound).
    """
    from botguard.guard.watch import Watch, run_watch
    from botguard.guardian.runner import WarmKill
    from botguard.guardian.server import ControlServer

    runner = WarmKill(config)
    watches: list[Watch] = []  # made once warm: a stop meanwhile has none to close
    if busy is not None:
        busy += [runner.busy_until, lambda: watches[0].kill_until if watches else None]
    server = ControlServer(runner, config.state.dir)
    fleet: asyncio.Task[None] | None = None
    try:
        await runner.warm()
        try:
            await server.start()
        except OSError as exc:  # e.g. a state dir path too long for a Unix socket
            logger.warning("guardian: no control socket (%s); `botguard kill` runs cold", exc)
        if config.fleet is not None:
            fleet = asyncio.create_task(_fleet_agent(config, runner))
        watches.append(Watch(config, kill=runner.kill_for_trip))
        watches[0].settle = runner.settle
        return await run_watch(watches[0])
    finally:
        if fleet is not None:  # a fleet halt it was obeying is the runner's: waited below
            fleet.cancel()
            await asyncio.wait([fleet], timeout=FLEET_STOP_S)
        await server.close()
        await runner.close()


async def _fleet_agent(config: Config, runner: WarmKill) -> None:
    from botguard.fleet.agent import FleetAgent

    await FleetAgent(config, runner).run()
