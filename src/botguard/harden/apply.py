"""--apply: diff each target file against what harden generated, then write it.

Writing is atomic per file (temp file + rename in the target's directory), and
nothing is written unless the caller's confirm() says yes after seeing every
diff. Only files are copied: no service is reloaded, no rule loaded, so a
mistake cannot lock anyone out before they have read the README.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from botguard.harden.model import HardenFile, inside


@dataclass(frozen=True, slots=True)
class Change:
    """One target file that --apply would create or replace."""

    item: HardenFile
    dest: Path
    """The target under --root (the target itself when root is /)."""
    diff: str
    """Unified diff from the current file (or /dev/null) to the new one."""


def plan_changes(files: list[HardenFile], root: Path) -> list[Change]:
    """The changes --apply would make; files already up to date are left out."""
    changes = []
    for item in files:
        if item.target is None:
            continue
        dest = inside(root, item.target.relative_to("/"), option="--root")
        try:
            old = dest.read_text(encoding="utf-8")
            before = str(item.target)
        except FileNotFoundError:
            old, before = "", "/dev/null"
        if old == item.content:
            continue
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                item.content.splitlines(keepends=True),
                fromfile=before,
                tofile=str(item.target),
            )
        )
        changes.append(Change(item, dest, diff))
    return changes


def write_change(change: Change) -> None:
    """Write one file atomically with its mode."""
    change.dest.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    fd, tmp = tempfile.mkstemp(dir=change.dest.parent, prefix=f".{change.dest.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(change.item.content)
        Path(tmp).chmod(change.item.mode)
        Path(tmp).replace(change.dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
