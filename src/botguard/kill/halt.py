"""The halt flag's old home, kept so existing imports work: it now lives in botguard.halt.

`signal_pidfile` and `stop_unit` are still reachable here (from botguard.kill.stop).
"""

from __future__ import annotations

from typing import Any

from botguard.halt import (
    HALT_FLAG,
    clear_halt,
    halt_flag_path,
    is_halted,
    read_halt,
    set_halt,
)

__all__ = ["HALT_FLAG", "clear_halt", "halt_flag_path", "is_halted", "read_halt", "set_halt"]


def __getattr__(name: str) -> Any:
    """`signal_pidfile` and `stop_unit` live in botguard.kill.stop (loaded on first use)."""
    if name in ("signal_pidfile", "stop_unit"):
        from botguard.kill import stop

        return getattr(stop, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
