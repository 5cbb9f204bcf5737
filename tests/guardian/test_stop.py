"""Stopping the guardian (`botguard watch`): real processes, a real sim, a dead exchange.

The bound (README, "Stopping the guardian"): a SIGTERM or SIGINT stops polling at once
and the process has exited within 3 s once no kill runs; a running kill finishes
first (by its deadline); a second signal exits at once, saying and journaling what the
kill left, exit 3, and the next `botguard kill --yes` resumes it.

The exchange is put behind a `Gate` (tests/guardian/gate.py) that the test switches to
refuse connections or to swallow requests unanswered. The assertions allow several
times the bound (CI runs loaded): the failures they catch took 53 s, or for ever.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, run_sim
from tests.fleet.conftest import LONG, scenario, sim_account, wait_for, write_config
from tests.guardian.gate import Gate, Mode

pytestmark = [pytest.mark.sim]

PROMPT_S = 20.0
"""The bound is 3 s; this leaves room for a loaded CI box. Before: 53 s, or never."""
COUNTDOWN = "/fapi/v1/countdownCancelAll"

Spawn = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """`botguard watch` processes; any still running at the end is SIGKILLed."""
    procs: list[subprocess.Popen[str]] = []

    def start(config: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "botguard", "watch", "--config", str(config)],
            cwd=config.parent,
            env={**os.environ, **CANARIES, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def stop(proc: subprocess.Popen[str], signum: int = signal.SIGTERM) -> tuple[float, str]:
    """Signal it; (seconds until it exited, its stderr). Fails if it outlives PROMPT_S."""
    started = time.monotonic()
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=PROMPT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        why = f"still running {PROMPT_S:g} s after the signal:\n{err[-3000:]}"
        raise AssertionError(why) from None
    return time.monotonic() - started, err


def armed(sim: SimHandle) -> bool:
    """The guardian has polled and armed the dead man's switch at least once."""
    return any(r["path"] == COUNTDOWN for r in sim.log())


@pytest.mark.parametrize("mode", [Mode.BLACKHOLE, Mode.REFUSE])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_with_the_exchange_gone_is_prompt_and_leaves_the_switch_armed(
    tmp_path: Path, spawn: Spawn, mode: Mode, signum: int
) -> None:
    """Disarming the dead man's switch is the stop's one network step; an exchange that
    never answers held it 53 s (10 s timeout, five tries). Now: 1.5 s, then it says the
    switch stays armed (it cancels the bot's orders later: the safe way to be wrong)."""
    with run_sim(scenario(sim_account("main"))) as sim:
        gate = Gate(("127.0.0.1", int(sim.url.rsplit(":", 1)[1])))
        try:
            proc = spawn(write_config(tmp_path, gate.url))
            wait_for(lambda: armed(sim), 60, "the first poll")
            gate.set(mode)
            time.sleep(0.3)  # a poll is under way into the dead exchange
            _, err = stop(proc, signum)
        finally:
            gate.close()
    assert proc.returncode in (0, 3), err  # 3: the 3 s bound cut the stop short (loaded box)
    assert "dead man's switch" in err
    assert "Traceback" not in err


def slow_keyring(folder: Path) -> dict[str, str]:
    """A keyring backend that never answers (a secret store hung on D-Bus): the secret
    read blocks the guardian's event loop, so no asyncio callback runs, a stop's included."""
    folder.mkdir()
    (folder / "hungring.py").write_text(
        "import time\n"
        "from keyring.backend import KeyringBackend\n"
        "class Keyring(KeyringBackend):\n"
        "    priority = 1\n"
        "    def get_password(self, service, username):\n"
        "        time.sleep(3600)\n"
        "    def set_password(self, service, username, password):\n"
        "        raise NotImplementedError\n"
        "    def delete_password(self, service, username):\n"
        "        raise NotImplementedError\n",
        encoding="utf-8",
    )
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHON_KEYRING_BACKEND": "hungring.Keyring", "PYTHONPATH": path}


def test_a_stop_while_a_secret_read_blocks_startup_still_exits(
    tmp_path: Path, spawn: Spawn
) -> None:
    config = write_config(tmp_path / "g", "http://127.0.0.1:9")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('"env:BOTGUARD_CANARY_SECRET"', '"keyring:gridbot/secret"'))
    proc = spawn(config, env=slow_keyring(tmp_path / "ring"))
    wait_for(lambda: (tmp_path / "g" / "state").exists(), 60, "the guardian to start")
    time.sleep(1.0)  # well into warming the venues, blocked in the keyring
    _, err = stop(proc)
    assert proc.returncode == 3, err
    assert "the stop took longer than 3 s: exiting now" in err
    with Journal(tmp_path / "g" / "state") as journal:
        (event,) = journal.events("stop_forced")
    assert event["detail"]["run_id"] == ""  # no kill was running


