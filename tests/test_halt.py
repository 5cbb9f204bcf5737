"""The halt flag is atomic, keeps the first reason, and clears; it has one home."""

from __future__ import annotations

import importlib
from pathlib import Path

from botguard.halt import clear_halt, is_halted, read_halt, set_halt


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


def test_the_flag_has_one_home_that_kill_still_re_exports() -> None:
    names = ("HALT_FLAG", "halt_flag_path", "set_halt", "is_halted", "read_halt", "clear_halt")
    home, old = (
        importlib.import_module("botguard.halt"),
        importlib.import_module("botguard.kill.halt"),
    )
    for name in names:
        assert getattr(old, name) is getattr(home, name)
