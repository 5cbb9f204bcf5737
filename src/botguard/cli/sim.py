"""`botguard sim`: Run the local simulated exchange (Binance, OKX, Bybit: spot + USDT perps)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError

MAX_DELAY_MS = 60_000.0
"""The longest added latency or jitter: a minute already outlasts every client's timeout,
and 1e308 ms was accepted and then held every request for ever."""


@app.command("sim")
def sim_command(  # noqa: PLR0913 - one parameter per documented flag
    config: ConfigOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless you say so.")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option(help="Port to listen on (botguard.toml's base_url); 0 picks a free one.")
    ] = 8899,
    scenario: Annotated[
        Path | None,
        typer.Option(help="Scenario file (TOML or JSON); default: the built-in demo."),
    ] = None,
    latency_ms: Annotated[
        float, typer.Option(help="Added latency per request (ms, up to 60000).")
    ] = 0,
    jitter_ms: Annotated[
        float, typer.Option(help="Random +/- latency per request (ms, up to 60000).")
    ] = 0,
    faults: Annotated[
        str | None,
        typer.Option(help="Faults, e.g. 'POST /fapi/v1/order:p=0.2:503' (see examples/)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for faults and jitter.")] = None,
) -> int:
    """Run the local simulated exchange (Binance, OKX, Bybit: spot + USDT perps).

    Prints the base URL on the first line of stdout, then serves until SIGINT/SIGTERM.
    """
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: expected 0..65535 (0 picks a free port)")
    _check_ms("--latency-ms", latency_ms)
    _check_ms("--jitter-ms", jitter_ms)
    import asyncio

    from botguard.sim.cli_main import serve_forever
    from botguard.sim.scenario import load_scenario
    from botguard.sim.server import SimServer

    server = SimServer(
        load_scenario(scenario), latency_ms=latency_ms, jitter_ms=jitter_ms, faults=faults,
        seed=seed,
    )  # fmt: skip
    return asyncio.run(serve_forever(server, host, port))


def _check_ms(flag: str, value: float) -> None:
    """A UsageError unless `value` is a delay the sim can serve (also refuses nan)."""
    if not 0 <= value <= MAX_DELAY_MS:
        raise UsageError(
            f"{flag} {value:g}: expected milliseconds from 0 to {MAX_DELAY_MS:g} "
            "(a delay past that outlasts every client's timeout)"
        )
