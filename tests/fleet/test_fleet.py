"""`botguard fleet kill|resume|status` with a real nats-server (JetStream) and real guardians.

Each guardian is a `botguard watch` process with its own account on one sim and its
own [fleet] host name; the operator's commands are real `botguard fleet` processes.
Nothing here is mocked: the server is the nats-server binary from the dev extra.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from botguard.halt import is_halted
from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

from .conftest import (
    LONG,
    NatsServer,
    botguard,
    host_env,
    make_operator,
    registered,
    scenario,
    sim_account,
    wait_for,
    write_guardian,
)

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def fleet_cli(*args: str, config: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    yes = ["--yes"] if args[0] != "status" else []
    return subprocess.run(
        botguard("fleet", *args, *yes, "--config", str(config)),
        cwd=config.parent,
        env={**os.environ, **CANARIES, "COLUMNS": "120"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_guardians(
    tmp_path: Path, spawn: Any, sim_url: str, nats: NatsServer, public: str, hosts: list[str]
) -> dict[str, Any]:
    procs = {}
    for host in hosts:
        config = write_guardian(tmp_path / host, sim_url, nats.url, host, public)
        procs[host] = spawn("watch", "--config", str(config), cwd=tmp_path / host,
                            env=host_env(host))  # fmt: skip
    return procs


def wait_registered(nats: NatsServer, public: str, tmp_path: Path, hosts: list[str]) -> None:
    wait_for(
        lambda: set(hosts) <= set(registered(nats.url, public, tmp_path / "obs")),
        60,
        f"{hosts} to register",
    )


def test_one_fleet_kill_halts_ten_guardians_verified_flat(
    tmp_path: Path, spawn: Any, nats_server: NatsServer
) -> None:
    hosts = [f"host{i}" for i in range(1, 11)]  # ten guardians, ten accounts
    operator = make_operator(tmp_path / "operator", nats_server.url)
    assert fleet_cli("status", config=operator.config).returncode == 0  # creates the bucket
    with run_sim(scenario(*(sim_account(h, **LONG) for h in hosts))) as sim:
        start_guardians(tmp_path, spawn, sim.url, nats_server, operator.public, hosts)
        wait_registered(nats_server, operator.public, tmp_path, hosts)

        done = fleet_cli("kill", config=operator.config)
        accounts = sim.state()["accounts"]
        listed = fleet_cli("status", config=operator.config)

    assert done.returncode == 0, done.stderr + done.stdout
    assert listed.returncode == 0
    for host in hosts:  # fleet status: each host, its heartbeat, its state, its halt flag
        assert re.search(rf"│ {host} +│ +│ \d+ s ago +│ flat +│ yes +│ 0 ", listed.stdout), host
    for host in hosts:
        assert accounts[host]["positions"] == [], host
        assert is_halted(tmp_path / host / "state")
        with Journal(tmp_path / host / "state") as journal:
            (run,) = journal.runs("kill")
        assert run.status == "flat"
        assert re.search(rf"│ {host} +│ flat", done.stdout), done.stdout


def test_a_guardian_down_during_the_command_halts_when_it_comes_back(
    tmp_path: Path, spawn: Any, nats_server: NatsServer
) -> None:
    operator = make_operator(tmp_path / "operator", nats_server.url)
    assert fleet_cli("status", config=operator.config).returncode == 0
    with run_sim(scenario(*(sim_account(h, **LONG) for h in ["up", "down"]))) as sim:
        procs = start_guardians(tmp_path, spawn, sim.url, nats_server, operator.public,
                                ["up", "down"])  # fmt: skip
        wait_registered(nats_server, operator.public, tmp_path, ["up", "down"])
        procs["down"].send_signal(signal.SIGTERM)
        procs["down"].communicate(timeout=30)

        done = fleet_cli("kill", "--deadline", "6", config=operator.config)
        assert sim.state()["accounts"]["down"]["positions"] != []  # not yet: it was down

        start_guardians(tmp_path, spawn, sim.url, nats_server, operator.public, ["down"])
        wait_for(lambda: not sim.state()["accounts"]["down"]["positions"], 60, "down to halt")
        accounts = sim.state()["accounts"]

    assert done.returncode == 3, done.stderr + done.stdout  # one host silent
    assert "down │ silent" in done.stdout
    assert "up   │ flat" in done.stdout
    assert accounts["up"]["positions"] == []
    assert is_halted(tmp_path / "down" / "state")


async def put_raw(url: str, key: str, value: bytes) -> None:
    """Write straight into the bucket, as someone with write access but no operator key."""
    import nats

    client = await nats.connect(url)
    try:
        kv = await client.jetstream().key_value("botguard_prod")
        await kv.put(key, value)
    finally:
        await client.close()


async def get_raw(url: str, key: str) -> bytes:
    import nats

    client = await nats.connect(url)
    try:
        entry = await (await client.jetstream().key_value("botguard_prod")).get(key)
        return entry.value or b""
    finally:
        await client.close()


def finished_runs(state: Path) -> list[Any]:
    if not (state / "journal.sqlite3").exists():
        return []
    with Journal(state) as journal:
        return [r for r in journal.runs("kill") if r.status != "running"]


def refusals(state: Path) -> list[str]:
    with Journal(state) as journal:
        return [e["detail"]["why"] for e in journal.events("fleet_refused")]


def test_forged_wrongly_targeted_and_replayed_commands_are_refused(
    tmp_path: Path, spawn: Any, nats_server: NatsServer
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from botguard.fleet.command import Action, Command, sign

    operator = make_operator(tmp_path / "operator", nats_server.url)
    assert fleet_cli("status", config=operator.config).returncode == 0
    state = tmp_path / "host1" / "state"
    with run_sim(scenario(sim_account("host1", **LONG))) as sim:
        start_guardians(tmp_path, spawn, sim.url, nats_server, operator.public, ["host1"])
        wait_registered(nats_server, operator.public, tmp_path, ["host1"])

        forged = sign(Command.new("prod", "all", Action.HALT), Ed25519PrivateKey.generate())
        misfiled = sign(Command.new("prod", "host.other", Action.HALT), operator.key)
        foreign = sign(Command.new("staging", "all", Action.HALT), operator.key)
        for value in (forged, misfiled, foreign):
            asyncio.run(put_raw(nats_server.url, "cmd.all", value))
        wait_for(lambda: len(refusals(state)) == 3, 30, "three refusals")
        assert sim.state()["accounts"]["host1"]["positions"] != []  # nothing obeyed
        assert not is_halted(state)

        assert fleet_cli("kill", config=operator.config).returncode == 0
        halt = asyncio.run(get_raw(nats_server.url, "cmd.all"))
        assert fleet_cli("resume", config=operator.config).returncode == 0
        assert not is_halted(state)
        asyncio.run(put_raw(nats_server.url, "cmd.all", halt))  # the old halt, put back
        wait_for(lambda: len(refusals(state)) == 4, 30, "the replay's refusal")

    why = refusals(state)
    assert "bad signature" in why[0]
    assert "target is 'host.other'" in why[1]
    assert "for fleet 'staging'" in why[2]
    assert "replay" in why[3]
    assert not is_halted(state)  # the replayed halt was not obeyed


def test_a_guardian_cut_off_from_the_channel_halts_its_bot(
    tmp_path: Path, spawn: Any, nats_server: NatsServer
) -> None:
    operator = make_operator(tmp_path / "operator", nats_server.url)
    assert fleet_cli("status", config=operator.config).returncode == 0
    with run_sim(scenario(sim_account("host1", **LONG))) as sim:
        config = write_guardian(tmp_path / "host1", sim.url, nats_server.url, "host1",
                                operator.public, extra="halt_if_disconnected_s = 2")  # fmt: skip
        spawn("watch", "--config", str(config), cwd=tmp_path / "host1", env=host_env("host1"))
        wait_registered(nats_server, operator.public, tmp_path, ["host1"])
        assert sim.state()["accounts"]["host1"]["positions"] != []

        nats_server.stop()  # the control channel is gone
        wait_for(lambda: finished_runs(tmp_path / "host1" / "state"), 60, "the self-halt")
        assert sim.state()["accounts"]["host1"]["positions"] == []

    assert is_halted(tmp_path / "host1" / "state")
    (run,) = finished_runs(tmp_path / "host1" / "state")
    assert run.status == "flat"
    assert "control channel lost" in run.summary["reason"]


def test_fleet_commands_without_a_server_say_so_in_one_line(
    tmp_path: Path, unused_tcp_port: int
) -> None:
    operator = make_operator(tmp_path / "operator", f"nats://127.0.0.1:{unused_tcp_port}")
    for args in (["status"], ["kill"]):
        done = fleet_cli(*args, config=operator.config, timeout=60)
        assert done.returncode == 3, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith("botguard: error: fleet: the NATS server at nats://127.0.0.1:")


def test_a_config_without_fleet_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "botguard.toml"
    config.write_text('[bot]\nname = "gridbot"\n', encoding="utf-8")
    done = fleet_cli("status", config=config, timeout=60)
    assert done.returncode == 2
    assert "no [fleet] section" in done.stderr
