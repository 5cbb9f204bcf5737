"""`botguard status`: local facts only, each gap with its fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.cli.status import watch_pids
from botguard.halt import set_halt


def _init(tmp_path: Path) -> Path:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    return tmp_path / "botguard.toml"


def _status(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["status", "-c", str(config)]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_a_fresh_init_lists_every_gap_with_its_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _status(_init(tmp_path), capsys)
    assert "binance (live exchange), markets spot; verified end to end on botguard sim" in out
    assert "key unreadable" in out
    assert "last audit │ no audit recorded │ `botguard audit`" in out
    assert "last drill │ no drill recorded │ `botguard drill`" in out
    assert "halt flag │ down: the bot may trade" in out
    assert "watch │ not running │ `botguard watch`" in out
    assert out.endswith("next: fill in the key, then `botguard secrets check`")


def test_an_exchange_not_verified_on_the_sim_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _init(tmp_path)
    config.write_text(config.read_text().replace('exchange = "binance"', 'exchange = "kraken"'))
    assert "kraken (live exchange), markets spot; NOT verified end to end" in _status(
        config, capsys
    )


def test_a_raised_halt_flag_shows_who_why_and_how_to_lower_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _init(tmp_path)
    set_halt(tmp_path / "state", "drawdown 12%", by="watch")
    out = _status(config, capsys)
    assert "halt flag │ RAISED" in out
    assert "by watch: drawdown 12%" in out
    flag = tmp_path / "state" / "HALTED"
    assert out.endswith(f"next: check the account, then `rm {flag}` to let the bot start")


def _fake_process(proc: Path, pid: int, argv: list[str], cwd: Path, env: str = "") -> None:
    entry = proc / str(pid)
    entry.mkdir(parents=True)
    (entry / "cmdline").write_bytes("\0".join(argv).encode() + b"\0")
    (entry / "environ").write_bytes(env.encode())
    (entry / "cwd").symlink_to(cwd)


def test_watch_is_found_only_for_this_config(tmp_path: Path) -> None:
    """A process table laid out as /proc is (cmdline, environ, cwd), in a temp dir."""
    config, other = _init(tmp_path / "a"), _init(tmp_path / "b")
    proc = tmp_path / "proc"
    _fake_process(proc, 101, ["/usr/bin/python3", "-m", "botguard", "watch", "-c", str(config)],
                  tmp_path)  # fmt: skip
    _fake_process(proc, 102, ["/usr/local/bin/botguard", "watch"], tmp_path / "a")
    _fake_process(proc, 103, ["/usr/local/bin/botguard", "watch"], tmp_path,
                  env=f"BOTGUARD_CONFIG={other}\0")  # fmt: skip
    _fake_process(proc, 104, ["/usr/local/bin/botguard", "kill", "-c", str(config)], tmp_path)
    assert watch_pids(config, proc) == [101, 102]
    assert watch_pids(other, proc) == [103]
    assert os.getpid() not in watch_pids(config)
