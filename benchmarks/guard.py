"""The guard's pre-trade check next to the ccxt call it guards; and trip-to-flat time.

Part 1, per order, median and p99 over 100,000 orders (one process, one run):
- the guard's pre-trade check (intent, client id, every rule, halt-flag stat);
- the whole guarded `create_order` wrapper with the network call replaced by a
  stub that returns the sim's answer (check + bookkeeping of the answer);
- the baseline: what ccxt itself spends on the same order before the network,
  building the request and signing it (`create_order_request` + `sign`), with
  markets loaded from a `botguard sim`.

Part 2: from a trip condition appearing on the sim (a price crash under a long
position) to the account verified flat, with `botguard watch` polling every
`poll_s`, next to one poll interval plus the kill time.

usage: .venv/bin/python benchmarks/guard.py [--orders N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ccxt
from rich.console import Console
from rich.table import Table

import botguard
from botguard.config import parse_config
from botguard.guard import guard_of
from botguard.guard.wiring import Translator
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim
from botguard.venues.connect import rebase_urls

BTC = "BTC/USDT:USDT"
KEY, SECRET = CANARIES["BOTGUARD_CANARY_API_KEY"], CANARIES["BOTGUARD_CANARY_SECRET"]
SCENARIO = {
    "account": [{"name": "main", "api_key": KEY, "secret": SECRET, "futures": {"USDT": 1_000_000}}],
    "prices": {BTC: 20_000},
}
LIMITS = {
    "symbols": [BTC, "ETH/USDT:USDT"],
    "max_order_notional": 1_000_000,
    "max_position_notional": 10_000_000,
    "max_total_notional": 20_000_000,
    "max_open_orders": 1_000,
    "max_orders_per_second": 1e9,
    "max_orders_per_minute": 1e9,
    "price_band_pct": 5,
    "max_daily_loss": 1_000_000,
}


def config_for(state_dir: Path, url: str, guard: dict[str, Any]) -> Any:
    raw = {
        "bot": {"name": "bench"},
        "state": {"dir": str(state_dir)},
        "account": [
            {"name": "main", "exchange": "binanceusdm", "api_key": "env:BOTGUARD_CANARY_API_KEY",
             "secret": "env:BOTGUARD_CANARY_SECRET", "markets": ["swap"], "base_url": url}
        ],
        "guard": guard,
    }  # fmt: skip
    return parse_config(raw, path=state_dir / "botguard.toml")


def timed(n: int, call: Callable[[int], object]) -> list[float]:
    """Microseconds per call, measured call by call."""
    out = []
    clock = time.perf_counter_ns
    for i in range(n):
        started = clock()
        call(i)
        out.append((clock() - started) / 1000)
    return out


def row(table: Table, label: str, samples: list[float]) -> None:
    samples.sort()
    p99 = samples[int(len(samples) * 0.99)]
    table.add_row(label, f"{statistics.median(samples):.2f}", f"{p99:.2f}", f"{len(samples):,}")


def exchange_on(url: str) -> Any:
    ex = ccxt.binanceusdm({"apiKey": KEY, "secret": SECRET})
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    ex.load_markets()
    ex.fetch_ticker(BTC)
    return ex


def part_one(n: int, state_dir: Path) -> Table:
    table = Table(title=f"Pre-trade check vs the ccxt call it guards ({n:,} orders)")
    for column in ("per order", "median µs", "p99 µs", "orders"):
        table.add_column(column, justify="left" if column == "per order" else "right")
    with run_sim(SCENARIO) as sim:
        config = config_for(state_dir, sim.url, LIMITS)
        ex = exchange_on(sim.url)
        answer = ex.create_order(BTC, "limit", "buy", 0.001, 19_000)
        botguard.guard(ex, config, on_trip=lambda trip: None)
        ex.fetch_ticker(BTC)
        t = Translator(guard_of(ex))

        def check(i: int) -> None:
            intent = t.intent(BTC, "limit", "buy", 0.001, 19_900 + i % 100, None, required=True)
            assert intent is not None
            t.stamp(None)
            t.engine.settle(t.engine.admit([(intent, True)]))  # check, reserve, answer

        row(table, "guard: pre-trade check", timed(n, check))

        stubbed = exchange_on(sim.url)
        stubbed.create_order = lambda *args: {**answer, "id": str(args), "status": "closed"}
        botguard.guard(stubbed, config, on_trip=lambda trip: None)
        stubbed.fetch_ticker(BTC)
        row(
            table,
            "guard: whole wrapper, network stubbed",
            timed(n, lambda i: stubbed.create_order(BTC, "limit", "buy", 0.001, 19_900 + i % 100)),
        )

        raw = exchange_on(sim.url)

        def build_and_sign(i: int) -> None:
            request = raw.create_order_request(BTC, "limit", "buy", 0.001, 19_900 + i % 100, {})
            raw.sign("order", ["fapiPrivate"], "POST", request)

        row(table, "ccxt: build + sign create_order (baseline)", timed(n, build_and_sign))
        raw.enableRateLimit = False  # ccxt would otherwise wait 4 x 50 ms per order
        network = timed(50, lambda i: raw.create_order(BTC, "limit", "buy", 0.001, 19_000))
        row(table, "ccxt: create_order to the sim (loopback HTTP)", network)
    return table


async def one_trip(state_dir: Path, poll_s: float) -> dict[str, float]:
    """Crash the price under a long position; time until the kill reports flat."""
    from botguard.guard.watch import Watch, _default_kill, run_watch
    from botguard.testing.sim import start_sim

    scenario: dict[str, Any] = {**SCENARIO, "account": [{**SCENARIO["account"][0], "positions": [
        {"symbol": BTC, "side": "long", "amount": 10, "entry_price": 20_000}]}]}  # fmt: skip
    marks: dict[str, float] = {}

    async def timed_kill(config: Any, trip: Any, accounts: list[str] | None) -> Any:
        marks["kill_start"] = time.monotonic()
        report = await _default_kill(config, trip, accounts)
        marks["kill_end"] = time.monotonic()
        marks["exit_code"] = report.exit_code
        return report

    async with start_sim(scenario) as sim:
        guard = {"max_drawdown_pct": 1, "poll_s": poll_s, "dead_man_s": None}
        config = config_for(state_dir, sim.url, guard)
        task = asyncio.create_task(run_watch(Watch(config, kill=timed_kill)))
        await asyncio.sleep(poll_s * 2.5)  # a couple of polls: the peak is known
        marks["crash"] = time.monotonic()
        sim.set_prices({BTC: 18_000})  # -20,000 on 1,000,000 of equity: -2 %
        give_up = time.monotonic() + 120
        while "kill_end" not in marks or "flat_seen" not in marks:
            if time.monotonic() > give_up:
                raise RuntimeError("no trip within 120 s: the watchdog did not see the crash")
            await asyncio.sleep(0.01)
            if not sim.state()["accounts"]["main"]["positions"] and "flat_seen" not in marks:
                marks["flat_seen"] = time.monotonic()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return marks


async def part_two(state_dir: Path, poll_s: float = 2.0, runs: int = 3) -> Table:
    table = Table(title=f"Trip condition on the sim -> account verified flat (poll_s {poll_s:g})")
    for column in ("run", "detect s", "kill s", "trip -> verified flat s", "poll_s + kill s",
                   "within bound", "kill exit"):  # fmt: skip
        table.add_column(column, justify="right")
    for run in range(1, runs + 1):
        m = await one_trip(state_dir / str(run), poll_s)
        detect, kill = m["kill_start"] - m["crash"], m["kill_end"] - m["kill_start"]
        total = m["kill_end"] - m["crash"]
        table.add_row(
            str(run), f"{detect:.2f}", f"{kill:.2f}", f"{total:.2f}", f"{poll_s + kill:.2f}",
            "yes" if total <= poll_s + kill else "NO", str(int(m["exit_code"])),
        )  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    args = parser.parse_args()
    for name, value in CANARIES.items():
        os.environ.setdefault(name, value)
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        console.print(part_one(args.orders, Path(tmp) / "one"))
        console.print(asyncio.run(part_two(Path(tmp) / "two")))


if __name__ == "__main__":
    main()
