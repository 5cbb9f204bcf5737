"""Run `botguard sim` inside this process: in a background thread, or in the running loop.

The drill and the demo serve their sim this way (a product feature, so it lives here,
not in botguard.testing, which re-exports it for bot authors' tests):

    with run_sim() as sim:                      # sync tests, or a bot in another loop
        exchange.urls["api"] = rebase(exchange.urls["api"], sim.url)
        ...
        assert sim.state()["accounts"]["demo"]["open_orders"] == []

    async with start_sim(scenario) as sim:      # async tests: the server shares your loop
        ...

The handle's helpers read the same data the loopback-only `/_sim/*` endpoints serve.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

__all__ = ["SimHandle", "run_sim", "start_sim"]

ScenarioSource = Mapping[str, Any] | Path | None


class SimHandle:
    """A running sim: its base URL plus helpers for its admin endpoints."""

    def __init__(self, url: str, server: Any, *, in_loop: bool) -> None:
        self.url = url
        """Base URL, "http://127.0.0.1:PORT"; point every ccxt `urls['api']` entry here."""
        self.server = server
        """The `botguard.sim.server.SimServer` (for advanced tests; prefer the helpers)."""
        self._in_loop = in_loop

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        if self._in_loop:
            return self._admin_direct(method, path, body)
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)  # noqa: S310
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                detail = json.loads(exc.read() or b"{}").get("error", exc.reason)
            raise ValueError(f"sim {method} {path}: {detail}") from None

    def _admin_direct(self, method: str, path: str, body: Any) -> Any:
        """In the sim's own loop a blocking HTTP call would deadlock: read it directly."""
        from botguard.sim import admin

        if path == "/_sim/state":
            result: Any = admin.state(self.server.ex)
        elif path == "/_sim/log" and method == "GET":
            result = list(self.server.log)
        elif path == "/_sim/log":
            self.server.log.clear()
            result = {"cleared": True}
        else:
            try:
                updates = admin.parse_prices(self.server.ex, body)
            except ValueError as exc:
                raise ValueError(f"sim {method} {path}: {exc}") from None
            admin.move_prices(self.server.ex, updates)
            result = {}
        return json.loads(json.dumps(result))

    def state(self) -> dict[str, Any]:
        """GET /_sim/state: prices and every account's balances, orders and positions."""
        result: dict[str, Any] = self._admin("GET", "/_sim/state")
        return result

    def log(self) -> list[dict[str, Any]]:
        """GET /_sim/log: every request (method, path, key, status, ms, ts, code, fault...)."""
        result: list[dict[str, Any]] = self._admin("GET", "/_sim/log")
        return result

    def set_prices(self, prices: Mapping[str, str | float]) -> None:
        """POST /_sim/prices with ccxt symbols ("BTC/USDT", "BTC/USDT:USDT").

        Resting limit orders the new price crosses fill, and triggered conditional
        orders fire. An unknown symbol or a price <= 0 raises ValueError.
        """
        self._admin("POST", "/_sim/prices", {k: str(v) for k, v in prices.items()})

    def clear_log(self) -> None:
        """DELETE /_sim/log."""
        self._admin("DELETE", "/_sim/log")


def _build(
    scenario: ScenarioSource, latency_ms: float, jitter_ms: float, faults: str | None, seed: int
) -> Any:
    from botguard.sim.scenario import load_scenario
    from botguard.sim.server import SimServer

    return SimServer(
        load_scenario(scenario), latency_ms=latency_ms, jitter_ms=jitter_ms, faults=faults,
        seed=seed,
    )  # fmt: skip


async def _serve(server: Any, host: str = "127.0.0.1", port: int = 0) -> tuple[Any, str]:
    from aiohttp import web

    runner = web.AppRunner(server.make_app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = runner.addresses
    bound_port = sockets[0][1]
    return runner, f"http://{host}:{bound_port}"


@asynccontextmanager
async def start_sim(
    scenario: ScenarioSource = None,
    *,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    faults: str | None = None,
    seed: int = 0,
) -> AsyncIterator[SimHandle]:
    """Serve a sim on a free loopback port in the running event loop."""
    server = _build(scenario, latency_ms, jitter_ms, faults, seed)
    runner, url = await _serve(server)
    try:
        yield SimHandle(url, server, in_loop=True)
    finally:
        await runner.cleanup()


@contextmanager
def run_sim(
    scenario: ScenarioSource = None,
    *,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    faults: str | None = None,
    seed: int = 0,
) -> Iterator[SimHandle]:
    """Serve a sim on a free loopback port from a background thread with its own loop."""
    server = _build(scenario, latency_ms, jitter_ms, faults, seed)
    loop = asyncio.new_event_loop()
    ready: dict[str, Any] = {}
    started = threading.Event()

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            ready["runner"], ready["url"] = loop.run_until_complete(_serve(server))
        except BaseException as exc:
            ready["error"] = exc
        started.set()
        if "error" not in ready:
            loop.run_forever()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=main, name="botguard-sim", daemon=True)
    thread.start()
    started.wait()
    if "error" in ready:
        thread.join()
        raise ready["error"]
    try:
        yield SimHandle(ready["url"], server, in_loop=False)
    finally:
        asyncio.run_coroutine_threadsafe(ready["runner"].cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
