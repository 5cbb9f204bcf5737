"""Scan the bot's logs, rotated and gzipped ones too, for known secret values.

Logs get exact matching only (values, their encodings, a truncated prefix, and
a value split across a wrapped line): patterns in logs mostly match request
ids and hashes, while a known value is certain.
"""

from __future__ import annotations

import glob
import gzip
import logging
from collections.abc import Sequence
from pathlib import Path

from botguard.scan.buffer import leaks_from_hits
from botguard.scan.exact import ExactMatcher
from botguard.scan.model import CERTAIN, Hit, Leak, make_leak
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

ROTATED_SUFFIXES = (".[0-9]*", "-[0-9]*", ".old", ".gz")
"""logrotate's names next to a log: bot.log.1, bot.log.2.gz, bot.log-20240101.gz."""


def expand_logs(globs: Sequence[str]) -> list[Path]:
    """Files matched by each glob, plus their rotated siblings, sorted and unique."""
    paths: set[str] = set()
    for pattern in globs:
        for match in glob.glob(pattern, recursive=True):  # noqa: PTH207 (absolute globs)
            paths.add(match)
            for suffix in ROTATED_SUFFIXES:
                paths.update(glob.glob(glob.escape(match) + suffix))  # noqa: PTH207
    return sorted(Path(p) for p in paths if Path(p).is_file())


def read_log(path: Path) -> bytes:
    """The log's bytes, decompressed when it is gzipped (by magic number, not by name)."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        with gzip.open(path, "rb") as gz:
            return gz.read()
    return path.read_bytes()


def scan_logs(
    globs: Sequence[str], secrets: Sequence[Secret], *, min_prefix: int = 12
) -> list[Leak]:
    """Leaks of known values in the logs matched by `globs` and their rotations."""
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    if not matcher:
        return []
    leaks: list[Leak] = []
    for path in expand_logs(globs):
        try:
            buf = read_log(path)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            logger.warning("cannot read log %s (%s); skipped", path, type(exc).__name__)
            continue
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
