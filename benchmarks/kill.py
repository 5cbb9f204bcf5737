"""The kill switch next to the seed's kill loop, each as a whole process, on one sim setup.

Sim: 50 ms injected latency; one account with 20 spot assets, 100 open orders (80 spot,
15 USDⓈ-M, 5 of them conditional) and 10 USDⓈ-M positions. Each contender gets a fresh
sim with the same scenario and runs as its own process:

- baseline: the seed's `kill(ex, symbols)` loop verbatim (sync ccxt.binance, default
  options), fed the account's 20 spot symbols (the seed's example symbols are spot; fed
  a perp symbol it would sell the spot balance as a new short), wrapped only so that an
  empty cancel-all does not stop it;
- botguard: `botguard kill --yes`. Markets are cached in the state dir
  (`markets/markets-binance-spot-swap.json`, written by the first load, reused for 24 h);
  the benchmark warms that cache with one `--dry-run` first, as a bot's `KillSwitch`
  or any earlier kill/drill would.

- botguard under faults: the same kill with exchangeInfo and every order endpoint
  answering 503 to 30% of calls (the sim's --faults, seeded), starting with no markets
  cache so exchangeInfo is called; it must end verified flat within its deadline.

Per contender: wall time from process start to exit; from its first exchange request to
its last (the sim's request log); requests sent; round trips (requests grouped by
overlapping flight); whether the account ended flat, checked independently through ccxt.
Then botguard's start-up before its first request, broken down step by step (each
step timed in one process that walks the kill's own path) and end to end (spawn to the
sim's first logged request of a real `botguard kill --yes`), with ccxt imported whole
(`BOTGUARD_LAZY_CCXT=0`, as before) and with only the account's exchange module
(`venues/lazy.py`, the default), interleaved, median of several runs; then what the
remaining start-up imports are made of. botguard's .pyc are compiled first, as an
installed wheel's are.

usage: .venv/bin/python benchmarks/kill.py [--startup | --no-startup] [--exchange binance|okx|bybit]
(--startup: only the start-up breakdown; --no-startup: only the contenders; --exchange: the
same account on the sim's OKX or Bybit dialect, the seed's loop then driving ccxt.okx /
ccxt.bybit, no fault row and no start-up tables)
"""

from __future__ import annotations

import asyncio
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from botguard.sim.faults import Faults
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
SPOT = ["BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "ADA", "TRX", "AVAX", "LINK",
        "DOT", "LTC", "BCH", "UNI", "ATOM", "XLM", "ETC", "FIL", "APT", "NEAR"]  # fmt: skip
