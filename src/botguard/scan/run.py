"""One scan request, run across every place it names; used by the CLI and the audit."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from botguard.errors import UsageError
from botguard.scan.buffer import dedupe
from botguard.scan.history import scan_git_history, scan_staged
from botguard.scan.host import scan_host
from botguard.scan.logs import scan_logs
from botguard.scan.model import Leak, at_least
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


def _scan_path(path: Path, request: ScanRequest, secrets: Sequence[Secret]) -> list[Leak]:
    if not path.exists():
        raise UsageError(f"{path}: no such file or directory")
    pat, prefix = request.patterns, request.min_prefix
    if request.staged:
        return scan_staged(path, secrets, patterns=pat, min_prefix=prefix)
    leaks = scan_tree(path, secrets, patterns=pat, min_prefix=prefix)
    if request.history:
        leaks += scan_git_history(path, secrets, patterns=pat, min_prefix=prefix)
    return leaks


def run_scan(request: ScanRequest, secrets: Sequence[Secret]) -> list[Leak]:
    """Every leak the request asks for, deduplicated, excluded paths dropped."""
    leaks: list[Leak] = []
    for path in request.paths:
        leaks += _scan_path(path, request, secrets)
    if request.log_globs:
        leaks += scan_logs(request.log_globs, secrets, min_prefix=request.min_prefix)
    if request.host_root is not None:
        leaks += scan_host(request.host_root, secrets, bot_home=request.bot_home)
    return [
        leak
        for leak in dedupe(leaks)
        if at_least(leak.confidence, request.min_confidence)
        and not _is_excluded(leak, request.exclude)
    ]
