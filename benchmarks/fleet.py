"""The guardian and the fleet: a kill through a running guardian vs a cold process, and
one `fleet kill` halting N guardians.

(a) Local kill, cold vs warm, in one run. Sim at 50 ms latency; one USDⓈ-M account
    with 5 positions and 10 open orders. Cold: `botguard kill --yes` with no watch
    running (markets cache warmed by a `--dry-run` first, as any earlier kill leaves
    it). Warm: the same command while `botguard watch` runs (poll_s is an hour, so the
    watchdog sends nothing after its first poll). Each run gets a fresh sim and state
    dir. Measured from just before the process is spawned: to the sim's first logged
    request (the sim stamps a request when it arrives, before its latency), and to the
    journal's run end (verified flat), median of --runs.
(b) Fleet kill: N guardians (`botguard watch` with [fleet], one sim account each, one
    position and 2 orders) on one sim at 50 ms latency and a real nats-server with
    JetStream. Measured: `botguard fleet kill --yes` spawn to its exit (every host
    reported verified flat), next to a single warm local kill of one such account.

(c) --simulate N: N light guardians in this one process (one NATS connection each,
    the real signature checks, a 0.4 s sleep for the warm kill, the real status
    writes) against a real nats-server, and the operator's real `issue()`: what the
    channel does at fleet sizes this machine cannot run as processes. Measured:
    listing the registered hosts, and command stored to every answer.

usage: .venv/bin/python benchmarks/fleet.py [--runs 3] [--hosts 20] [--skip-fleet]
       .venv/bin/python benchmarks/fleet.py --simulate 500
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from rich.console import Console
from rich.table import Table

from botguard.fleet.command import public_key_text
from botguard.guardian.wire import socket_path
from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, run_sim

PY = sys.executable
NATS = Path(PY).parent / "nats-server"
LATENCY_MS = 50
BTC = "BTC/USDT:USDT"
PERPS = ["BTC", "ETH", "BNB", "SOL", "XRP"]


def account(name: str, perps: list[str], orders: int) -> dict[str, Any]:
    positions = [
        {"symbol": f"{p}/USDT:USDT", "side": "long", "amount": 1, "entry_price": 100} for p in perps
    ]
    open_orders = [
        {"symbol": BTC, "side": "buy", "type": "limit", "amount": 0.01, "price": 10_000 + i,
         "client_id": f"bg{name}{i}"}
        for i in range(orders)
    ]  # fmt: skip
    return {
        "name": name,
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"] + ("" if name == "main" else name),
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "futures": {"USDT": 1_000_000},
        "positions": positions,
        "orders": open_orders,
    }


def scenario(*accounts: dict[str, Any]) -> dict[str, Any]:
    prices = {f"{p}/USDT:USDT": 100 for p in PERPS}
    return {"account": list(accounts), "prices": {**prices, BTC: 20_000}}


def write_config(folder: Path, url: str, name: str = "main", fleet: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    env = "BOTGUARD_CANARY_API_KEY" if name == "main" else f"KEY_{name.upper()}"
    path = folder / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "gridbot"\n[state]\ndir = "state"\n'
        f'[[account]]\nname = "{name}"\nexchange = "binanceusdm"\napi_key = "env:{env}"\n'
        f'secret = "env:BOTGUARD_CANARY_SECRET"\nmarkets = ["swap"]\nbase_url = "{url}"\n'
        f"[kill]\ndeadline_s = 30\n[guard]\npoll_s = 3600\ndead_man_s = 600\n{fleet}",
        encoding="utf-8",
    )
    return path


def env_for(names: list[str]) -> dict[str, str]:
    keys = {f"KEY_{n.upper()}": CANARIES["BOTGUARD_CANARY_API_KEY"] + n for n in names}
    return {**os.environ, **CANARIES, **keys}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "botguard", *args], cwd=cwd, env=env, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=300, check=False,
    )  # fmt: skip


def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    until = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > until:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


def run_end(state: Path) -> float:
    with Journal(state) as journal:
        (kill,) = journal.runs("kill")
    assert kill.status == "flat", kill.status
    assert kill.finished_at is not None
    return kill.finished_at.astimezone(UTC).timestamp()


def one_local(sim: SimHandle, folder: Path, warm: bool) -> tuple[float, float]:
    """(s to first request, s to verified flat) of one `botguard kill --yes`."""
    config = write_config(folder, sim.url)
    env = env_for([])
    run(["kill", "--dry-run", "--config", str(config)], folder, env)  # markets cache
    watch = None
    if warm:
        watch = subprocess.Popen(
            [PY, "-m", "botguard", "watch", "--config", str(config)], cwd=folder, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: socket_path(folder / "state").exists(), 60, "the guardian")
        time.sleep(1.5)  # its first poll is over; it sends nothing more for an hour
    sim.clear_log()
    start = time.time()
    done = run(["kill", "--yes", "--config", str(config)], folder, env)
    assert done.returncode == 0, done.stderr
    assert ("guardian" in done.stderr) == warm, done.stderr
    first = min(r["ts"] for r in sim.log()) / 1000
    if watch is not None:
        watch.terminate()
        watch.wait(timeout=60)
    return first - start, run_end(folder / "state") - start


def local(runs: int, console: Console) -> float:
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for i in range(runs):
        for warm in (False, True):
            with tempfile.TemporaryDirectory() as tmp, run_sim(
                scenario(account("main", PERPS, 10)), latency_ms=LATENCY_MS
            ) as sim:  # fmt: skip
                results[warm].append(one_local(sim, Path(tmp) / f"r{i}", warm))
    table = Table(title=f"(a) local kill, sim at {LATENCY_MS} ms, median of {runs}")
    for column in ("path", "to first request (s)", "to verified flat (s)"):
        table.add_column(column)
    for warm, rows in results.items():
        first = statistics.median(r[0] for r in rows)
        flat = statistics.median(r[1] for r in rows)
        table.add_row("through the guardian" if warm else "cold process", f"{first:.3f}",
                      f"{flat:.3f}")  # fmt: skip
    table.add_row("floor: python + `import botguard` (before the hook runs)",
                  f"{import_floor(runs):.3f}", "")  # fmt: skip
    console.print(table)
    return statistics.median(r[1] for r in results[True])


def import_floor(runs: int) -> float:
    """What bounds the warm path: the CLI must import the botguard package (pydantic via
    botguard.config, in botguard/__init__) before `cli/kill.py`'s hook can try the socket."""
    times = []
    for _ in range(max(3, runs)):
        start = time.monotonic()
        subprocess.run([PY, "-c", "import botguard.guardian.client"], check=True)
        times.append(time.monotonic() - start)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fleet(hosts: int, console: Console, warm_single: float) -> None:
    names = [f"h{i:02d}" for i in range(hosts)]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        log = tmp / "nats.log"
        nats = subprocess.Popen(
            [str(NATS), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp / "js"),
             "-l", str(log)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: log.exists() and b"Server is ready" in log.read_bytes(), 30, "nats")
        url = f"nats://127.0.0.1:{port}"
        key = Ed25519PrivateKey.generate()
        pem = tmp / "operator.pem"
        pem.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        pem.chmod(0o600)
        section = (f'[fleet]\nurl = "{url}"\nname = "bench"\noperator_key = '
                   f'"{public_key_text(key)}"\nheartbeat_s = 1\n')  # fmt: skip
        operator = tmp / "operator"
        operator.mkdir()
        (operator / "botguard.toml").write_text(
            f'[bot]\nname = "op"\n[state]\ndir = "state"\n{section}host = "operator"\n'
            f'operator_private_key = "file:{pem}"\n',
            encoding="utf-8",
        )
        env = env_for(names)
        run(["fleet", "status", "--config", str(operator / "botguard.toml")], operator, env)
        procs = []
        sim_scenario = scenario(*(account(n, ["BTC"], 2) for n in names))
        try:
            with run_sim(sim_scenario, latency_ms=LATENCY_MS) as sim:
                for name in names:
                    config = write_config(tmp / name, sim.url, name, f'{section}host = "{name}"\n')
                    procs.append(subprocess.Popen(
                        [PY, "-m", "botguard", "watch", "--config", str(config)], cwd=tmp / name,
                        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    ))  # fmt: skip
                for name in names:
                    wait_for(lambda n=name: socket_path(tmp / n / "state").exists(), 180, name)
                time.sleep(3)  # every guardian has written its first heartbeat
                start = time.monotonic()
                done = run(["fleet", "kill", "--yes", "--config",
                            str(operator / "botguard.toml")], operator, env)  # fmt: skip
                elapsed = time.monotonic() - start
                flat = sum(1 for n in names if not sim.state()["accounts"][n]["positions"])
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)
            nats.terminate()
            nats.wait(timeout=30)
    table = Table(title=f"(b) fleet kill of {hosts} guardians, sim at {LATENCY_MS} ms")
    for column in ("what", "seconds", "exit", "accounts flat"):
        table.add_column(column)
    table.add_row(f"fleet kill, {hosts} hosts: spawn to exit", f"{elapsed:.3f}",
                  str(done.returncode), f"{flat}/{hosts}")  # fmt: skip
    table.add_row("  of which: command stored to every host flat", answered(done.stderr), "", "")
    table.add_row("one warm local kill (a)", f"{warm_single:.3f}", "0", "1/1")
    console.print(table)


