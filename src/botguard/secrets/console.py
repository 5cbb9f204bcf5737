"""A rich Console whose every write passes through the redactor.

Commands print tables and messages through `make_console()`; a value that slips
into a cell is masked before it reaches the terminal. The stream is looked up
at write time, so pytest's capture and redirected stdout keep working.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from rich.console import Console

from botguard.secrets.redact import redact


class RedactingStream:
    """A text stream that writes redacted text to sys.stdout or sys.stderr."""

    def __init__(self, stderr: bool = False) -> None:
        self._name = "stderr" if stderr else "stdout"

    @property
    def _target(self) -> Any:
        return getattr(sys, self._name)

    def write(self, text: str) -> int:
        self._target.write(redact(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._target, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self._target.fileno())

    @property
    def encoding(self) -> str:
        return str(getattr(self._target, "encoding", None) or "utf-8")


PIPE_WIDTH = 200
"""Columns when the output is a pipe or a file and $COLUMNS is unset: rich would use 80,
folding paths mid-word in logs and CI output (`/etc/systemd/system/ba…`)."""


def make_console(stderr: bool = False, **kwargs: Any) -> Console:
    """A rich Console on stdout (or stderr) that never shows a registered secret.

    Long lines are not wrapped (`soft_wrap`), so a value is never split across
    lines where the redactor could no longer see it whole. On a terminal rich
    uses its width; elsewhere $COLUMNS if set, else PIPE_WIDTH.
    """
    kwargs.setdefault("soft_wrap", True)
    console = Console(file=RedactingStream(stderr), stderr=stderr, **kwargs)  # type: ignore[arg-type]
    if "width" not in kwargs and not console.is_terminal and not _columns_set():
        console.width = PIPE_WIDTH
    return console


def _columns_set() -> bool:
    return os.environ.get("COLUMNS", "").strip().isdigit()
