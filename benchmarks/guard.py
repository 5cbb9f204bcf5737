"""The guard's pre-trade check next to the ccxt call it guards; and trip-to-flat time.

Part 1, per order, median, p99 and p99.9 over 100,000 orders, before and after in
one run: "before" is botguard's src/ as of --baseline (extracted with `git archive`
into a temp dir), "after" is this tree; each side runs in subprocesses with their
own sim, the same worker code and their own ccxt baseline, four workers a side
alternating (before, after, before, ...) so the machine's load falls on both alike:
- the guard's pre-trade check (intent, client id, every rule, halt-flag stat);
- the whole guarded `create_order` wrapper with the network call replaced by a
  stub that returns the sim's answer with a fresh id (check + bookkeeping of the
  answer); the stub alone is a row of its own;
- the baseline: what ccxt itself spends on the same order before the network,
  building the request and signing it (`create_order_request` + `sign`), with
  markets loaded from a `botguard sim`.

Part 2: from a trip condition appearing on the sim (a price crash under a long
position) to the account verified flat, with `botguard watch` polling every
`poll_s`, next to one poll interval plus the kill time.

usage: .venv/bin/python benchmarks/guard.py [--orders N] [--baseline REV] [--no-trip]
"""

from __future__ import annotations

import argparse
import array
import asyncio
import gc
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
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

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "a3d8227"
"""main before the guard's third round of tail work (issue 18): each rule's pass condition
inline, create_order's one-order path, the halt flag by a C call (e721a61 was before
the second round, e921dcf before the first)."""
BTC = "BTC/USDT:USDT"
WRAPPER = "guard: whole wrapper, network stubbed"
CCXT = "ccxt: build + sign create_order (baseline)"
FAULTED = "faulted"
CPU_WRAPPER = "CPU time: whole wrapper (thread clock)"
CPU_CCXT = "CPU time: ccxt build + sign (thread clock)"
TAIL = "tail evidence"
"""Worker key: [GC passes during the timed wrapper calls, memory blocks kept per order
(untimed pass), median µs of a bare halt-flag access(2)]: what could be the tail, counted."""
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
    """Microseconds per call, measured call by call.

    The nanoseconds go into an array allocated (and its pages touched) before the first
    call: a list of fresh floats took a new page about every 126 samples, a minor fault
    charged to whichever call was being timed, about 0.8 % of them: the p99 region.
    """
    out = array.array("q", bytes(8 * n))
    clock = time.perf_counter_ns
    for i in range(n):
        started = clock()
        call(i)
        out[i] = clock() - started
    return [ns / 1000 for ns in out]


def cpu_timed(n: int, call: Callable[[int], object]) -> list[float]:
    """CPU microseconds per call (this thread's CPU clock, minus the clock's own cost):
    time the worker spent descheduled on a loaded machine is not in it, so the tail is
    the code's own. The clock is a system call (~0.7 µs), read between calls."""
    out = array.array("q", bytes(8 * n))
    clock = time.thread_time_ns
    empty = sorted(-clock() + clock() for _ in range(1001))[500]
    for i in range(n):
        started = clock()
        call(i)
        out[i] = clock() - started - empty
    return [ns / 1000 for ns in out]


def faulting(n: int, call: Callable[[int], object]) -> int:
    """How many of n calls took a minor page fault (getrusage around each; not timed).

    A fault (a fresh page: 1-3 µs here) is the one cost in the tail that the load of a
    shared machine can neither fake nor hide: it counts the same on a busy box.
    """
    usage, me = resource.getrusage, resource.RUSAGE_SELF
    hit = 0
    for i in range(n):
        before = usage(me).ru_minflt
        call(i)
        hit += usage(me).ru_minflt > before
    return hit


def gc_passes() -> int:
    """Garbage collections so far, every generation (the gc module's own counters): a
    pass landing inside an order would be charged to it."""
    return sum(generation["collections"] for generation in gc.get_stats())


def halt_flag_cost(config: Any) -> float:
    """Median µs of one bare access(2) on the halt flag's path: the per-order syscall the
    guard keeps (a halt from another process counts on the next order), on its own."""
    from botguard.halt import halt_flag_path

    path, ok = str(halt_flag_path(config.state.dir)), os.F_OK
    return statistics.median(timed(20_001, lambda i: os.access(path, ok)))


def adjacent_share(samples: list[float]) -> float:
    """Of the orders at or above the p99, the share next to another such order (in the
    order they ran). Code costs (a GC pass, a fault) land on single orders; a machine
    shared with other work slows a run of orders in a row."""
    cut = sorted(samples)[int(len(samples) * 0.99)]
    slow = [i for i, v in enumerate(samples) if v >= cut]
    marked = set(slow)
    return sum(1 for i in slow if i - 1 in marked or i + 1 in marked) / max(len(slow), 1)


