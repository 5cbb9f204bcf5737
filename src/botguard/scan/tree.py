"""Scan a working tree: every file, git-ignored ones included (and marked)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from botguard.errors import BotguardError
from botguard.scan.buffer import leaks_in_buffer
from botguard.scan.coverage import Coverage, SkipReason
from botguard.scan.exact import ExactMatcher
from botguard.scan.git import run_git
from botguard.scan.model import Leak
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Larger files are not read; each is listed as skipped and the scan is incomplete."""
SKIP_DIRS = frozenset({".git"})
"""Never descended into: history is scanned by scan_git_history instead."""
VENDORED_DIRS = frozenset(
    {".venv", "venv", "site-packages", "node_modules", "__pycache__", ".tox", ".mypy_cache"}
)
"""Searched for known values only: patterns there match other people's code and tests."""


def walk_files(root: Path, coverage: Coverage) -> Iterator[tuple[Path, bool]]:
    """(file, vendored) pairs under root in sorted pre-order, without following symlinked dirs.

    Iterative, with an explicit stack: os.walk recurses once per level in
    Python 3.11, and a 1,200-level tree raised RecursionError.
    """
    stack = [(root, False)]
    while stack:
        coverage.check()
        directory, vendored = stack.pop()
        try:
            with os.scandir(directory) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            where = directory.relative_to(root).as_posix() + "/"
            coverage.skip(where, SkipReason.UNREADABLE, f"cannot list it ({type(exc).__name__})")
            continue
        subdirs = []
        for entry in entries:
            if not _is_dir(entry):
                yield Path(entry.path), vendored
            elif entry.name not in SKIP_DIRS:
                subdirs.append((Path(entry.path), vendored or entry.name in VENDORED_DIRS))
        stack += reversed(subdirs)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


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
    root: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
) -> list[Leak]:
    """Leaks in every file under root (a file or a directory); ignored files are marked.

    Files over MAX_FILE_BYTES and unreadable ones are recorded in `coverage`.
    """
    coverage = coverage or Coverage()
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    if root.is_file():
        return _scan_file(root, root.name, matcher, patterns=patterns, coverage=coverage)
    leaks: list[Leak] = []
    for path, vendored in walk_files(root, coverage):
        coverage.check()
        rel = path.relative_to(root).as_posix()
        pat = patterns and not vendored
        leaks += _scan_file(path, rel, matcher, patterns=pat, coverage=coverage)
    ignored = ignored_paths(root, sorted({leak.location for leak in leaks}))
    return [leak.with_ignored(leak.location in ignored) for leak in leaks]


def read_capped(path: Path, rel: str, coverage: Coverage) -> bytes | None:
    """A regular file's bytes, or None (recorded in coverage) when too large or unreadable.

    Symlinks, FIFOs, sockets and devices are not files here: None, not recorded
    (a symlink's target is scanned where it is; a FIFO would block the scan).
    """
    try:
        if path.is_symlink() or not path.is_file():
            return None
        size = path.stat().st_size
        if size <= MAX_FILE_BYTES:
            with path.open("rb") as fh:
                buf = fh.read(MAX_FILE_BYTES + 1)  # it may have grown since stat
            if len(buf) <= MAX_FILE_BYTES:
                return buf
            size = len(buf)
    except OSError as exc:
        coverage.skip(rel, SkipReason.UNREADABLE, f"cannot read it ({type(exc).__name__})")
        return None
    mb = f"{size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB cap"
    coverage.skip(rel, SkipReason.TOO_LARGE, mb)
    return None


def _scan_file(
    path: Path, rel: str, matcher: ExactMatcher, *, patterns: bool, coverage: Coverage
) -> list[Leak]:
    buf = read_capped(path, rel, coverage)
    if buf is None:
        return []
    return leaks_in_buffer(buf, rel, matcher, patterns=patterns)
