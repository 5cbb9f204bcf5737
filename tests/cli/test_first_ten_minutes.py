"""The README's "Install and configure" path, as a new user walks it, with real processes.

From an empty directory: `init`, fill the `.env`, `secrets check`, `audit` against a
`botguard sim` process (via `base_url`), `drill`, `status`. Each step's exit code and
the line that tells the user what to do next are what the user relies on.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .process import botguard

pytestmark = pytest.mark.sim

KEY, SECRET = "newuser-key-0123456789abcdef", "newuser-secret-0123456789abcdef"
SCENARIO = f"""
[[account]]
name = "main"
api_key = "{KEY}"
secret = "{SECRET}"
[account.permissions]
withdraw = true
[account.spot]
USDT = "5000"
BTC = "0.02"
[[account.orders]]
symbol = "BTC/USDT"
side = "buy"
type = "limit"
amount = "0.01"
price = "30000"
"""


@pytest.fixture
def sim_url(tmp_path: Path) -> Iterator[str]:
    """`botguard sim` as its own process, as the README starts it; stopped by its pid."""
    scenario = tmp_path / "exchange" / "scenario.toml"
    scenario.parent.mkdir()
    scenario.write_text(SCENARIO, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "botguard", "sim", "--port", "0", "--scenario", str(scenario)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        yield next(word for word in first.split() if word.startswith("http://"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _last(text: str) -> str:
    return text.rstrip().splitlines()[-1]


def test_a_new_user_from_an_empty_directory_to_status(tmp_path: Path, sim_url: str) -> None:
    home = tmp_path / "mybot-guard"
    home.mkdir()

    done = botguard("init", cwd=home)
    assert done.returncode == 0, done.stderr
    assert _last(done.stdout) == "Next: fill in .env, then run `botguard secrets check`."

    done = botguard("secrets", "check", cwd=home)  # before filling: where it looked, what to do
    assert done.returncode == 1
    assert "fix: put EX_API_KEY=<value> in" in done.stderr.splitlines()[0]

    env = home / ".env"
    env.write_text(env.read_text().replace("EX_API_KEY=", f"EX_API_KEY={KEY}").replace(
        "EX_API_SECRET=", f"EX_API_SECRET={SECRET}"))  # fmt: skip
    config = home / "botguard.toml"
    config.write_text(config.read_text().replace(
        '# base_url = "http://127.0.0.1:8899"', f'base_url = "{sim_url}"'))  # fmt: skip

    done = botguard("secrets", "check", cwd=home)
    assert done.returncode == 0, done.stderr
    assert _last(done.stdout) == "Next: `botguard audit`."

    done = botguard("audit", cwd=home)
    assert done.returncode == 1  # the sim's key can withdraw, and no drill yet
    lines = done.stdout.splitlines()
    assert lines[0].startswith("fix these first")
    assert any("key.withdrawals_disabled" in line for line in lines)
    assert any(line.startswith("pass (") for line in lines)
    assert _last(done.stdout).startswith("next: key.withdrawals_disabled: edit the key")

    done = botguard("drill", cwd=home)
    assert done.returncode == 0, done.stderr
    assert "drill flat" in done.stdout
    assert _last(done.stdout) == (
        "next: `botguard status` shows the drill; kill.drilled_recently passes"
    )

    done = botguard("status", cwd=home)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    assert f"binance on the simulator {sim_url}" in out
    assert "verified end to end on botguard sim; key resolves" in out
    assert "failing: key.withdrawals_disabled (main)" in out
    assert "flat" in out
    assert "halt flag │ down" in out
    assert _last(done.stdout) == "next: set [bot] service or pidfile in botguard.toml"
