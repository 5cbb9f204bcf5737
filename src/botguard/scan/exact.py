"""Find known secret values, in all their encoded forms, inside byte buffers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick

from botguard.scan.encodings import Needle, encoded_forms
from botguard.scan.model import CERTAIN, Hit
from botguard.secrets.secret import Secret

HALF = -1
"""Automaton tag of half a raw value (needles are tagged with their index)."""
PREFIX_CONFIDENCE = "high"
"""A prefix is the start of the value, not all of it: very likely, not certain."""


class ExactMatcher:
    """Every needle of every secret, searched with bytes.find (C speed, no regex).

    Forms that start with the value's prefix (raw, and URL/JSON forms that leave
    the first characters alone) are not searched separately: each prefix hit is
    checked for the fuller forms in place, which halves the passes over a buffer.
    """

    def __init__(self, secrets: Sequence[Secret], *, min_prefix: int = 12) -> None:
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
        words = [(n.data, i) for i, (n, _, _) in enumerate(self._needles)]
        words += [(h, HALF) for raw, _ in self._raw for h in _halves(raw)]
        self._automaton = _automaton(words)

    def __bool__(self) -> bool:
        return bool(self._needles)

    def find(self, buf: bytes) -> list[Hit]:
        """All hits in `buf`; a prefix hit where a fuller form starts is dropped."""
        return self.find_with_candidates(buf)[0]

    def find_with_candidates(self, buf: bytes) -> tuple[list[Hit], list[int]]:
        """find(buf), and the sorted offsets where half of a raw value starts.

        One Aho-Corasick pass finds every occurrence of every needle; per needle,
        occurrences are then taken left to right without overlap, as repeated
        `bytes.find` calls from the previous hit's end would. A value cut in two
        by a line break keeps one of its halves whole on one of the two lines, so
        only lines holding a half need the wrap check (see find_wrapped).
        """
        starts: list[list[int]] = [[] for _ in self._needles]
        halves: set[int] = set()
        if len(self._automaton):
            for end, tags in self._automaton.iter(buf.decode("latin-1")):
                for index, length in tags:
                    (halves.add if index == HALF else starts[index].append)(end + 1 - length)
        hits: list[Hit] = []
        for (needle, ref, fuller), positions in zip(self._needles, starts, strict=True):
            end = 0
            for start in sorted(positions):
                if start < end:
                    continue
                found = next((f for f in fuller if buf.startswith(f.data, start)), needle)
                confidence = PREFIX_CONFIDENCE if found.encoding == "prefix" else CERTAIN
                end = start + len(found.data)
                hits.append(Hit(start, end, ref, None, confidence, found.encoding))
        return _drop_shadowed_prefixes(hits), sorted(halves)

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


def _automaton(words: Iterable[tuple[bytes, int]]) -> ahocorasick.Automaton:
    """An automaton over latin-1 text (one char per byte, so offsets are byte offsets).

    Each word maps to every (tag, length) it stands for: a half of one value can
    equal another value's prefix needle.
    """
    tags: dict[str, list[tuple[int, int]]] = {}
    for word, tag in words:
        key = word.decode("latin-1")
        tags.setdefault(key, []).append((tag, len(key)))
    automaton = ahocorasick.Automaton()
    for key, value in tags.items():
        automaton.add_word(key, value)
    if tags:
        automaton.make_automaton()
    return automaton