def start_nats(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = tmp / "nats.log"
    nats = subprocess.Popen(
        [str(NATS), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(tmp / "js"),
         "-l", str(log)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: log.exists() and b"Server is ready" in log.read_bytes(), 30, "nats")
    return nats, f"nats://127.0.0.1:{port}"


async def light_guardian(url: str, fleet: Any, ready: asyncio.Event, kill_s: float) -> None:
    """A guardian without the bot: verify, 'kill' (sleep), write the answer."""
    import nats as nats_py

    from botguard.fleet.channel import HOST_PREFIX, next_update, open_bucket
    from botguard.fleet.command import Verifier
    from botguard.fleet.status import HostStatus

    client = await nats_py.connect(url)
    kv = await open_bucket(client, fleet, create=False)
    me = HostStatus(fleet.host)
    await kv.put(HOST_PREFIX + fleet.host, me.encode())
    verifier = Verifier(fleet.name, fleet.host, [], fleet.operator_key)
    watcher = await kv.watch("cmd.>")
    ready.set()
    try:
        while True:
            came, entry = await next_update(watcher, 5.0)
            if not came or entry is None or entry.value is None:
                continue
            command = verifier.check(entry.key, entry.value)
            if command is None:
                continue
            key = HOST_PREFIX + fleet.host
            await kv.put(
                key, HostStatus(fleet.host, state="halting", command=command.nonce).encode()
            )
            await asyncio.sleep(kill_s)
            await kv.put(key, HostStatus(fleet.host, state="flat", command=command.nonce).encode())
    finally:
        await client.close()


async def simulate_async(n: int, url: str, pem: Path, public: str) -> tuple[float, float, int, int]:
    from botguard.config import FleetConfig
    from botguard.fleet.channel import connect, open_bucket
    from botguard.fleet.command import Action
    from botguard.fleet.operator import issue, status

    operator = FleetConfig(url=url, name="sim", host="operator", operator_key=public,
                           operator_private_key=f"file:{pem}")  # fmt: skip
    client = await connect(operator)
    await open_bucket(client, operator, create=True)
    await client.close()
    events = [asyncio.Event() for _ in range(n)]
    hosts = [FleetConfig(url=url, name="sim", host=f"s{i:03d}", operator_key=public)
             for i in range(n)]  # fmt: skip
    tasks = [
        asyncio.create_task(light_guardian(url, h, e, 0.4))
        for h, e in zip(hosts, events, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 300)
    start = time.monotonic()
    listed = len(await status(operator))
    list_s = time.monotonic() - start
    outcome = await issue(operator, "all", Action.HALT, deadline_s=120, show=lambda s: None)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    flat = sum(1 for s in outcome.states.values() if s == "flat")
    return list_s, outcome.answered_s, listed, flat


def simulate(n: int, console: Console) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        nats, url = start_nats(tmp)
        key = Ed25519PrivateKey.generate()
        pem = tmp / "operator.pem"
        pem.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
        pem.chmod(0o600)
        try:
            list_s, answered_s, listed, flat = asyncio.run(
                simulate_async(n, url, pem, public_key_text(key))
            )
        finally:
            nats.terminate()
            nats.wait(timeout=30)
    table = Table(title=f"(c) {n} light guardians in one process, real nats-server")
    for column in ("what", "seconds", "hosts"):
        table.add_column(column)
    table.add_row("fleet status: list every host", f"{list_s:.3f}", str(listed))
    table.add_row("fleet kill: command stored to every answer (kill = 0.4 s sleep)",
                  f"{answered_s:.3f}", f"{flat}/{n} flat")  # fmt: skip
    console.print(table)


def answered(stderr: str) -> str:
    """The operator's own figure: command stored to the last host's answer."""
    for line in stderr.splitlines():
        if line.startswith("answered in "):
            return line.split()[2]
    return "?"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--skip-fleet", action="store_true")
    parser.add_argument("--simulate", type=int, default=0)
    args = parser.parse_args()
    console = Console()
    if args.simulate:
        simulate(args.simulate, console)
        return
    warm = local(args.runs, console)
    if not args.skip_fleet:
        if not NATS.exists():
            raise SystemExit("nats-server missing: pip install -e '.[dev]'")
        fleet(args.hosts, console, warm)


if __name__ == "__main__":
    main()
