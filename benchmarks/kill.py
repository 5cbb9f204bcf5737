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

Per contender: wall time from process start to exit; from its first exchange request to
its last (the sim's request log); requests sent; round trips (requests grouped by
overlapping flight); whether the account ended flat, checked independently through ccxt.
Then botguard's start-up before its first request, broken down.

usage: .venv/bin/python benchmarks/kill.py
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

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
    account = {"name": "main", "api_key": KEY, "secret": SECRET,
               "permissions": {"spot": True, "futures": True}, "spot": spot,
               "futures": {"USDT": "500000"}, "orders": orders, "positions": positions}  # fmt: skip
    return {"sim": {"limits": {"weight_per_minute": 6000, "orders_per_10s": 300}},
            "account": [account]}  # fmt: skip


BASELINE = r"""
import os, sys, ccxt
from botguard.venues.connect import rebase_urls
KEY = os.environ['EX_API_KEY'] # from env, never in code
SECRET = os.environ['EX_API_SECRET']
ex = ccxt.binance({'apiKey': KEY, 'secret': SECRET})
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
t0 = time.perf_counter(); out = {}
import botguard.cli; out["import botguard.cli"] = time.perf_counter() - t0
t = time.perf_counter()
from botguard.config import load_config
from pathlib import Path
cfg = load_config(Path(sys.argv[1]))
out["load config"] = time.perf_counter() - t
t = time.perf_counter()
from botguard.secrets.refs import resolve_secret
resolve_secret(cfg.account[0].api_key); resolve_secret(cfg.account[0].secret)
out["resolve secrets"] = time.perf_counter() - t
t = time.perf_counter()
import ccxt.async_support; out["import ccxt (+ venues)"] = time.perf_counter() - t
import botguard.venues.connect, botguard.kill.run
t = time.perf_counter()
import asyncio
from botguard.kill.run import make_venues
v = make_venues(cfg, cfg.account)[0]
out["build ccxt instance"] = time.perf_counter() - t
t = time.perf_counter()
asyncio.run(v.load_markets()); out["markets from cache"] = time.perf_counter() - t
asyncio.run(v.close())
print(json.dumps(out))
"""


def write_config(tmp: Path, url: str) -> Path:
    path = tmp / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "bench"\n[state]\ndir = "{tmp / "state"}"\n[kill]\ndeadline_s = 60\n'
        '[[account]]\nname = "main"\nexchange = "binance"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'markets = ["spot", "swap"]\nbase_url = "{url}"\n',
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


async def verify_flat(url: str) -> str:
    """Independently through ccxt: open orders (both books), positions, non-quote balances."""
    import ccxt.async_support as ccxt_async

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


def contender(name: str, argv_for: Any, env: dict[str, str], warm: bool = False) -> dict[str, Any]:
    with run_sim(scenario(), latency_ms=LATENCY_MS) as sim, tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cfg = write_config(tmp, sim.url)
        if warm:  # fill the markets cache (what any earlier kill, drill or KillSwitch does)
            subprocess.run([PY, "-m", "botguard", "kill", "--dry-run", "-c", str(cfg)],
                           env=env, capture_output=True, check=False, cwd=ROOT)  # fmt: skip
            sim.clear_log()
        wall, spawn, code = run_process(argv_for(sim.url, cfg), env)
        log = sim.log()
        flat = asyncio.run(verify_flat(sim.url))
        startup = None
        if warm:
            out = subprocess.run([PY, "-c", STARTUP, str(cfg)], env=env, capture_output=True,
                                 text=True, check=True, cwd=ROOT)  # fmt: skip
            startup = json.loads(out.stdout)
    first, last = min(e["ts"] for e in log), max(e["ts"] for e in log)
    first_start = min(e["ts"] - e.get("ms", 0) for e in log)
    return {"name": name, "wall": wall, "exchange": (last - first_start) / 1000,
            "to_first": (first_start / 1000) - spawn, "requests": len(log),
            "trips": round_trips(log), "flat": flat, "exit": code, "startup": startup,
            "_first": first}  # fmt: skip


def main() -> None:
    env = {**os.environ, **CANARIES, "EX_API_KEY": KEY, "EX_API_SECRET": SECRET,
           "PYTHONPATH": str(ROOT / "src")}  # fmt: skip
    symbols = ",".join(f"{a}/USDT" for a in SPOT)
    base = contender("seed kill loop (baseline)",
                     lambda url, cfg: [PY, "-c", BASELINE, url, symbols], env)  # fmt: skip
    ours = contender("botguard kill --yes",
                     lambda url, cfg: [PY, "-m", "botguard", "kill", "--yes", "-c", str(cfg)],
                     env, warm=True)  # fmt: skip
    table = Table(title=f"kill: sim latency {LATENCY_MS} ms, 20 spot assets, 100 open orders, "
                  "10 USDⓈ-M positions")  # fmt: skip
    for col in (
        "contender",
        "wall (spawn→exit)",
        "spawn→first request",
        "first→last request",
        "requests",
        "round trips",
        "verified flat",
        "exit",
    ):
        table.add_column(col, justify="left" if col in ("contender", "verified flat") else "right")
    for r in (base, ours):
        table.add_row(r["name"], f"{r['wall']:.2f} s", f"{r['to_first']:.2f} s",
                      f"{r['exchange']:.2f} s", str(r["requests"]), str(r["trips"]),
                      r["flat"], str(r["exit"]))  # fmt: skip
    console = Console(width=150)
    console.print(table)
    console.print(
        f"exchange time ratio baseline/botguard: {base['exchange'] / ours['exchange']:.1f}x"
    )
    st = Table(title="botguard start-up before the first request (separate process, warm cache)")
    st.add_column("step")
    st.add_column("seconds", justify="right")
    for step, secs in ours["startup"].items():
        st.add_row(step, f"{secs:.3f}")
    st.add_row("total", f"{sum(ours['startup'].values()):.3f}")
    console.print(st)


if __name__ == "__main__":
    main()