@pytest.mark.parametrize("delay_s", [0.0, 0.2, 0.6])
def test_a_stop_at_any_point_of_startup_is_prompt(
    tmp_path: Path, spawn: Spawn, delay_s: float
) -> None:
    """Before the handlers are installed the default action ends it; after, the bound."""
    with run_sim(scenario(sim_account("main"))) as sim:
        proc = spawn(write_config(tmp_path, sim.url))
        time.sleep(delay_s)
        _, err = stop(proc)
    assert proc.returncode in (0, 3, -signal.SIGTERM), err
    assert "Traceback" not in err


# the close order hangs (the sim holds it unanswered): the kill stays running for a
# request timeout (deadline / 4 = 15 s) at least, long enough to signal it twice
HANG_CLOSE = "POST /fapi/v1/order:n=1:timeout,POST /fapi/v1/batchOrders:n=1:timeout"
TRIP = "max_position_notional = 1000\n[kill]\ndeadline_s = 60\n"


def tripping_config(tmp_path: Path, url: str) -> Path:
    """The account holds 40,000 USDT of BTC against a 1,000 limit: the first poll trips."""
    config = write_config(tmp_path, url)
    text = config.read_text(encoding="utf-8").replace("[kill]\ndeadline_s = 20\n", "")
    config.write_text(text + TRIP, encoding="utf-8")
    return config


def kill_running(state: Path) -> Any:
    if not (state / "journal.sqlite3").exists():
        return None
    with Journal(state) as journal:
        return next((r for r in journal.runs("kill") if r.status == "running"), None)


