"""The one-pass literal search: Hyperscan and the bytes.find fallback give identical results.

Hyperscan is a dependency only where it ships wheels (Linux x86-64); everywhere
else the fallback runs, so the two must agree on every buffer: overlapping
occurrences, either case for caseless literals, NUL and high bytes, and the
very ends of the buffer. The matcher built on it holds secret-derived bytes:
no repr of them, no pickle.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.scan.buffer import find_hits
from botguard.scan.encodings import encoded_forms
from botguard.scan.exact import ExactMatcher
from botguard.scan.literals import HAVE_HYPERSCAN, Engine, Literal, LiteralSet
from botguard.scan.rules import PATTERN_LITERALS
from botguard.secrets.secret import Secret

from .conftest import KEY, SECRET

needs_hyperscan = pytest.mark.skipif(not HAVE_HYPERSCAN, reason="no hyperscan wheel here")
ALPHABET = b"aAbB01\x00\xff\n:-=key"
LITERALS = st.lists(
    st.builds(Literal, st.binary(min_size=1, max_size=6), st.booleans()),
    min_size=1,
    max_size=12,
)


@st.composite
def haystacks(draw: st.DrawFn) -> tuple[list[Literal], bytes]:
    """Literals, and a buffer of their bytes (case-flipped at random) mixed with noise."""
    literals = draw(LITERALS)
    parts = []
    for _ in range(draw(st.integers(0, 20))):
        data = draw(st.sampled_from(literals)).data
        parts.append(data.swapcase() if draw(st.booleans()) else data)
        parts.append(bytes(draw(st.lists(st.sampled_from(ALPHABET), max_size=5))))
    return literals, b"".join(parts)


@needs_hyperscan
@settings(max_examples=200, deadline=None)
@given(haystacks())
def test_hyperscan_finds_exactly_what_bytes_find_finds(case: tuple[list[Literal], bytes]) -> None:
    literals, buf = case

    fast = LiteralSet(literals, Engine.HYPERSCAN).find(buf)
    slow = LiteralSet(literals, Engine.FIND).find(buf)

    assert fast == slow


def test_caseless_literals_match_either_case_and_others_only_their_own() -> None:
    for engine in (Engine.FIND, *([Engine.HYPERSCAN] if HAVE_HYPERSCAN else [])):
        found = LiteralSet([Literal(b"Key", caseless=True), Literal(b"Key")], engine)

        assert found.find(b"KEY key Key kkeyy") == [[0, 4, 8, 13], [8]], engine


VALUE = st.text(alphabet="abcXYZ019+/=&%:-_", min_size=4, max_size=40)
CODE = [b"api_key = '", b"secret: ", b"-----BEGIN EC PRIVATE KEY-----\\n", b"\n+", b" token=", b" "]


@needs_hyperscan
@settings(max_examples=200, deadline=None)
@given(st.lists(VALUE, min_size=1, max_size=3), st.data())
def test_both_engines_give_the_same_hits_for_values_and_patterns(
    values: list[str], data: st.DataObject
) -> None:
    secrets = [Secret(f"env:V{i}", v, register=False) for i, v in enumerate(values)]
    pieces = []
    for _ in range(data.draw(st.integers(1, 10))):
        pieces.append(data.draw(st.sampled_from(CODE)))
        value = data.draw(st.sampled_from(values))
        pieces.append(data.draw(st.sampled_from([n.data for n in encoded_forms(value)])))
    buf = b"".join(pieces)

    fast = ExactMatcher(secrets, engine=Engine.HYPERSCAN)
    slow = ExactMatcher(secrets, engine=Engine.FIND)

    for patterns in (False, True):
        assert find_hits(buf, fast, patterns=patterns) == find_hits(buf, slow, patterns=patterns)


def test_a_matcher_shows_no_needle_and_refuses_to_be_pickled() -> None:
    matcher = ExactMatcher(
        [Secret("env:K", KEY, register=False), Secret("env:S", SECRET, register=False)]
    )
    compiled = matcher.literals(patterns=True)
    shown = repr(matcher) + repr(compiled) + repr(Literal(KEY.encode()))

    assert KEY not in shown
    assert SECRET not in shown
    assert len(compiled) > len(PATTERN_LITERALS)
    for value in (matcher, compiled):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(value)
