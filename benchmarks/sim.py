"""Benchmark `botguard sim`: scenario load time and signed requests per second.

Goals from the issue (the baseline this compares against): a scenario with 20 spot
assets, 100 open orders and 10 futures positions loads in under 1 s, and one sim
process (one core: a single event loop) serves >= 1,000 signed requests/s.

The load is driven from a separate process: plain aiohttp with real HMAC-SHA256
signing (as ccxt does it), and unmodified ccxt binanceusdm for comparison.

    .venv/bin/python benchmarks/sim.py [--seconds 3] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from rich.console import Console
from rich.table import Table

KEY, SECRET = "bench-key", "bench-secret"
SPOT = ["BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "ADA", "TRX", "AVAX", "LINK", "DOT", "POL",
        "LTC", "BCH", "UNI", "ATOM", "XLM", "ETC", "FIL", "APT"]  # fmt: skip
PERPS = ["BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT"]


def scenario_toml() -> str:
    """20 spot assets, 100 resting spot orders, 10 futures positions, as a TOML file."""
    from botguard.sim.catalogue import catalogue_markets

    prices = {m.symbol: m.price for m in catalogue_markets()}
    # Binance's 6,000 weight/minute would refuse a throughput test after a second or so.
    lines = ["[sim.limits]", "weight_per_minute = 1000000000", "", "[[account]]"]
    lines += ['name = "bench"', f'api_key = "{KEY}"', f'secret = "{SECRET}"']
    lines += ["[account.spot]", 'USDT = "100000000"']
    lines += [f'{asset} = "1000000"' for asset in SPOT if asset != "USDT"]
    lines += ["[account.futures]", 'USDT = "10000000"']
    for i in range(100):
        symbol = f"{SPOT[i % 20]}/USDT"
        price = prices[symbol] * 8 / 10
        step = next(m.step_size for m in catalogue_markets() if m.symbol == symbol)
        amount = max(step, (10 / price / step).to_integral_value() * step) * (1 + i // 20)
        tick = next(m.tick_size for m in catalogue_markets() if m.symbol == symbol)
        price = (price / tick).to_integral_value() * tick
        lines += ["[[account.orders]]", f'symbol = "{symbol}"', 'side = "buy"',
                  f'amount = "{amount}"', f'price = "{price}"']  # fmt: skip
    for asset in PERPS:
        symbol = f"{asset}/USDT:USDT"
        lines += ["[[account.positions]]", f'symbol = "{symbol}"', 'side = "long"',
                  'amount = "10"', f'entry_price = "{prices[symbol]}"']  # fmt: skip
    return "\n".join(lines) + "\n"


def time_load(path: Path, runs: int = 20) -> tuple[float, float]:
    """Median and max seconds to parse the file and build the sim's state."""
    from botguard.sim.scenario import load_scenario
    from botguard.sim.server import SimServer

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        server = SimServer(load_scenario(path))
        samples.append(time.perf_counter() - started)
    account = next(iter(server.ex.accounts.values()))
    assert len(account.orders) == 100, len(account.orders)
    assert len(account.positions) == 10
    assert len(account.spot) == 21  # 20 coins + USDT
    return statistics.median(samples), max(samples)


def signed_query(params: dict[str, Any]) -> str:
    query = urlencode({"timestamp": int(time.time() * 1000), **params, "recvWindow": 10000})
    signature = hmac.new(SECRET.encode(), query.encode(), hashlib.sha256).hexdigest()
    return f"{query}&signature={signature}"


async def drive_aiohttp(url: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """Signed GETs (account, openOrders, positionRisk) from `concurrency` workers."""
    import aiohttp

    paths = [("/api/v3/account", {}), ("/fapi/v1/openOrders", {"symbol": "BTCUSDT"}),
             ("/fapi/v3/positionRisk", {})]  # fmt: skip
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal errors
        i = n
        while time.perf_counter() < deadline:
            path, params = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            async with session.get(f"{url}{path}?{signed_query(params)}",
                                   headers={"X-MBX-APIKEY": KEY}) as response:  # fmt: skip
                await response.read()
                errors += response.status != 200
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session, n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    return summarize(latencies, elapsed, errors)


async def drive_ccxt(url: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """Unmodified ccxt binanceusdm: fetch_open_orders(BTC) from `concurrency` tasks."""
    import ccxt.async_support as ccxt_async

    from botguard.venues.connect import rebase_urls

    ex = ccxt_async.binanceusdm({"apiKey": KEY, "secret": SECRET, "enableRateLimit": False,
                                 "options": {"fetchCurrencies": False}})  # fmt: skip
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    try:
        await ex.load_markets()

        async def worker() -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                await ex.fetch_open_orders("BTC/USDT:USDT")
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await ex.close()
    return summarize(latencies, elapsed, 0)


def summarize(latencies: list[float], elapsed: float, errors: int) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered), "rps": len(ordered) / elapsed, "errors": errors,
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99)] * 1000,
    }  # fmt: skip


def client_main(url: str, seconds: float, concurrency: int, which: str) -> None:
    """Run one load driver (in its own process) and print its result as TOML."""
    driver = drive_aiohttp if which == "aiohttp" else drive_ccxt
    result = asyncio.run(driver(url, seconds, concurrency))
    print("\n".join(f"{k} = {v!r}" for k, v in result.items()))


def run_client(url: str, seconds: float, concurrency: int, which: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--client", which, "--url", url, "--seconds", str(seconds),
         "--concurrency", str(concurrency)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return tomllib.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--client", choices=["aiohttp", "ccxt"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.client:
        client_main(args.url, args.seconds, args.concurrency, args.client)
        return
    console = Console(width=150)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toml"
        path.write_text(scenario_toml())
        load_median, load_max = time_load(path)
        server = subprocess.Popen(
            [sys.executable, "-m", "botguard", "sim", "--port", "0", "--scenario", str(path)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            raw = run_client(url, args.seconds, args.concurrency, "aiohttp")
            via_ccxt = run_client(url, args.seconds, args.concurrency, "ccxt")
        finally:
            server.terminate()
            server.wait(timeout=10)
    table = Table(title="botguard sim: one server process (one core), client in another process")
    for column in ("measure", "result", "goal (issue 3)", "met"):
        table.add_column(column)
    table.add_row("scenario load (20 assets, 100 orders, 10 positions), median of 20",
                  f"{load_median * 1000:.1f} ms (max {load_max * 1000:.1f} ms)", "< 1000 ms",
                  "yes" if load_max < 1 else "NO")  # fmt: skip
    for name, result in (("aiohttp + HMAC client", raw), ("ccxt binanceusdm client", via_ccxt)):
        table.add_row(
            f"signed req/s, {name}, {args.concurrency} concurrent",
            f"{result['rps']:.0f} req/s (p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, {result['requests']} req, "
            f"{result['errors']} errors)",
            ">= 1000 req/s",
            "yes" if result["rps"] >= 1000 and not result["errors"] else "NO",
        )
    console.print(table)


if __name__ == "__main__":
    main()