PERPS = ["BTC", "ETH", "BNB", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT"]
LATENCY_MS = 50
DEADLINE_S = 60
FAULT_RATE = 0.3
FAULTS = ",".join(
    f"{path}:p={FAULT_RATE}:503"
    for path in (
        "GET /api/v3/exchangeInfo", "GET /fapi/v1/exchangeInfo",
        "POST /api/v3/order", "POST /fapi/v1/order", "POST /fapi/v1/batchOrders",
        "DELETE /api/v3/openOrders", "DELETE /fapi/v1/allOpenOrders",
        "DELETE /fapi/v1/algoOpenOrders",
    )
)  # fmt: skip
"""exchangeInfo and every order endpoint answer 503 (execution status unknown, as Binance
documents it) to 30% of calls, chosen at random under the sim's seed."""
EXCHANGE = "binance"
"""Set from --exchange: which wire protocol the sim speaks for the account."""
PASSPHRASE = CANARIES["BOTGUARD_CANARY_PASSWORD"]


def scenario() -> dict[str, Any]:
    """20 spot assets, 100 open orders, 10 USDⓈ-M positions (half long, half short)."""
    from botguard.sim.catalogue import catalogue_markets

    markets = catalogue_markets()
    price = {m.symbol: float(m.price) for m in markets}
    spot = {"USDT": "200000"}
    orders: list[dict[str, Any]] = []
    for asset in SPOT:
        sym = f"{asset}/USDT"
        amount = round(1000 / price[sym], 2 if price[sym] < 100 else 4) or 1
        spot[asset] = str(amount * 3)
        for i in range(4):  # 2 sells above, 2 buys below: 80 spot orders
            side = "sell" if i < 2 else "buy"
            px = price[sym] * (1.5 + i / 10 if side == "sell" else 0.5 - i / 20)
            orders.append({"symbol": sym, "side": side, "type": "limit",
                           "amount": str(amount / 2), "price": f"{px:.6g}"})  # fmt: skip
    positions = []
    for n, asset in enumerate(PERPS):
        sym = f"{asset}/USDT:USDT"
        step = {m.symbol: m.step_size for m in markets}[sym]
        amount = float((Decimal(2000 / price[sym]) // step) * step) or float(step)
        side = "long" if n % 2 == 0 else "short"
        positions.append({"symbol": sym, "side": side, "amount": str(amount),
                          "entry_price": str(price[sym])})  # fmt: skip
        sell_px = price[sym] * 1.6
        orders.append({"symbol": sym, "side": "sell", "type": "limit",
                       "amount": str(amount), "price": f"{sell_px:.6g}"})  # fmt: skip
        if n < 5:
            orders.append({"symbol": sym, "side": "buy", "type": "limit", "amount": str(amount),
                           "price": f"{price[sym] * 0.5:.6g}"})  # fmt: skip
        else:
            trig = price[sym] * (0.7 if side == "long" else 1.3)
            orders.append({"symbol": sym, "side": "sell" if side == "long" else "buy",
                           "type": "stop_market", "amount": str(amount),
                           "trigger_price": f"{trig:.6g}", "reduce_only": True})  # fmt: skip
    account = {"name": "main", "api_key": KEY, "secret": SECRET, "exchange": EXCHANGE,
               "passphrase": PASSPHRASE,
               "permissions": {"spot": True, "futures": True}, "spot": spot,
               "futures": {"USDT": "500000"}, "orders": orders, "positions": positions}  # fmt: skip
    return {"sim": {"limits": {"weight_per_minute": 6000, "orders_per_10s": 300}},
            "account": [account]}  # fmt: skip


BASELINE = r"""
import os, sys, ccxt
from botguard.venues.connect import rebase_urls
KEY = os.environ['EX_API_KEY'] # from env, never in code
SECRET = os.environ['EX_API_SECRET']
ex = getattr(ccxt, os.environ.get('BENCH_EXCHANGE', 'binance'))(
    {'apiKey': KEY, 'secret': SECRET, 'password': os.environ.get('EX_API_PASSWORD')})
ex.urls['api'] = rebase_urls(ex.urls['api'], sys.argv[1])  # point it at the sim

def kill(ex, symbols):
    for s in symbols:
        try:
            ex.cancel_all_orders(s) # pull every resting order
        except ccxt.OrderNotFound:  # the only wrapper: an empty cancel-all must not stop it
            pass
        pos = ex.fetch_balance()[s.split('/')[0]]['total']
        if pos > 0:
            ex.create_market_sell_order(s, pos) # flatten
    print('KILLED — flat and halted')

kill(ex, sys.argv[2].split(','))
"""

STARTUP = r"""
import time, json, sys
spawned = float(sys.argv[2]); wall, cpu = {"python start-up": time.time() - spawned}, {}
last = [time.perf_counter(), time.process_time()]
def lap(step):
    now = [time.perf_counter(), time.process_time()]
    wall[step], cpu[step] = now[0] - last[0], now[1] - last[1]
    last[:] = now
import botguard.cli
lap("import botguard.cli (typer, config model)")
from pathlib import Path
from botguard.config import load_config
cfg = load_config(Path(sys.argv[1]))
lap("load + validate config")
from botguard.secrets.refs import resolve_secret
resolve_secret(cfg.account[0].api_key); resolve_secret(cfg.account[0].secret)
lap("resolve secrets")
import asyncio
from rich.console import Console
from botguard.kill.run import make_venues
lap("import kill (asyncio, rich, journal)")
from botguard.venues.connect import exchange_class
exchange_class(cfg.account[0].exchange)
lap("import ccxt exchange")
v = make_venues(cfg, cfg.account)[0]
lap("build ccxt instance")
asyncio.run(v.load_markets())
lap("markets from cache")
asyncio.run(v.close())
print(json.dumps({"wall": wall, "cpu": cpu}))
"""
STARTUP_RUNS = 7
LAZY_ENV = "BOTGUARD_LAZY_CCXT"
MODES = {"whole ccxt (before)": "0", "one exchange (now)": "1"}


def write_config(tmp: Path, url: str) -> Path:
    path = tmp / "botguard.toml"
    password = 'password = "env:BOTGUARD_CANARY_PASSWORD"\n' if EXCHANGE == "okx" else ""
    path.write_text(
        f'[bot]\nname = "bench"\n[state]\ndir = "{tmp / "state"}"\n[kill]\n'
        f"deadline_s = {DEADLINE_S}\n"
        f'[[account]]\nname = "main"\nexchange = "{EXCHANGE}"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'{password}markets = ["spot", "swap"]\nbase_url = "{url}"\n',
        encoding="utf-8",
    )
    return path


def run_process(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds from spawn to exit, the spawn time (epoch), and the exit code."""
    start_epoch = time.time()
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr[-2000:])
    return wall, start_epoch, proc.returncode


def round_trips(log: list[dict[str, Any]]) -> int:
    """Requests grouped into waves: a request starting after every earlier one ended
    begins a new round trip."""
    waves, end = 0, -1.0
    for e in sorted(log, key=lambda e: e["ts"] - e.get("ms", 0)):
        start = e["ts"] - e.get("ms", 0)
        if start >= end:
            waves += 1
        end = max(end, float(e["ts"]))
    return waves


async def verify_flat_unified(url: str) -> str:
    """OKX / Bybit through ccxt: every order book (OKX: each algo ordType), every page,
    positions, and non-quote balances worth 1 USDT or more (their minimum order value)."""
    import ccxt.async_support as ccxt_async

    from botguard.venues.connect import rebase_urls

    types = ["spot", "swap"] if EXCHANGE == "okx" else ["spot", "linear"]
    ex = getattr(ccxt_async, EXCHANGE)({"apiKey": KEY, "secret": SECRET, "password": PASSPHRASE,
                                        "options": {"fetchMarkets": {"types": types}}})  # fmt: skip
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    try:
        left = 0
        if EXCHANGE == "okx":
            left += len(await ex.fetch_open_orders())
            for kind in ("conditional,oco", "trigger", "move_order_stop", "iceberg", "twap"):
                algo = await ex.private_get_trade_orders_algo_pending({"ordType": kind})
                left += len(algo["data"])
        else:
            for kind in ({"type": "spot"}, {"type": "swap", "subType": "linear"}):
                left += len(await ex.fetch_open_orders(None, None, 50, {**kind, "paginate": True}))
        pos = [p for p in await ex.fetch_positions() if p["contracts"]]
        bal = await ex.fetch_balance()
        tickers = await ex.fetch_tickers(None, {"type": "spot"})
        held = [a for a, total in bal["total"].items() if a != "USDT" and total
                and total * ((tickers.get(f"{a}/USDT") or {}).get("last") or 0) >= 1]  # fmt: skip
    finally:
        await ex.close()
    if not (left or pos or held):
        return "yes"
    return f"no: {left} orders, {len(pos)} positions, {len(held)} assets"


async def verify_flat(url: str) -> str:
    """Independently through ccxt: open orders (both books), positions, non-quote balances."""
    import ccxt.async_support as ccxt_async

    if EXCHANGE != "binance":
        return await verify_flat_unified(url)

    from botguard.venues.connect import rebase_urls

    ex = ccxt_async.binance({"apiKey": KEY, "secret": SECRET, "enableRateLimit": False,
                             "options": {"fetchCurrencies": False, "fetchMargins": False,
                                         "warnOnFetchOpenOrdersWithoutSymbol": False}})  # fmt: skip
    ex.urls["api"] = rebase_urls(ex.urls["api"], url)
    try:
        spot = await ex.fetch_open_orders(None, None, None, {"type": "spot"})
        fut = await ex.fetch_open_orders(None, None, None, {"type": "swap", "subType": "linear"})
        algo = await ex.fetch_open_orders(None, None, None, {"type": "swap", "trigger": True})
        pos = [p for p in await ex.fetch_positions(None, {"type": "swap"}) if p["contracts"]]
        bal = await ex.fetch_balance()
        await ex.load_markets()
        held = []
        for asset, total in bal["total"].items():
            sym = f"{asset}/USDT"
            if asset == "USDT" or not total or sym not in ex.markets:
                continue
            ticker = await ex.fetch_ticker(sym)
            if total * ticker["last"] >= 5:  # below Binance's 5 USDT minimum is dust
                held.append(asset)
    finally:
        await ex.close()
    left = len(spot) + len(fut) + len(algo)
    if not (left or pos or held):
        return "yes"
    return f"no: {left} orders, {len(pos)} positions, {len(held)} assets"


def contender(
    name: str, argv_for: Any, env: dict[str, str], warm: bool = False, faults: str | None = None
) -> dict[str, Any]:
    with (
        run_sim(scenario(), latency_ms=LATENCY_MS, faults=faults) as sim,
        tempfile.TemporaryDirectory() as d,
    ):
        tmp = Path(d)
        cfg = write_config(tmp, sim.url)
        if warm:  # fill the markets cache (what any earlier kill, drill or KillSwitch does)
            subprocess.run([PY, "-m", "botguard", "kill", "--dry-run", "-c", str(cfg)],
                           env=env, capture_output=True, check=False, cwd=ROOT)  # fmt: skip
            sim.clear_log()
        wall, spawn, code = run_process(argv_for(sim.url, cfg), env)
        log = sim.log()
        sim.server.faults = Faults((), 0)  # the independent check reads without faults
        flat = asyncio.run(verify_flat(sim.url))
    sent = len(log)
    log = log or [{"ts": spawn * 1000, "ms": 0}]  # a contender that crashed before sending
    first, last = min(e["ts"] for e in log), max(e["ts"] for e in log)
    first_start = min(e["ts"] - e.get("ms", 0) for e in log)
    return {"name": name, "wall": wall, "exchange": (last - first_start) / 1000,
            "to_first": (first_start / 1000) - spawn, "requests": sent,
            "trips": round_trips(log), "flat": flat, "exit": code,
            "faulted": sum(1 for e in log if e.get("fault")), "_first": first}  # fmt: skip


def main() -> None:
    global EXCHANGE
    if "--exchange" in sys.argv[1:]:
        EXCHANGE = sys.argv[sys.argv.index("--exchange") + 1]
        if EXCHANGE not in ("binance", "okx", "bybit"):
            sys.exit("--exchange: use binance, okx or bybit")
    env = {**os.environ, **CANARIES, "EX_API_KEY": KEY, "EX_API_SECRET": SECRET,
           "EX_API_PASSWORD": PASSPHRASE, "BENCH_EXCHANGE": EXCHANGE,
           "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    # An installed wheel has its .pyc compiled; a source checkout under
    # PYTHONDONTWRITEBYTECODE=1 would compile botguard in every process (about 40 ms).
    compileall.compile_dir(ROOT / "src" / "botguard", quiet=1)
    console = Console(width=150)
    if "--startup" in sys.argv[1:]:  # only the start-up breakdown
        console.print(startup_table(env))
        console.print(imports_table(env))
        return
    symbols = ",".join(f"{a}/USDT" for a in SPOT)
    base = contender("seed kill loop (baseline)",
                     lambda url, cfg: [PY, "-c", BASELINE, url, symbols], env)  # fmt: skip
    kill_argv = lambda url, cfg: [PY, "-m", "botguard", "kill", "--yes", "-c", str(cfg)]  # noqa: E731
    ours = contender("botguard kill --yes", kill_argv, env, warm=True)
    rows = [base, ours]
    if EXCHANGE == "binance":  # the fault paths are Binance's
        rows.append(contender(f"botguard kill --yes, {FAULT_RATE:.0%} faults, cold markets cache",
                              kill_argv, env, faults=FAULTS))  # fmt: skip
    table = Table(title=f"kill on {EXCHANGE}: sim latency {LATENCY_MS} ms, 20 spot assets, "
                  "100 open orders, 10 USDⓈ-M positions")  # fmt: skip
    for col in (
        "contender",
        "faults hit",
        "wall (spawn→exit)",
        "spawn→first request",
        "first→last request",
        "requests",
        "round trips",
        "verified flat",
        "exit",
    ):
        table.add_column(col, justify="left" if col in ("contender", "verified flat") else "right")
    for r in rows:
        table.add_row(r["name"], str(r["faulted"]), f"{r['wall']:.2f} s", f"{r['to_first']:.2f} s",
                      f"{r['exchange']:.2f} s", str(r["requests"]), str(r["trips"]),
                      r["flat"], str(r["exit"]))  # fmt: skip
    console.print(table)
    console.print(
        f"exchange time ratio baseline/botguard: {base['exchange'] / ours['exchange']:.1f}x"
        if base["requests"]
        else "baseline sent no request (it failed before its first one; see its exit code)"
    )
    if EXCHANGE == "binance":
        faulty = rows[2]
        console.print(
            f"under {FAULT_RATE:.0%} faults: exit {faulty['exit']}, {faulty['wall']:.2f} s of a "
            f"{DEADLINE_S} s deadline, {faulty['faulted']} faults hit, "
            f"verified flat: {faulty['flat']}"
        )
    if EXCHANGE != "binance" or "--no-startup" in sys.argv[1:]:
        return
    console.print(startup_table(env))
    console.print(imports_table(env))


def first_request_s(env: dict[str, str], lazy: str, markets: Path) -> float:
    """Spawn to first exchange request of one `botguard kill --yes` (fresh sim, warm cache)."""
    with run_sim(scenario(), latency_ms=LATENCY_MS) as sim, tempfile.TemporaryDirectory() as d:
        cfg = write_config(Path(d), sim.url)
        shutil.copytree(markets, Path(d) / "state" / "markets")
        argv = [PY, "-m", "botguard", "kill", "--yes", "-c", str(cfg)]
        _, spawn, _ = run_process(argv, {**env, LAZY_ENV: lazy})
        return float(min(e["ts"] - e.get("ms", 0) for e in sim.log())) / 1000 - spawn


def startup_runs(env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    """Each mode STARTUP_RUNS times, interleaved so machine load hits both alike."""
    runs: dict[str, dict[str, list[float]]] = {mode: {} for mode in MODES}
    with run_sim(scenario()) as sim, tempfile.TemporaryDirectory() as d:
        cfg = write_config(Path(d), sim.url)
        subprocess.run([PY, "-m", "botguard", "kill", "--dry-run", "-c", str(cfg)],
                       env=env, capture_output=True, check=False, cwd=ROOT)  # fmt: skip
        markets = Path(d) / "state" / "markets"
        for run in range(STARTUP_RUNS):
            order = list(MODES.items())
            for mode, lazy in order if run % 2 == 0 else order[::-1]:
                argv = [PY, "-c", STARTUP, str(cfg), repr(time.time())]
                out = subprocess.run(argv, env={**env, LAZY_ENV: lazy}, capture_output=True,
                                     text=True, check=True, cwd=ROOT)  # fmt: skip
                steps = json.loads(out.stdout)
                steps["wall"]["total"] = sum(steps["wall"].values())
                steps["cpu"]["total"] = sum(steps["cpu"].values())
                first = first_request_s(env, lazy, markets)
                steps["wall"]["botguard kill --yes: spawn→first request"] = first
                for kind, times in steps.items():
                    for step, secs in times.items():
                        runs[mode].setdefault(f"{kind}:{step}", []).append(secs)
    return runs


def startup_table(env: dict[str, str]) -> Table:
    """Start-up before the first request, broken down: median of STARTUP_RUNS per mode."""
    runs = startup_runs(env)
    table = Table(title=f"botguard start-up before the first request: median of {STARTUP_RUNS} "
                  "runs each (steps in one process, warm markets cache; CPU = this process's "
                  "own CPU time, wall = CPU + waiting for a core)")  # fmt: skip
    table.add_column("step")
    for mode in MODES:
        table.add_column(f"{mode} wall", justify="right")
        table.add_column(f"{mode} CPU", justify="right")
    for key in runs[next(iter(MODES))]:
        kind, step = key.split(":", 1)
        if kind == "cpu":
            continue
        cells = []
        for mode in MODES:
            cpu = runs[mode].get(f"cpu:{step}")
            cells.append(f"{statistics.median(runs[mode][key]):.3f} s")
            cells.append(f"{statistics.median(cpu):.3f} s" if cpu else "")
        table.add_row(step, *cells)
    return table


GROUPS = {  # top-level module -> what brought it in
    "pydantic": "pydantic (config validation)", "pydantic_core": "pydantic (config validation)",
    "annotated_types": "pydantic (config validation)",
    "typing_inspection": "pydantic (config validation)",
    "typing_extensions": "pydantic (config validation)",
    "aiohttp": "aiohttp (ccxt async HTTP)", "yarl": "aiohttp (ccxt async HTTP)",
    "multidict": "aiohttp (ccxt async HTTP)", "attr": "aiohttp (ccxt async HTTP)",
    "propcache": "aiohttp (ccxt async HTTP)", "frozenlist": "aiohttp (ccxt async HTTP)",
    "aiosignal": "aiohttp (ccxt async HTTP)", "aiohappyeyeballs": "aiohttp (ccxt async HTTP)",
    "requests": "requests (ccxt's sync base imports it)", "urllib3": "requests (ccxt's sync base "
    "imports it)", "charset_normalizer": "requests (ccxt's sync base imports it)",
    "idna": "requests (ccxt's sync base imports it)", "certifi": "requests (ccxt's sync base "
    "imports it)", "ccxt": "ccxt (base + the one exchange)", "cryptography": "cryptography "
    "(ccxt signing)", "typer": "typer (CLI)", "click": "typer (CLI)", "rich": "rich (output)",
    "botguard": "botguard",
}  # fmt: skip


def import_groups(stderr: str) -> dict[str, float]:
    """`-X importtime` self times, seconds, summed by what brought each module in."""
    groups: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, _, name = line[len("import time:") :].split("|")
        name = name.strip()
        group = GROUPS.get(name.split(".")[0], "Python standard library and others")
        if name == "botguard.config":  # its body builds the pydantic validators
            group = "botguard.config (pydantic builds the models)"
        groups[group] = groups.get(group, 0.0) + int(self_us) / 1e6
    return groups


def imports_table(env: dict[str, str]) -> Table:
    """What the remaining (lazy) start-up imports are made of, median of STARTUP_RUNS."""
    runs: dict[str, list[float]] = {}
    with run_sim(scenario()) as sim, tempfile.TemporaryDirectory() as d:
        cfg = write_config(Path(d), sim.url)
        subprocess.run([PY, "-m", "botguard", "kill", "--dry-run", "-c", str(cfg)],
                       env=env, capture_output=True, check=False, cwd=ROOT)  # fmt: skip
        for _ in range(STARTUP_RUNS):
            argv = [PY, "-X", "importtime", "-c", STARTUP, str(cfg), repr(time.time())]
            out = subprocess.run(argv, env={**env, LAZY_ENV: "1"}, capture_output=True,
                                 text=True, check=True, cwd=ROOT)  # fmt: skip
            for group, secs in import_groups(out.stderr).items():
                runs.setdefault(group, []).append(secs)
    medians = {group: statistics.median(times) for group, times in runs.items()}
    total = sum(medians.values())
    table = Table(title="imports before the first request, now (one exchange): self time by "
                  "package, -X importtime (adds its own overhead), median of "
                  f"{STARTUP_RUNS}")  # fmt: skip
    table.add_column("brought in by")
    table.add_column("seconds", justify="right")
    table.add_column("share", justify="right")
    for group, secs in sorted(medians.items(), key=lambda kv: -kv[1]):
        table.add_row(group, f"{secs:.3f}", f"{secs / total:.0%}")
    table.add_row("total", f"{total:.3f}", "100%")
    return table


if __name__ == "__main__":
    main()
