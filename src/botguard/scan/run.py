"""One scan request, run across every place it names; used by the CLI and the audit."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from botguard.errors import UsageError
from botguard.scan.coverage import Coverage
from botguard.scan.history import scan_staged, started_history
from botguard.scan.host import scan_host
from botguard.scan.logs import scan_logs
from botguard.scan.model import CONFIDENCES, Leak, at_least
from botguard.scan.tree import scan_tree
from botguard.secrets.secret import Secret


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What to scan. Paths are scanned as trees unless `staged` is set."""

    paths: tuple[Path, ...] = (Path(),)
    history: bool = False
    staged: bool = False
    log_globs: tuple[str, ...] = ()
    host_root: Path | None = None
    bot_home: Path | None = None
    patterns: bool = True
    min_prefix: int = 12
    exclude: tuple[str, ...] = field(default=())
    min_confidence: str = "medium"
    """Pattern hits weaker than this are dropped (exact matches are always `certain`)."""


def _is_excluded(leak: Leak, exclude: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(leak.location, pattern) for pattern in exclude)


def _scan_path(
    path: Path, request: ScanRequest, secrets: Sequence[Secret], coverage: Coverage
) -> list[Leak]:
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    pat, prefix = request.patterns, request.min_prefix
    if request.staged:
        return scan_staged(path, secrets, patterns=pat, min_prefix=prefix, coverage=coverage)
    if not request.history:
        return scan_tree(path, secrets, patterns=pat, min_prefix=prefix, coverage=coverage)
    with started_history(
        path, secrets, patterns=pat, min_prefix=prefix, coverage=coverage
    ) as history:  # git prints the history while the tree is scanned
        leaks = scan_tree(path, secrets, patterns=pat, min_prefix=prefix, coverage=coverage)
        return leaks + history()[0]


def run_scan(
    request: ScanRequest, secrets: Sequence[Secret], *, coverage: Coverage | None = None
) -> list[Leak]:
    """Every leak the request asks for, once per line and secret, excluded paths dropped.

    What could not be read (too large, unreadable, truncated, a glob stopped at
    its bound) is recorded in `coverage`: an empty result is clean only when
    `coverage.complete`.
    """
    coverage = coverage or Coverage()
    leaks: list[Leak] = []
    for path in request.paths:
        leaks += _scan_path(path, request, secrets, coverage)
    if request.log_globs:
        leaks += scan_logs(
            request.log_globs, secrets, min_prefix=request.min_prefix, coverage=coverage
        )
    if request.host_root is not None:
        leaks += scan_host(request.host_root, secrets, bot_home=request.bot_home, coverage=coverage)
    return [
        leak
        for leak in once_per_line(leaks, request.paths)
        if at_least(leak.confidence, request.min_confidence)
        and not _is_excluded(leak, request.exclude)
    ]


def once_per_line(leaks: Sequence[Leak], roots: Sequence[Path]) -> list[Leak]:
    """One Leak per (file, commit, line, secret or rule), the most certain one, in order.

    A log inside the scanned tree is read twice (as a file and as a log) and a
    line can hold a value in two encodings: counted per form and per pass, two
    secrets in a freqtrade log came out as 78 leaks.
    """
    best: dict[tuple[str, str | None, int | None, str], Leak] = {}
    for leak in leaks:
        key = (_real(leak, roots), leak.commit, leak.line, leak.what)
        kept = best.get(key)
        if kept is None:
            best[key] = leak
        elif CONFIDENCES.index(leak.confidence) > CONFIDENCES.index(kept.confidence):
            # the stronger form, shown where the first pass saw it (the tree's relative path)
            best[key] = replace(leak, location=kept.location, ignored=kept.ignored)
    return list(best.values())


def _real(leak: Leak, roots: Sequence[Path]) -> str:
    """The file a working-tree or log leak is in, resolved; other locations as they are."""
    if leak.commit is not None:
        return leak.location
    candidates = [r / leak.location if r.is_dir() else r for r in roots]
    for path in [*candidates, Path(leak.location)]:
        if path.name == Path(leak.location).name and path.exists():
            return str(path.resolve())
    return leak.location
