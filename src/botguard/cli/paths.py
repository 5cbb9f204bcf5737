"""Paths named on the command line: checked up front, so a typo is one line, not a traceback."""

from __future__ import annotations

from pathlib import Path

from botguard.errors import UsageError


def existing_dir(path: Path, *, option: str) -> Path:
    """`path` if it is a directory, else a UsageError naming the option and the fix."""
    if not path.is_dir():
        what = "is not a directory" if path.exists() else "does not exist"
        raise UsageError(f"{option} {path}: {what}; pass the directory to use")
    return path


def write_output(path: Path, text: str, *, option: str = "--output") -> None:
    """Write a report the user asked for; a path that cannot be written is a UsageError."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"{option} {path}: {_reason(path, exc)}; pass a file path to write"
        ) from None


def check_writable_file(path: Path, *, option: str) -> Path:
    """Fail before any work when `path` cannot become a file (a directory, no parent)."""
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory; pass a file path to write")
    if not path.parent.is_dir():
        raise UsageError(
            f"{option} {path}: folder {path.parent} does not exist; create it or pick another"
        )
    return path


def _reason(path: Path, exc: OSError) -> str:
    if path.is_dir():
        return "is a directory"
    return (exc.strerror or type(exc).__name__).lower()
