"""`botguard watch`: the watchdog beside the bot; trips the kill switch on anomalies."""

from __future__ import annotations

from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import ConfigError


@app.command("watch")
def watch_command(
    config: ConfigOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Poll a single time and exit (for cron and tests).")
    ] = False,
) -> int:
    """Watchdog beside the bot: trip the kill switch on anomalies.

    Exit codes with --once: 0 nothing found, 1 tripped (the kill switch ran),
    3 an account could not be read.
    """
    import asyncio
    import signal

    from botguard.config import load_config, make_state_dir
    from botguard.guard.watch import Watch, run_watch

    loaded = load_config(config)
    if not loaded.account:
        raise ConfigError(f"{loaded.path}: no [[account]] to watch; add one")
    make_state_dir(loaded.state.dir)  # a trip halts and journals there: refuse a bad one now
    if loaded.fleet is not None and not once:
        from botguard.fleet.channel import require_nats

        require_nats()

    async def main() -> int:
        # SIGTERM and SIGINT (every time, not only the first) cancel the main task; a
        # trip's kill is shielded from it (guard.watch.run_to_end) and finishes first
        task = asyncio.current_task()
        if task is not None:
            for signum in (signal.SIGTERM, signal.SIGINT):
                asyncio.get_running_loop().add_signal_handler(signum, task.cancel)
        if once:
            return await run_watch(Watch(loaded), once=True)
        from botguard.guardian.service import serve

        return await serve(loaded)

    return asyncio.run(main())
