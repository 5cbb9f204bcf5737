"""Find known secret values, in all their encoded forms, inside byte buffers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from botguard.scan.encodings import Needle, encoded_forms
from botguard.scan.literals import Engine, Literal, LiteralSet, compiled
from botguard.scan.model import CERTAIN, Hit
from botguard.scan.rules import PATTERN_LITERALS
from botguard.secrets.secret import Secret

PREFIX_CONFIDENCE = "high"
"""A prefix is the start of the value, not all of it: very likely, not certain."""


class ExactMatcher:
    """Every needle of every secret, found in one pass with the pattern rules' literals.

    Forms that start with the value's prefix (raw, and URL/JSON forms that leave
    the first characters alone) are not searched separately: each prefix hit is
    checked for the fuller forms in place. The needles are secret-derived: the
    matcher has no repr of them and cannot be pickled.
    """

    def __init__(
        self, secrets: Sequence[Secret], *, min_prefix: int = 12, engine: Engine | None = None
    ) -> None:
        self._needles: list[tuple[Needle, str, list[Needle]]] = []
        seen: set[bytes] = set()
        for secret in secrets:
            forms = encoded_forms(secret.reveal(), min_prefix=min_prefix)
            forms = [n for n in forms if n.data not in seen]
            seen.update(n.data for n in forms)
            prefix = next((n for n in forms if n.encoding == "prefix"), None)
            fuller = [
                n for n in forms if prefix and n is not prefix and n.data.startswith(prefix.data)
            ]
            self._needles += [
                (n, secret.ref, []) for n in forms if n not in fuller and n is not prefix
            ]
            if prefix is not None:
                self._needles.append((prefix, secret.ref, fuller))
        self._raw = [(s.reveal().encode(), s.ref) for s in secrets if s.reveal()]
        self._halves = sorted({h for raw, _ in self._raw for h in _halves(raw)})
        self._engine = engine
        self._sets: dict[bool, LiteralSet] = {}

    def __bool__(self) -> bool:
        return bool(self._needles)

    def __repr__(self) -> str:
        """Counts only: the needles are the secrets' encoded forms."""
        return f"ExactMatcher({len(self._needles)} needles)"

    def __reduce__(self) -> NoReturn:
        """Refuse to be pickled: a pickle would carry the secrets' encoded forms."""
        raise TypeError("an ExactMatcher holds secret-derived bytes and cannot be pickled")

    def literals(self, *, patterns: bool) -> LiteralSet:
        """The compiled needles, followed by PATTERN_LITERALS when `patterns` (built once)."""
        found = self._sets.get(patterns)
        if found is None:
            literals = tuple(Literal(needle.data) for needle, _, _ in self._needles)
            found = compiled(literals + PATTERN_LITERALS if patterns else literals, self._engine)
            self._sets[patterns] = found
        return found

    def search(self, buf: bytes, *, patterns: bool) -> tuple[list[Hit], list[list[int]]]:
        """One pass: the known values' hits, and the offsets of each of PATTERN_LITERALS
        (empty lists unless `patterns`), for rules.find_patterns."""
        starts = self.literals(patterns=patterns).find(buf)
        count = len(self._needles)
        rest = starts[count:] if patterns else [[] for _ in PATTERN_LITERALS]
        return self._hits(buf, starts[:count]), rest

    def find(self, buf: bytes) -> list[Hit]:
        """All hits in `buf`; a prefix hit where a fuller form starts is dropped."""
        return self.search(buf, patterns=False)[0]

    def _hits(self, buf: bytes, starts: Sequence[Sequence[int]]) -> list[Hit]:
        """Hits from each needle's offsets: non-overlapping per needle, fuller forms preferred."""
        hits: list[Hit] = []
        for (needle, ref, fuller), offsets in zip(self._needles, starts, strict=True):
            end = 0
            for start in offsets:
                if start < end:
                    continue
                found = next((f for f in fuller if buf.startswith(f.data, start)), needle)
                confidence = PREFIX_CONFIDENCE if found.encoding == "prefix" else CERTAIN
                end = start + len(found.data)
                hits.append(Hit(start, end, ref, None, confidence, found.encoding))
        return _drop_shadowed_prefixes(hits)

    def wrap_candidates(self, buf: bytes) -> list[int]:
        """Sorted offsets in `buf` where half of a raw value starts.

        A value cut in two by a line break keeps one of its halves whole on one
        of the two lines, so only lines holding a half need the wrap check
        (find_wrapped) instead of every pair of lines.
        """
        halves = compiled(tuple(Literal(half) for half in self._halves), self._engine)
        return sorted({start for starts in halves.find(buf) for start in starts})

    def find_wrapped(self, first: bytes, second: bytes) -> list[str]:
        """Refs of raw values split across the end of `first` and the start of `second`.

        Log lines wrapped by a terminal or formatter cut a value in two; the
        continuation may be indented, and the first part may end in a backslash.
        """
        tail = first.rstrip(b"\r\n").removesuffix(b"\\")
        head = second.lstrip(b" \t")
        refs = []
        for raw, ref in self._raw:
            span = len(raw) - 1
            joined = tail[-span:] + head[:span]
            cut = len(tail[-span:])
            start = joined.find(raw)
            if start != -1 and start < cut < start + len(raw):
                refs.append(ref)
        return refs


def _drop_shadowed_prefixes(hits: list[Hit]) -> list[Hit]:
    """Drop prefix hits that lie inside a fuller hit of the same secret."""
    fuller = [(h.start, h.end, h.secret_ref) for h in hits if h.encoding != "prefix"]
    if not fuller:
        return hits
    return [
        h
        for h in hits
        if h.encoding != "prefix"
        or not any(s <= h.start and h.end <= e and r == h.secret_ref for s, e, r in fuller)
    ]


def _halves(raw: bytes) -> list[bytes]:
    """The first and second half of a value that can be split (two bytes or more)."""
    half = len(raw) // 2
    return [raw[:half], raw[half:]] if half else []
