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
        from botguard.guardian.service import STOP_BOUND_S
        from botguard.kill.interrupt import StopSignals, cancel_soon

        # SIGTERM or SIGINT: stop polling now and exit within STOP_BOUND_S, but only
        # once no kill runs (a trip's kill is shielded by guard.watch.run_to_end); a
        # second one exits at once, saying what the kill left
        task = asyncio.current_task()
        assert task is not None  # noqa: S101 - asyncio.run's own task
        signals = StopSignals(loaded.state.dir, busy=[], first=cancel_soon(
            asyncio.get_running_loop(), task), bound_s=STOP_BOUND_S).install()  # fmt: skip
        try:
            if once:
                watch = Watch(loaded)
                signals.busy.append(lambda: watch.kill_until)
                return await run_watch(watch, once=True)
            from botguard.guardian.service import serve

            return await serve(loaded, signals.busy)
        except asyncio.CancelledError:
            if not signals.signals:
                raise
            return 0  # stopped while warming up, before any watching (nothing to disarm)
        finally:
            signals.close()

    return asyncio.run(main())