def stats(samples: list[float]) -> list[float]:
    """Median, p99 and p99.9 of per-call microseconds."""
    samples.sort()
    n = len(samples)
    return [statistics.median(samples), samples[int(n * 0.99)], samples[int(n * 0.999)], n]


def exchange_on(url: str) -> Any:
    ex = ccxt.binanceusdm({"apiKey": KEY, "secret": SECRET})
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    ex.load_markets()
    ex.fetch_ticker(BTC)
    return ex


def worker(n: int, state_dir: Path) -> dict[str, list[float]]:
    """Part 1 against whichever botguard this interpreter imports: label -> samples; and
    under FAULTED, how many orders took a page fault on a fresh guard (untimed pass)."""
    out: dict[str, list[float]] = {}
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

        out["guard: pre-trade check"] = timed(n, check)
        ids = itertools.count(1)

        def stub(*args: Any) -> dict[str, Any]:
            return {**answer, "id": str(next(ids)), "status": "closed"}

        out["the network stub alone (inside the next row)"] = timed(
            n, lambda i: stub(BTC, "limit", "buy", 0.001, 19_900 + i % 100, {})
        )
        stubbed = exchange_on(sim.url)
        stubbed.create_order = stub
        botguard.guard(stubbed, config, on_trip=lambda trip: None)
        stubbed.fetch_ticker(BTC)
        collections = gc_passes()
        out[WRAPPER] = timed(
            n, lambda i: stubbed.create_order(BTC, "limit", "buy", 0.001, 19_900 + i % 100)
        )
        passes = float(gc_passes() - collections)
        raw = exchange_on(sim.url)

        def build_and_sign(i: int) -> None:
            request = raw.create_order_request(BTC, "limit", "buy", 0.001, 19_900 + i % 100, {})
            raw.sign("order", ["fapiPrivate"], "POST", request)

        out[CCXT] = timed(n, build_and_sign)
        wrapper = lambda i: stubbed.create_order(BTC, "limit", "buy", 0.001, 19_900 + i % 100)  # noqa: E731
        out[CPU_WRAPPER] = cpu_timed(n, wrapper)
        out[CPU_CCXT] = cpu_timed(n, build_and_sign)
        fresh = exchange_on(sim.url)
        fresh.create_order = stub
        botguard.guard(fresh, config, on_trip=lambda trip: None)
        fresh.fetch_ticker(BTC)
        place = lambda i: fresh.create_order(BTC, "limit", "buy", 0.001, 19_900 + i % 100)  # noqa: E731
        blocks = sys.getallocatedblocks()
        out[FAULTED] = [float(faulting(n, place))]
        kept = (sys.getallocatedblocks() - blocks) / n  # the same untimed pass
        out[TAIL] = [passes, kept, halt_flag_cost(config)]
        raw.enableRateLimit = False  # ccxt would otherwise wait 4 x 50 ms per order
        network = timed(50, lambda i: raw.create_order(BTC, "limit", "buy", 0.001, 19_000))
        out["ccxt: create_order to the sim (loopback HTTP)"] = network
    return out


def baseline_src(work: Path, rev: str) -> Path:
    """botguard's src/ as of `rev`, extracted with `git archive` (as benchmarks/scan.py)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    )
    dest = work / "baseline"
    dest.mkdir()
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / "src"


def run_worker(n: int, work: Path, src: Path) -> dict[str, list[float]]:
    """One side of part 1 in a fresh interpreter that imports botguard from `src`."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", str(work), "--orders", str(n)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"benchmark worker failed: {proc.stderr[-2000:]}")
    loaded, result = proc.stdout.strip().splitlines()[-2:]
    if not loaded.startswith(str(src)):
        sys.exit(f"the worker imported botguard from {loaded}, not {src}")
    data: dict[str, list[float]] = json.loads(result)
    return data


