"""Turn hits inside one file's bytes into Leaks with line numbers."""

from __future__ import annotations

from collections.abc import Sequence

from botguard.scan.exact import ExactMatcher
from botguard.scan.model import Hit, Leak, make_leak
from botguard.scan.rules import find_patterns

BINARY_SNIFF = 8192


def is_binary(buf: bytes) -> bool:
    """Git's own heuristic: a NUL byte in the first 8 KiB."""
    return b"\0" in buf[:BINARY_SNIFF]


def find_hits(buf: bytes, matcher: ExactMatcher, *, patterns: bool) -> list[Hit]:
    """Exact hits, then pattern hits that do not overlap a known value (one literal pass)."""
    patterns = patterns and not is_binary(buf)
    if not matcher and not patterns:
        return []
    hits, pattern_starts = matcher.search(buf, patterns=patterns)
    if patterns:
        exact = [(h.start, h.end) for h in hits]
        hits += [
            p
            for p in find_patterns(buf, pattern_starts)
            if not any(s < p.end and p.start < e for s, e in exact)
        ]
    return hits


def leaks_in_buffer(
    buf: bytes, location: str, matcher: ExactMatcher, *, patterns: bool = True
) -> list[Leak]:
    """Every leak in one file's contents, with 1-based line numbers."""
    hits = sorted(find_hits(buf, matcher, patterns=patterns), key=lambda h: h.start)
    return leaks_from_hits(buf, location, hits)


def leaks_from_hits(buf: bytes, location: str, hits: Sequence[Hit]) -> list[Leak]:
    """Leaks for hits sorted by start; newlines are counted once, from hit to hit."""
    leaks = []
    line, counted = 1, 0
    for hit in hits:
        line += buf.count(b"\n", counted, hit.start)
        counted = hit.start
        leaks.append(make_leak(hit, buf, location=location, line=line))
    return leaks
