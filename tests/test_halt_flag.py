"""The halt flag is atomic, keeps the first reason, and clears."""

from __future__ import annotations

from pathlib import Path

from botguard.kill.halt import clear_halt, is_halted, read_halt, set_halt


def test_halt_flag_lifecycle(tmp_path: Path) -> None:
    assert not is_halted(tmp_path)
    assert read_halt(tmp_path) is None
    set_halt(tmp_path, "drawdown 12%", by="watch")
    set_halt(tmp_path, "second reason")
    assert is_halted(tmp_path)
    flag = read_halt(tmp_path)
    assert flag is not None
    assert flag["reason"] == "drawdown 12%"
    assert flag["by"] == "watch"
    assert clear_halt(tmp_path)
    assert not clear_halt(tmp_path)
    assert not is_halted(tmp_path)
