"""Find many byte literals in one pass over a buffer: Hyperscan, or bytes.find without it.

A scan looks for every encoded form of every known value (about six needles a
secret) and for the literal anchors of the pattern rules (keywords such as
`key`, found in any case). One `bytes.find` loop per literal reads a 4 MiB
block once per literal: 200 passes. Hyperscan reads it once for all of them;
measured by benchmarks/scan.py in one run on 42 MB of patch history, 32
secrets' 185 needles plus 11 pattern literals: Hyperscan 0.017 s,
ahocorasick-rs 0.09 s (its DFA; 0.24 s its NFA, both on a lowered copy as it
has no caseless literals), one `bytes.find` loop per literal 1.13 s.

Hyperscan ships wheels for Linux x86-64 only (the dependency is limited to
it); elsewhere, or when its library refuses the CPU, the same results come
from `bytes.find` (tests/scan/test_literals.py compares the two). The Python
binding measures each literal with strlen, so a literal holding a NUL byte
would be cut short: those few are always searched with `bytes.find`.

The compiled set holds secret-derived bytes: it has no repr of its contents,
cannot be pickled, and never logs a literal.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

logger = logging.getLogger(__name__)

try:
    import hyperscan

    HAVE_HYPERSCAN = True
except ImportError:  # pragma: no cover - platforms without a hyperscan wheel
    HAVE_HYPERSCAN = False


class Engine(StrEnum):
    """Which implementation searches a LiteralSet."""

    HYPERSCAN = "hyperscan"
    """One pass for all literals (Intel Hyperscan, C, releases the GIL while it reads)."""
    FIND = "find"
    """One `bytes.find` loop per literal: the pure-Python fallback, same results."""


@dataclass(frozen=True, slots=True)
class Literal:
    """One byte string to find; `caseless` matches ASCII letters in either case."""

    data: bytes
    caseless: bool = False

    def __repr__(self) -> str:
        """Never the bytes: a literal may be derived from a secret."""
        return f"Literal({len(self.data)} bytes, caseless={self.caseless})"


def best_engine() -> Engine:
    """Hyperscan when it is installed, else the bytes.find fallback."""
    return Engine.HYPERSCAN if HAVE_HYPERSCAN else Engine.FIND


class LiteralSet:
    """Literals compiled once; `find(buf)` gives every occurrence of each, overlapping ones too."""

    def __init__(self, literals: Sequence[Literal], engine: Engine | None = None) -> None:
        self._literals = tuple(literals)
        self._lengths = [len(lit.data) for lit in self._literals]
        self._lock = threading.Lock()
        self.engine = engine or best_engine()
        self._db: hyperscan.Database | None = None
        self._compiled = [i for i, lit in enumerate(self._literals) if b"\0" not in lit.data]
        if self.engine is Engine.HYPERSCAN and self._compiled:
            self._db = _compile([self._literals[i] for i in self._compiled])
        if self._db is None:
            self.engine, self._compiled = Engine.FIND, []
        compiled = set(self._compiled)
        self._others = [i for i in range(len(self._literals)) if i not in compiled]

    def __len__(self) -> int:
        return len(self._literals)

    @property
    def literals(self) -> tuple[Literal, ...]:
        """The literals, in order (benchmarks/scan.py hands them to other engines)."""
        return self._literals

    def __repr__(self) -> str:
        """Counts only: the literals may be derived from secrets."""
        return f"LiteralSet({len(self._literals)} literals, engine={self.engine.value})"

    def __reduce__(self) -> NoReturn:
        """Refuse to be pickled: a pickle would carry secret-derived bytes."""
        raise TypeError("a LiteralSet holds secret-derived bytes and cannot be pickled")

    def find(self, buf: bytes) -> list[list[int]]:
        """Start offsets of each literal in `buf`, ascending, one list per literal in order."""
        found: list[list[int]] = [[] for _ in self._literals]
        if not self._literals or not buf:
            return found
        if self._db is not None:
            self._scan(self._db, buf, found)
        _find_each(buf, self._literals, self._others, found)
        return found

    def _scan(self, db: hyperscan.Database, buf: bytes, found: list[list[int]]) -> None:
        """Hyperscan reports each match's end, in end order; starts come from the lengths."""
        lengths, index_of = self._lengths, self._compiled

        def on_match(hs_id: int, _start: int, end: int, _flags: int, _ctx: object) -> None:
            index = index_of[hs_id]
            found[index].append(end - lengths[index])

        with self._lock:  # one scratch per database: scans of one set take turns
            db.scan(buf, match_event_handler=on_match)
        for index in index_of:
            found[index].sort()


@functools.lru_cache(maxsize=8)
def compiled(literals: tuple[Literal, ...], engine: Engine | None = None) -> LiteralSet:
    """The LiteralSet of `literals`, compiled once per process: a scan's tree, history and
    object passes build equal matchers, and each Hyperscan compile costs 10-15 ms."""
    return LiteralSet(literals, engine)


def _compile(literals: Sequence[Literal]) -> hyperscan.Database | None:
    """A Hyperscan block-mode database of the literals, or None if this CPU cannot run it."""
    flags = [hyperscan.HS_FLAG_CASELESS if lit.caseless else 0 for lit in literals]
    try:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(
            expressions=[lit.data for lit in literals],
            ids=list(range(len(literals))),
            elements=len(literals),
            flags=flags,
            literal=True,
        )
    except hyperscan.error as exc:  # e.g. a CPU without SSSE3
        logger.info("scan: hyperscan unavailable (%s); using bytes.find", type(exc).__name__)
        return None
    return db


def _find_each(
    buf: bytes, literals: Sequence[Literal], indexes: Sequence[int], found: list[list[int]]
) -> None:
    """The fallback: one bytes.find loop per literal (caseless ones in the lowered buffer)."""
    lowered = buf.lower() if any(literals[i].caseless for i in indexes) else buf
    for index in indexes:
        lit = literals[index]
        hay, needle = (lowered, lit.data.lower()) if lit.caseless else (buf, lit.data)
        starts = found[index]
        pos = hay.find(needle)
        while pos != -1:
            starts.append(pos)
            pos = hay.find(needle, pos + 1)
