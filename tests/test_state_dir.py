"""The state dir is not trusted blindly (issue 12, item 3).

Real `botguard` processes, as root (the suite runs as root): a symlink planted at a
name botguard used to write through must leave its target untouched, and a state dir
someone else owns, or that others may write, is refused before anything is done.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

TARGET = "precious: root must never overwrite me\n"


def _config(tmp_path: Path, url: str = "http://127.0.0.1:9", state: Path | None = None) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "gridbot"
[state]
dir = "{state or tmp_path / "state"}"
[kill]
deadline_s = 15
[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["spot"]
base_url = "{url}"
""",
        encoding="utf-8",
    )
    return path


def _scenario() -> dict[str, Any]:
    return {
        "account": [
            {
                "name": "main",
                "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
                "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
                "spot": {"USDT": "100"},
            }
        ]
    }


def _botguard(*args: str, cwd: Path, plant: str = "") -> subprocess.CompletedProcess[str]:
    """botguard as a process; `plant` runs first in that same process (same pid), then exec.

    That is how a test learns the pid-derived temp name (`HALTED.tmp<pid>`) the real
    command would have used, and plants the attacker's link there before it runs.
    """
    code = f"import os, sys\n{plant}\nos.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    return subprocess.run(
        [sys.executable, "-c", code, "-m", "botguard", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **CANARIES},
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "etc-shadow-stand-in"
    path.write_text(TARGET, encoding="utf-8")
    return path


def test_a_link_at_the_old_halt_temp_name_is_not_written_through(
    tmp_path: Path, target: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    plant = f"os.symlink({str(target)!r}, {str(state)!r} + f'/HALTED.tmp{{os.getpid()}}')"
    proc = _botguard("kill", "--yes", "--deadline", "1", "-c", str(_config(tmp_path)),
                     cwd=tmp_path, plant=plant)  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # the exchange is unreachable: halted, not flat
    assert target.read_text(encoding="utf-8") == TARGET
    assert (state / "HALTED").is_file()
    assert not (state / "HALTED").is_symlink()
    assert "kill" in (state / "HALTED").read_text(encoding="utf-8")
    assert [p.name for p in state.iterdir() if p.name.startswith(".HALTED")] == []


def test_a_link_at_the_old_markets_temp_name_is_not_written_through(
    tmp_path: Path, target: Path
) -> None:
    markets = tmp_path / "state" / "markets"
    markets.mkdir(parents=True, mode=0o700)
    (markets / "markets-binance-spot.tmp").symlink_to(target)
    with run_sim(_scenario()) as sim:
        proc = _botguard("kill", "--yes", "--no-halt", "-c", str(_config(tmp_path, sim.url)),
                         cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert target.read_text(encoding="utf-8") == TARGET
    cache = markets / "markets-binance-spot.json"
    assert cache.is_file()
    assert not cache.is_symlink()
    assert cache.stat().st_mode & 0o077 == 0


def test_a_link_at_the_cache_itself_is_replaced_not_followed(tmp_path: Path, target: Path) -> None:
    markets = tmp_path / "state" / "markets"
    markets.mkdir(parents=True, mode=0o700)
    (markets / "markets-binance-spot.json").symlink_to(target)
    os.utime(target, (0, 0))  # stale: the cache is reloaded and written
    with run_sim(_scenario()) as sim:
        proc = _botguard("kill", "--yes", "--no-halt", "-c", str(_config(tmp_path, sim.url)),
                         cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert target.read_text(encoding="utf-8") == TARGET
    assert not (markets / "markets-binance-spot.json").is_symlink()


def test_a_link_at_the_journal_is_refused(tmp_path: Path, target: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "journal.sqlite3").symlink_to(target)
    target.chmod(0o644)
    proc = _botguard("attest", "exchange.two_factor", "-c", str(_config(tmp_path)), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "journal.sqlite3: is a symlink" in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert target.read_text(encoding="utf-8") == TARGET
    assert target.stat().st_mode & 0o777 == 0o644


def _nobody() -> int:
    try:
        return pwd.getpwnam("nobody").pw_uid
    except KeyError:
        return 65534


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown the state dir to nobody")
@pytest.mark.parametrize("command", [["kill", "--yes"], ["attest", "exchange.two_factor"],
                                     ["drill"], ["watch", "--once"]])  # fmt: skip
def test_a_world_writable_state_dir_owned_by_someone_else_is_refused(
    tmp_path: Path, command: list[str]
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chown(state, _nobody(), -1)
    state.chmod(0o777)
    proc = _botguard(*command, "-c", str(_config(tmp_path)), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert f"state dir {state}: owned by nobody, not by root or this user" in line
    assert f"`chown root {state}`" in line
    assert list(state.iterdir()) == []  # nothing written, not even the halt flag


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777])
def test_a_state_dir_others_may_write_is_refused(tmp_path: Path, mode: int) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(mode)
    proc = _botguard("kill", "--yes", "-c", str(_config(tmp_path)), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert f"group or others may write it (mode {mode:04o})" in line
    assert f"`chmod go-w {state}`" in line
    assert list(state.iterdir()) == []


def test_parents_botguard_creates_are_private_whatever_the_umask(tmp_path: Path) -> None:
    state = tmp_path / "a" / "b" / "state"
    plant = "os.umask(0)"
    proc = _botguard("attest", "exchange.two_factor", "-c", str(_config(tmp_path, state=state)),
                     cwd=tmp_path, plant=plant)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    for folder in (tmp_path / "a", tmp_path / "a" / "b", state):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


DEEP_JSON = "[" * 100_000


@pytest.mark.parametrize(
    ("name", "content", "command", "code", "expect"),
    [
        ("HALTED", "[1]", ["run", "--check"], 1, "the halt flag is raised: unreadable halt flag"),
        ("HALTED", DEEP_JSON, ["run", "--check"], 1, "unreadable halt flag"),
        ("markets/markets-binance-spot.json", DEEP_JSON, ["kill", "--dry-run", "--deadline", "1"],
         3, "could not read every account; nothing was changed"),
        ("watch-peaks.json", DEEP_JSON, ["watch", "--once"], 3, "could not read it"),
    ],
)  # fmt: skip
def test_state_files_that_are_not_botguards_own_are_no_traceback(
    tmp_path: Path, name: str, content: str, command: list[str], code: int, expect: str
) -> None:
    """Whatever sits in the state dir is parsed defensively: a bad halt flag still halts."""
    path = tmp_path / "state" / name
    path.parent.mkdir(parents=True, mode=0o700)
    (tmp_path / "state").chmod(0o700)
    path.write_text(content, encoding="utf-8")
    proc = _botguard(*command, "-c", str(_config(tmp_path)), cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert expect in proc.stderr
