"""Expand the config's log globs, with bounds, iteratively.

`glob.glob` walks `/**/**/**/**/*.log` once per way the four `**` can split a
path (minutes, from the audit's event loop), and recurses once per directory
level (RecursionError on a 1,200-level tree). Here repeated `**` collapse to
one, each (directory, pattern position) is visited once from an explicit
stack, and each glob stops at MAX_ENTRIES directory entries or MAX_GLOB_S
seconds; a glob stopped early, or more than MAX_LOG_FILES matches, is recorded
as a skip so the scan reports itself incomplete.
"""

from __future__ import annotations

import bisect
import glob
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from botguard.scan.coverage import Coverage, SkipReason

ROTATED_SUFFIXES = (".[0-9]*", "-[0-9]*", ".old", ".gz")
"""logrotate's names next to a log: bot.log.1, bot.log.2.gz, bot.log-20240101.gz."""
MAX_ENTRIES = 200_000
"""Directory entries one glob may look at (a whole root filesystem is millions)."""
MAX_GLOB_S = 10.0
"""Wall time one glob may take."""
MAX_LOG_FILES = 10_000
"""Log files scanned at most, rotations included (the first ones, sorted)."""


@dataclass
class Budget:
    """What one glob may still spend; `stop` says why it ran out."""

    entries: int = MAX_ENTRIES
    seconds: float = MAX_GLOB_S
    stop: str = ""

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.seconds
        self._limit = self.entries

    def spent(self) -> bool:
        """True once the glob must stop (entries used up or deadline passed)."""
        if not self.stop and self.entries < 0:
            self.stop = f"stopped after {self._limit:,} directory entries"
        elif not self.stop and time.monotonic() > self._deadline:
            self.stop = f"stopped after {self.seconds:.0f} s"
        return bool(self.stop)


def expand_logs(
    globs: Sequence[str],
    coverage: Coverage | None = None,
    *,
    budget: Budget | None = None,
    max_files: int = MAX_LOG_FILES,
) -> list[Path]:
    """Files matched by each glob, plus their rotated siblings, sorted and unique."""
    coverage = coverage or Coverage()
    matches: set[str] = set()
    for pattern in globs:
        spend = budget or Budget()
        matches.update(_matches(pattern, spend))
        if spend.stop:
            coverage.skip(pattern, SkipReason.LIMIT, f"{spend.stop}; narrow the glob")
    files = sorted(Path(p) for p in _with_rotations(matches) if Path(p).is_file())
    if len(files) > max_files:
        more = f"{len(files):,} files matched; the first {max_files:,} (sorted) were scanned"
        coverage.skip(", ".join(globs), SkipReason.LIMIT, more)
    return files[:max_files]


def _parts(pattern: str) -> list[str]:
    """Path components, with runs of `**` collapsed (they match the same paths)."""
    parts: list[str] = []
    for part in pattern.split("/"):
        if part and not (part == "**" and parts and parts[-1] == "**"):
            parts.append(part)
    return parts


def _join(base: str, name: str) -> str:
    return os.path.join(base, name) if base else name  # noqa: PTH118 (str paths, like glob)


def _matches(pattern: str, budget: Budget) -> Iterator[str]:
    """Paths matching one glob, from an explicit stack of (path, index into the parts)."""
    parts = _parts(pattern)
    base, start = ("/" if pattern.startswith("/") else ""), 0
    while start < len(parts) - 1 and not glob.has_magic(parts[start]):
        base, start = _join(base, parts[start]), start + 1
    stack, seen = [(base, start)], set()
    while stack and not budget.spent():
        path, i = stack.pop()
        if (path, i) in seen:
            continue
        seen.add((path, i))
        if i == len(parts):
            yield path
        elif parts[i] == "**":
            stack += _descend(path, i, len(parts), budget)
        elif not glob.has_magic(parts[i]):
            stack.append((_join(path, parts[i]), i + 1))
        else:
            names = [name for name, _ in _list(path, budget) if _matches_part(name, parts[i])]
            stack += [(_join(path, name), i + 1) for name in names]


def _descend(path: str, i: int, count: int, budget: Budget) -> list[tuple[str, int]]:
    """States after a `**` at parts[i]: it matches nothing, or one more directory (not a
    symlinked one: that could loop), or, when it is the last part, any file below."""
    states = [(path, i + 1)]
    for name, is_dir in _list(path, budget):
        if name.startswith("."):
            continue  # as glob: `**` does not enter hidden directories
        if is_dir:
            states.append((_join(path, name), i))
        elif i + 1 == count:
            states.append((_join(path, name), i + 1))
    return states


def _matches_part(name: str, part: str) -> bool:
    """fnmatch as glob does it: `*` and `?` do not match a leading dot."""
    return fnmatchcase(name, part) and (part.startswith(".") or not name.startswith("."))


def _list(path: str, budget: Budget) -> list[tuple[str, bool]]:
    """(name, is a real directory) of each entry; unreadable directories are empty."""
    try:
        with os.scandir(path or ".") as found:
            entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in found]
    except OSError:
        return []
    budget.entries -= len(entries)
    return entries


def _with_rotations(matches: set[str]) -> set[str]:
    """The matches plus logrotate's siblings of each, listing each directory once."""
    by_dir: dict[str, list[str]] = {}
    for match in matches:
        by_dir.setdefault(os.path.dirname(match), []).append(os.path.basename(match))  # noqa: PTH119, PTH120
    found = set(matches)
    for directory, bases in by_dir.items():
        try:
            names = sorted(p.name for p in Path(directory or ".").iterdir())
        except OSError:
            continue
        for base in bases:
            patterns = [glob.escape(base) + suffix for suffix in ROTATED_SUFFIXES]
            at = bisect.bisect_left(names, base)
            while at < len(names) and names[at].startswith(base):
                if any(fnmatchcase(names[at], p) for p in patterns):
                    found.add(_join(directory, names[at]))
                at += 1
    return found
