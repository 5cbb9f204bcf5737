"""Scan the bot's logs, rotated and gzipped ones too, for known secret values.

Logs get exact matching only (values, their encodings, a truncated prefix, and
a value split across a wrapped line): patterns in logs mostly match request
ids and hashes, while a known value is certain.
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Sequence
from pathlib import Path

from botguard.scan.buffer import leaks_from_hits
from botguard.scan.coverage import Coverage, SkipReason
from botguard.scan.exact import ExactMatcher
from botguard.scan.globs import expand_logs
from botguard.scan.model import CERTAIN, Hit, Leak, make_leak
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

MAX_LOG_BYTES = 256 * 1024 * 1024
"""Bytes read from one log, after decompression: a gzip bomb (or a runaway log) is cut
here and listed as truncated, instead of taking gigabytes of memory."""

__all__ = [
    "MAX_LOG_BYTES",
    "expand_logs",
    "read_log",
    "scan_log_buffer",
    "scan_log_files",
    "scan_log_globs",
    "scan_logs",
]


def read_log(path: Path, *, limit: int = MAX_LOG_BYTES) -> tuple[bytes, bool]:
    """The log's first `limit` bytes, decompressed when gzipped (by magic number, not by name),
    and whether there was more."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else Path.open
    with opener(path, "rb") as fh:
        buf = fh.read(limit)
        more = bool(fh.read(1))  # probe, rather than read limit + 1 and copy the slice
    return buf, more


def scan_logs(
    globs: Sequence[str],
    secrets: Sequence[Secret],
    *,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
) -> list[Leak]:
    """Leaks of known values in the logs matched by `globs` and their rotations.

    Globs stopped at their bounds, unreadable logs and logs cut at MAX_LOG_BYTES
    are recorded in `coverage`.
    """
    coverage = coverage or Coverage()
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    if not matcher:
        return []
    return scan_log_files(expand_logs(globs, coverage), matcher, coverage)


def scan_log_globs(
    globs: Sequence[str], secrets: Sequence[Secret], *, coverage: Coverage
) -> tuple[list[Path], list[Leak]]:
    """The logs the globs expand to, and the leaks in them (for the audit's evidence)."""
    paths = expand_logs(globs, coverage)
    matcher = ExactMatcher(secrets)
    return paths, scan_log_files(paths, matcher, coverage) if matcher else []


def scan_log_files(paths: Sequence[Path], matcher: ExactMatcher, coverage: Coverage) -> list[Leak]:
    """Leaks of the matcher's values in each log file (see scan_logs)."""
    leaks: list[Leak] = []
    for path in paths:
        coverage.check()
        try:
            buf, truncated = read_log(path)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            coverage.skip(
                str(path), SkipReason.UNREADABLE, f"cannot read it ({type(exc).__name__})"
            )
            continue
        if truncated:
            cap = f"read the first {MAX_LOG_BYTES // 2**20} MiB only (after decompression)"
            coverage.skip(str(path), SkipReason.TRUNCATED, cap)
        leaks += scan_log_buffer(buf, str(path), matcher)
    return leaks


def scan_log_buffer(buf: bytes, location: str, matcher: ExactMatcher) -> list[Leak]:
    """Exact leaks in one log, plus values split across two consecutive lines."""
    found = leaks_from_hits(buf, location, sorted(matcher.find(buf), key=lambda h: h.start))
    wrapped = _wrapped(buf, location, matcher, matcher.wrap_candidates(buf))
    covered = {(w.line, w.secret_ref) for w in wrapped}
    found = [f for f in found if f.encoding != "prefix" or (f.line, f.secret_ref) not in covered]
    return sorted(found + wrapped, key=lambda k: k.line or 0)


def _wrapped(buf: bytes, location: str, matcher: ExactMatcher, candidates: list[int]) -> list[Leak]:
    """Values split across a line break, checked only on lines that hold half a value."""
    leaks = []
    for number, start in _candidate_pairs(buf, candidates):
        first_end = buf.find(b"\n", start)
        second_end = buf.find(b"\n", first_end + 1)
        second = buf[first_end + 1 :] if second_end == -1 else buf[first_end + 1 : second_end]
        for ref in matcher.find_wrapped(buf[start:first_end], second):
            hit = Hit(max(start, first_end - 4), first_end, ref, None, CERTAIN, "raw")
            leaks.append(make_leak(hit, buf, location=location, line=number))
    return leaks


def _candidate_pairs(buf: bytes, positions: list[int]) -> list[tuple[int, int]]:
    """(1-based line number, start offset) of each line pair around a candidate, in order.

    A pair is a line and the next one; a candidate on line L puts pairs L-1 and L
    in question. Only pairs that have a next line are returned.
    """
    pairs: dict[int, int] = {}
    line, previous = 1, 0
    for pos in positions:
        line += buf.count(b"\n", previous, pos)
        previous = pos
        start = buf.rfind(b"\n", 0, pos) + 1
        if start > 0:
            pairs[line - 1] = buf.rfind(b"\n", 0, start - 1) + 1
        if buf.find(b"\n", pos) != -1:
            pairs[line] = start
    return sorted(pairs.items())
