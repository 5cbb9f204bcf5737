"""`botguard watch` as the resident guardian: warm kill runner, control socket, watchdog."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botguard.config import Config
    from botguard.guardian.runner import WarmKill

logger = logging.getLogger(__name__)


async def serve(config: Config) -> int:
    """Warm the venues, open the socket, watch until stopped; the watch's exit code.

    The socket opens only once the venues are warm, so a `botguard kill` meanwhile
    runs cold rather than waiting on a half-open guardian.
    """
    from botguard.guard.watch import Watch, run_watch
    from botguard.guardian.runner import WarmKill
    from botguard.guardian.server import ControlServer

    runner = WarmKill(config)
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
        return await run_watch(Watch(config, kill=runner.kill_for_trip))
    finally:
        if fleet is not None:
            fleet.cancel()
            await asyncio.gather(fleet, return_exceptions=True)
        await server.close()
        await runner.close()


async def _fleet_agent(config: Config, runner: WarmKill) -> None:
    from botguard.fleet.agent import FleetAgent

    await FleetAgent(config, runner).run()