def part_one(n: int, work: Path, rev: str, rounds: int = 4) -> tuple[Table, Table, str]:
    """Before and after alternate in `rounds` workers each (n / rounds orders a worker),
    so a load spike from elsewhere on the machine falls on both sides alike."""
    srcs = {"before": baseline_src(work, rev), "after": ROOT / "src"}
    samples: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    tails: dict[str, list[list[float]]] = {"before": [], "after": []}
    for r in range(rounds):
        for side, src in srcs.items():
            got = run_worker(n // rounds, work / f"{side}{r}", src)
            tails[side].append(got.pop(TAIL))
            for label, values in got.items():
                samples[side].setdefault(label, []).extend(values)
    faulted = {side: sum(samples[side].pop(FAULTED)) / n for side in samples}
    adjacent = {side: adjacent_share(samples[side][WRAPPER]) for side in samples}
    before = {label: stats(v) for label, v in samples["before"].items()}
    after = {label: stats(v) for label, v in samples["after"].items()}
    table = Table(
        title=f"Per order, µs: before (@{rev}) and after, {n:,} orders each "
        f"({rounds} alternating workers a side)"
    )
    table.add_column("per order")
    for side in ("before", "after"):
        for stat in ("median", "p99", "p99.9"):
            table.add_column(f"{side} {stat}", justify="right")
    for label in after:
        cells = [f"{v:.2f}" for side in (before, after) for v in side.get(label, [0, 0, 0])[:3]]
        table.add_row(label, *cells)
    ratio = [f"{s[WRAPPER][i] / s[CCXT][i]:.1%}" for s in (before, after) for i in (0, 1, 2)]
    table.add_row("whole wrapper / ccxt build + sign (same run)", *ratio, style="bold")
    of_p99 = [f"{s[WRAPPER][i] / s[CCXT][1]:.1%}" for s in (before, after) for i in (0, 1, 2)]
    table.add_row("whole wrapper / ccxt's p99 (issue 18: p99 <= 10%)", *of_p99, style="bold")
    cpu = [f"{s[CPU_WRAPPER][i] / s[CPU_CCXT][i]:.1%}" for s in (before, after) for i in (0, 1, 2)]
    table.add_row("the same in CPU time (descheduled time left out)", *cpu, style="bold")
    sides = {"before": before, "after": after}
    evidence = tail_table(rev, n, faulted, adjacent, tails, sides)
    return table, evidence, tail_line(after, tails["after"], adjacent["after"], faulted["after"])


def tail_table(
    rev: str,
    n: int,
    faulted: dict[str, float],
    adjacent: dict[str, float],
    tails: dict[str, list[list[float]]],
    sides: dict[str, dict[str, list[float]]],
) -> Table:
    """What could make the wrapper's tail, counted before and after."""
    table = Table(title=f"What the whole wrapper's tail is made of (load average, 1 min: "
                        f"{os.getloadavg()[0]:.1f})")  # fmt: skip
    for column in ("whole wrapper", f"before (@{rev})", "after"):
        table.add_column(column, justify="right")
    rows: dict[str, Callable[[str], str]] = {
        "GC passes during the timed orders": lambda side: f"{sum(t[0] for t in tails[side]):.0f}",
        "memory blocks kept per order (untimed pass)": lambda side: f"{_mean(tails[side], 1):.3f}",
        "orders that took a minor page fault (untimed pass)": lambda s: f"{faulted[s]:.2%}",
        "p99 orders next to another p99 order (the machine)": lambda s: f"{adjacent[s]:.0%}",
        "p99 / median": lambda s: f"{sides[s][WRAPPER][1] / sides[s][WRAPPER][0]:.2f}",
        "halt flag: a bare access(2), median µs": lambda s: f"{_mean(tails[s], 2):.2f}",
    }
    for label, cell in rows.items():
        table.add_row(label, cell("before"), cell("after"))
    table.caption = f"{n:,} orders a side"
    return table


def _mean(tails: list[list[float]], i: int) -> float:
    return round(statistics.fmean(t[i] for t in tails), 3) + 0.0  # no "-0.000"


def tail_line(
    after: dict[str, list[float]], tails: list[list[float]], adjacent: float, faulted: float
) -> str:
    """One line naming what the wrapper's tail is, from this run's numbers."""
    median, p99 = after[WRAPPER][0], after[WRAPPER][1]
    passes = sum(t[0] for t in tails)
    verdict = "met" if p99 <= 0.10 * after[CCXT][1] else "NOT met"
    cpu = after[CPU_WRAPPER][1] / after[CPU_CCXT][1]
    return (
        f"The tail: {passes:.0f} GC passes in the timed orders, {faulted:.2%} of orders faulted, "
        f"{_mean(tails, 1):.3f} blocks kept an order; {adjacent:.0%} of the p99 orders ran "
        f"next to another (a shared machine slows runs of orders, in proportion to the "
        f"work). So the p99 ({p99:.2f} µs, {p99 / median:.2f} x the median) is the work "
        f"itself: its Python calls, and one access(2) of {_mean(tails, 2):.2f} µs for the "
        f"halt flag, kept. Whole wrapper p99 / ccxt's p99: {p99 / after[CCXT][1]:.1%} "
        f"(target 10%: {verdict}; in CPU time {cpu:.1%})."
    )


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
    parser.add_argument("--baseline", default=BASELINE_REV, help="git rev for the before rows")
    parser.add_argument("--no-trip", action="store_true", help="part 1 only")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name, value in CANARIES.items():
        os.environ.setdefault(name, value)
    if args.worker is not None:
        result = worker(args.orders, args.worker)
        print(botguard.__file__)
        print(json.dumps({k: [round(x, 3) for x in v] for k, v in result.items()}))
        return
    console = Console(width=150)
    with tempfile.TemporaryDirectory() as tmp:
        table, evidence, line = part_one(args.orders, Path(tmp), args.baseline)
        console.print(table)
        console.print(evidence)
        console.print(line)
        if not args.no_trip:
            console.print(asyncio.run(part_two(Path(tmp) / "two")))


if __name__ == "__main__":
    main()
