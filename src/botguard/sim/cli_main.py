"""Serve a sim until SIGINT/SIGTERM, printing its URL first (for `botguard sim`)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from aiohttp import web

from botguard.errors import UsageError
from botguard.sim.server import SimServer


async def serve_forever(server: SimServer, host: str, port: int) -> int:
    """Bind, print `http://HOST:PORT` as stdout's first line (flushed), serve until a signal."""
    runner = web.AppRunner(server.make_app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}; "
            "pick another --port (0 picks a free one) or --host"
        ) from None
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    sys.stdout.write(f"http://{shown}:{bound_port}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0
