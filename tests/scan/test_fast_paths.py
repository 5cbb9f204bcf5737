"""The fast log wrap search finds exactly what checking every line pair finds.

The wrap search checks only the lines holding half a value; the reference below
is the straightforward version it replaced (every pair of lines checked). Texts
are random, with values planted in every encoded form, split across line
breaks, and at the very start and end of the buffer.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.scan.encodings import encoded_forms
from botguard.scan.exact import ExactMatcher
from botguard.scan.logs import _wrapped
from botguard.scan.model import CERTAIN, Hit, Leak, make_leak
from botguard.secrets.secret import Secret

VALUE_CHARS = "abcdefghijKLMNOP0123456789+/=&"
FILLER = st.text(alphabet="ab01 /+=\\\r\n\t", max_size=12)


def reference_wrapped(buf: bytes, matcher: ExactMatcher) -> list[Leak]:
    """Every pair of consecutive lines checked, as scan_logs did before the candidates."""
    lines = buf.split(b"\n")
    leaks = []
    offset = 0
    for number, (first, second) in enumerate(itertools.pairwise(lines), start=1):
        for ref in matcher.find_wrapped(first, second):
            end = offset + len(first)
            hit = Hit(max(offset, end - 4), end, ref, None, CERTAIN, "raw")
            leaks.append(make_leak(hit, buf, location="log", line=number))
        offset += len(first) + 1
    return leaks


@st.composite
def planted(draw: st.DrawFn) -> tuple[list[Secret], bytes]:
    """Two or three secrets and a text holding their forms, whole, cut and wrapped."""
    values = draw(
        st.lists(st.text(alphabet=VALUE_CHARS, min_size=2, max_size=30), min_size=1, max_size=3)
    )
    secrets = [Secret(f"env:S{i}", v, register=False) for i, v in enumerate(values)]
    pieces: list[bytes] = []
    for _ in range(draw(st.integers(0, 8))):
        pieces.append(draw(FILLER).encode())
        value = draw(st.sampled_from(values))
        forms = [n.data for n in encoded_forms(value, min_prefix=draw(st.integers(4, 14)))]
        cut = draw(st.integers(0, len(value)))
        wraps = [b"\n", b"\\\n", b"\r\n    ", b"\n\t", b"\n\n"]
        split = value[:cut].encode() + draw(st.sampled_from(wraps)) + value[cut:].encode()
        pieces.append(draw(st.sampled_from([*forms, split, value[:cut].encode()])))
    pieces.append(draw(FILLER).encode())
    return secrets, b"".join(pieces)


@settings(max_examples=300, deadline=None)
@given(planted())
def test_wrap_search_on_candidate_lines_finds_what_every_pair_finds(
    case: tuple[list[Secret], bytes],
):
    secrets, buf = case
    matcher = ExactMatcher(secrets)
    candidates = matcher.wrap_candidates(buf)
    assert _wrapped(buf, "log", matcher, candidates) == reference_wrapped(buf, matcher)


def test_planted_forms_are_found_at_both_ends_of_the_buffer():
    value = "Kf93jd0sLq1Zp7Xw"
    matcher = ExactMatcher([Secret("env:K", value, register=False)])
    for needle in encoded_forms(value):
        buf = needle.data + b" middle " + needle.data
        hits = matcher.find(buf)
        assert [(h.start, h.end) for h in hits] == [
            (0, len(needle.data)),
            (len(buf) - len(needle.data), len(buf)),
        ], needle.encoding