def test_a_second_stop_abandons_the_running_kill_and_the_next_kill_resumes_it(
    tmp_path: Path, spawn: Spawn
) -> None:
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main", **LONG)), faults=HANG_CLOSE) as sim:
        config = tripping_config(tmp_path, sim.url)
        proc = spawn(config)
        run = wait_for(lambda: kill_running(state), 60, "the trip's kill to start")
        proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        assert proc.poll() is None, "the first stop must wait for the running kill"
        _, err = stop(proc, signal.SIGINT)
        assert proc.returncode == 3, err
        assert f"a second stop signal: abandoning the running kill; run {run.id} did: " in err
        assert (
            f"run `botguard kill --yes` to finish it (safe to re-run: it resumes run {run.id})"
            in err
        )
        with Journal(state) as journal:
            (event,) = journal.events("stop_forced")
            (still,) = journal.runs("kill")
        assert event["detail"]["run_id"] == run.id
        assert still.status == "running"  # open, to be resumed

        again = subprocess.run(
            [sys.executable, "-m", "botguard", "kill", "--yes", "--config", str(config)],
            cwd=tmp_path, env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        account = sim.state()["accounts"]["main"]
    assert again.returncode == 0, again.stderr + again.stdout
    assert account["positions"] == []
    with Journal(state) as journal:
        (done,) = journal.runs("kill")
        steps = journal.steps(done.id)
    assert done.id == run.id
    assert done.status == "flat"
    assert any(s["action"] == "resume" for s in steps)


def test_ctrl_c_on_a_kill_handed_to_the_guardian_only_stops_following_it(
    tmp_path: Path, spawn: Spawn
) -> None:
    """The kill is the guardian's: the caller's Ctrl-C says so, twice leaves, the kill ends."""
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main", **LONG)), faults=HANG_CLOSE) as sim:
        config = write_config(tmp_path, sim.url)
        text = config.read_text(encoding="utf-8").replace("deadline_s = 20", "deadline_s = 60")
        config.write_text(text, encoding="utf-8")
        guardian = spawn(config)
        wait_for(lambda: (state / "guardian.sock").is_socket(), 60, "the guardian's socket")
        caller = subprocess.Popen(
            [sys.executable, "-m", "botguard", "kill", "--yes", "--config", str(config)],
            cwd=tmp_path, env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        run = wait_for(lambda: kill_running(state), 60, "the kill to start in the guardian")
        caller.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert caller.poll() is None, "one Ctrl-C keeps following the kill"
        _, err = stop(caller, signal.SIGINT)
        assert caller.returncode == 3, err
        assert "the kill runs in the guardian and finishes there; Ctrl-C again" in err
        assert "stopped following; the kill goes on in the guardian" in err
        wait_for(lambda: kill_running(state) is None, 120, "the guardian's kill to end")
        account = sim.state()["accounts"]["main"]
        _, guardian_err = stop(guardian)
    assert account["positions"] == []
    with Journal(state) as journal:
        (done,) = journal.runs("kill")
    assert done.id == run.id
    assert done.status == "flat"
    assert guardian.returncode == 0, guardian_err


def test_ctrl_c_stops_watching_promptly_and_leaves_every_state_file_whole(
    tmp_path: Path, spawn: Spawn
) -> None:
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main"))) as sim:
        proc = spawn(write_config(tmp_path, sim.url))
        wait_for(lambda: armed(sim) and (state / "watch-peaks.json").exists(), 60, "a poll")
        _, err = stop(proc, signal.SIGINT)
        countdowns = sim.state()["accounts"]["main"]["countdowns"]
    assert proc.returncode == 0, err
    assert countdowns == []  # a graceful stop disarms the dead man's switch
    assert not (state / "guardian.sock").exists()
    assert [p.name for p in state.rglob("*.tmp")] == []
    assert isinstance(json.loads((state / "watch-peaks.json").read_text(encoding="utf-8")), dict)
    for cache in (state / "markets").glob("*.json"):
        assert json.loads(cache.read_text(encoding="utf-8"))
    with sqlite3.connect(state / "journal.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def start_caller(config: Path, *flags: str) -> subprocess.Popen[str]:
    """`botguard kill --yes`, which hands the kill to the running guardian."""
    return subprocess.Popen(
        [sys.executable, "-m", "botguard", "kill", "--yes", *flags, "--config", str(config)],
        cwd=config.parent, env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_stop_mid_local_kill_waits_for_it_before_disarming(tmp_path: Path, spawn: Spawn) -> None:
    """A kill the guardian runs for `botguard kill` finishes first; only then, once it is
    verified flat, is the dead man's switch disarmed (it was disarmed at once)."""
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main", **LONG)), faults=HANG_CLOSE) as sim:
        config = write_config(tmp_path, sim.url)
        text = config.read_text(encoding="utf-8").replace("deadline_s = 20", "deadline_s = 60")
        config.write_text(text, encoding="utf-8")
        guardian = spawn(config)
        wait_for(lambda: (state / "guardian.sock").is_socket(), 60, "the guardian's socket")
        caller = start_caller(config)
        wait_for(lambda: kill_running(state), 60, "the kill to start in the guardian")
        sim.clear_log()
        guardian.send_signal(signal.SIGTERM)
        out, caller_err = caller.communicate(timeout=120)
        _, err = guardian.communicate(timeout=PROMPT_S)  # it exits once the kill is over
        log = sim.log()
    assert caller.returncode == 0, caller_err + out
    assert guardian.returncode == 0, err
    with Journal(state) as journal:
        (run,) = journal.runs("kill")
    assert run.status == "flat"
    assert run.finished_at is not None
    disarms = [r for r in log if r["path"] == COUNTDOWN]
    assert disarms, "a verified-flat account's switch is disarmed on a graceful stop"
    assert all(r["ts"] >= int(run.finished_at.timestamp() * 1000) for r in disarms)


def test_a_no_flatten_kill_counts_as_done_when_the_guardian_stops(
    tmp_path: Path, spawn: Spawn
) -> None:
    """`kill --no-flatten` through the guardian ends `cancelled` (positions kept, as asked):
    what it was asked is verified, so a graceful stop disarms the switch and says nothing
    of an account "not verified flat" (it did, and left the switch armed)."""
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main", **LONG))) as sim:
        config = write_config(tmp_path, sim.url)
        guardian = spawn(config)
        wait_for(lambda: (state / "guardian.sock").is_socket(), 60, "the guardian's socket")
        wait_for(lambda: armed(sim), 60, "the first poll")
        out, caller_err = start_caller(config, "--no-flatten").communicate(timeout=120)
        sim.clear_log()
        _, err = stop(guardian)
        log = sim.log()
        positions = sim.state()["accounts"]["main"]["positions"]
    assert "cancelled" in out + caller_err, out + caller_err
    assert positions, "--no-flatten keeps the position"
    assert guardian.returncode == 0, err
    assert "left armed" not in err
    assert [r for r in log if r["path"] == COUNTDOWN], "the switch is disarmed"


def test_a_stop_mid_kill_with_the_exchange_gone_ends_by_the_kills_deadline(
    tmp_path: Path, spawn: Spawn
) -> None:
    """The trip's kill finishes first, but a dead exchange cannot stretch it past its
    deadline (8 s here); the switch stays armed and the exit code is the kill's."""
    state = tmp_path / "state"
    with run_sim(scenario(sim_account("main", **LONG)), faults=HANG_CLOSE) as sim:
        gate = Gate(("127.0.0.1", int(sim.url.rsplit(":", 1)[1])))
        try:
            config = tripping_config(tmp_path, gate.url)
            text = config.read_text(encoding="utf-8").replace("deadline_s = 60", "deadline_s = 8")
            config.write_text(text, encoding="utf-8")
            proc = spawn(config)
            wait_for(lambda: kill_running(state), 60, "the trip's kill to start")
            gate.set(Mode.BLACKHOLE)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=8 + PROMPT_S)
            took_s = time.monotonic() - started
        finally:
            gate.close()
    with Journal(state) as journal:
        (run,) = journal.runs("kill")
    assert run.status in ("residual", "unreachable"), run.status
    assert proc.returncode == {"residual": 1, "unreachable": 3}[run.status], err
    assert took_s < 8 + PROMPT_S
    assert "not verified flat; dead man's switch left armed" in err
