"""`-v`/`-vv`/`-vvv` and $BOTGUARD_LOG, through real `botguard` processes against the sim."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.secrets.redact import MASK
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def sim_url() -> Iterator[str]:
    account = {
        "name": "main",
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "spot": {"USDT": "100", "ETH": "1"},
    }
    with run_sim({"account": [account]}) as sim:
        yield sim.url


@pytest.fixture
def config(tmp_path: Path, sim_url: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"
[state]
dir = "{tmp_path / "state"}"
[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["spot"]
base_url = "{sim_url}"
""",
        encoding="utf-8",
    )
    return path


def dry_run(config: Path, *flags: str, log: str | None = None) -> subprocess.CompletedProcess[str]:
    """`botguard FLAGS kill --dry-run` as a process, canaries in its environment."""
    env = {**os.environ, **CANARIES}
    env.pop("BOTGUARD_LOG", None)
    if log is not None:
        env["BOTGUARD_LOG"] = log
    return subprocess.run(
        [sys.executable, "-m", "botguard", *flags, "kill", "--dry-run", "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def assert_no_canary(text: str) -> None:
    assert not [name for name, value in CANARIES.items() if value in text]


def test_without_a_flag_nothing_is_logged(config: Path) -> None:
    result = dry_run(config)
    assert result.returncode == 1, result.stderr  # exposure found, nothing done
    assert result.stderr == ""


def test_vv_logs_botguard_debug_lines_but_not_ccxt(config: Path) -> None:
    result = dry_run(config, "-vv")
    assert result.returncode == 1, result.stderr
    assert " DEBUG botguard.cli.verbosity: botguard " in result.stderr
    assert "ccxt" not in result.stderr


def test_botguard_log_env_turns_on_debug_as_vv_does(config: Path) -> None:
    result = dry_run(config, log="DEBUG")
    assert " DEBUG botguard.cli.verbosity: " in result.stderr


def test_vvv_logs_the_exchange_conversation_with_the_key_redacted(config: Path) -> None:
    """ccxt's debug lines carry the request headers, API key included: they must be masked."""
    result = dry_run(config, "-vvv")
    assert result.returncode == 1, result.stderr
    assert f"{{'X-MBX-APIKEY': '{MASK}'" in result.stderr
    assert_no_canary(result.stderr + result.stdout)


def test_a_bad_botguard_log_is_one_line_and_exit_2(config: Path) -> None:
    result = dry_run(config, log="loud")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "botguard: error: BOTGUARD_LOG='loud' is not a log level; "
        "use one of debug, info, warning, error"
    ]


def test_in_process_main_leaves_logging_as_it_found_it(config: Path) -> None:
    package = logging.getLogger("botguard")
    before = (package.level, list(package.handlers))
    assert main(["-vv", "kill", "--dry-run", "-c", str(config)]) == 1
    assert (package.level, list(package.handlers)) == before
