"""Scan a working tree: every file, git-ignored ones included (and marked)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from botguard.errors import BotguardError
from botguard.scan.buffer import leaks_in_buffer
from botguard.scan.exact import ExactMatcher
from botguard.scan.git import run_git
from botguard.scan.model import Leak
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
SKIP_DIRS = frozenset({".git"})
"""Never descended into: history is scanned by scan_git_history instead."""
VENDORED_DIRS = frozenset(
    {".venv", "venv", "site-packages", "node_modules", "__pycache__", ".tox", ".mypy_cache"}
)
"""Searched for known values only: patterns there match other people's code and tests."""


def _walk(root: Path) -> list[tuple[Path, bool]]:
    """(file, vendored) pairs under root, without following symlinked dirs."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel = Path(dirpath).relative_to(root)
        vendored = any(part in VENDORED_DIRS for part in rel.parts)
        files += [(Path(dirpath) / name, vendored) for name in sorted(filenames)]
    return files


def ignored_paths(root: Path, rels: Sequence[str]) -> set[str]:
    """The subset of `rels` that git ignores in the repository at root (empty if none)."""
    if not rels:
        return set()
    try:
        proc = run_git(
            ["-C", str(root), "check-ignore", "--stdin", "-z"],
            stdin="\0".join(rels).encode() + b"\0",
        )
    except (OSError, BotguardError):
        return set()
    if proc.returncode not in (0, 1):
        return set()
    return {p.decode() for p in proc.stdout.split(b"\0") if p}


def scan_tree(
    root: Path, secrets: Sequence[Secret], *, patterns: bool = True, min_prefix: int = 12
) -> list[Leak]:
    """Leaks in every file under root (a file or a directory); ignored files are marked."""
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    if root.is_file():
        return _scan_file(root, root.name, matcher, patterns=patterns)
    leaks: list[Leak] = []
    for path, vendored in _walk(root):
        rel = path.relative_to(root).as_posix()
        leaks += _scan_file(path, rel, matcher, patterns=patterns and not vendored)
    ignored = ignored_paths(root, sorted({leak.location for leak in leaks}))
    return [leak.with_ignored(leak.location in ignored) for leak in leaks]


def _scan_file(path: Path, rel: str, matcher: ExactMatcher, *, patterns: bool) -> list[Leak]:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return []  # a symlink may point outside the tree (its target is scanned where it is)
        buf = path.read_bytes()
    except OSError as exc:
        logger.warning("cannot read %s (%s); skipped", rel, type(exc).__name__)
        return []
    return leaks_in_buffer(buf, rel, matcher, patterns=patterns)
