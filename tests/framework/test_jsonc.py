"""freqtrade's config dialect: parsed like freqtrade, edited without touching anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.framework.jsonc import JsoncError, lookup, parse_jsonc, replace_values

_keys = st.sampled_from(["exchange", "key", "secret", "api_server", "ws_token", "a", "//", "/*"])
_leaves = st.none() | st.booleans() | st.integers() | st.text(max_size=8)
_json = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)
WANTED = (("exchange", "key"), ("exchange", "secret"), ("api_server", "ws_token"))


def _with_comments(text: str, draw: Any) -> str:
    """Comments and trailing commas where freqtrade's parser allows them."""
    out = []
    for line in text.splitlines():
        out.append(line)
        if draw(st.booleans()):
            out.append('  // a note with "quotes" and /* */')
    joined = "\n".join(out)
    return joined.replace("\n}", ",\n}", 1) if draw(st.booleans()) and "\n}" in joined else joined


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _json, max_size=4), st.data())
def test_blanking_changes_exactly_the_wanted_values(doc: dict[str, Any], data: Any) -> None:
    text = _with_comments(json.dumps(doc, indent=data.draw(st.sampled_from([None, 2]))), data.draw)
    try:
        parsed = parse_jsonc(text)
    except JsoncError:  # a trailing comma after a comment-only line: fine to refuse
        return
    assert parsed == doc
    new = replace_values(text, dict.fromkeys(WANTED, ""))
    expected = json.loads(json.dumps(doc))
    for section, key in WANTED:
        holder = expected.get(section)
        if isinstance(holder, dict) and key in holder:
            holder[key] = ""
    assert parse_jsonc(new) == expected
    replaced = [lookup(doc, path) for path in WANTED]
    if not any(isinstance(v, list | dict) for v in replaced):  # a comment inside one goes too
        assert new.count("// a note") == text.count("// a note")


@pytest.mark.parametrize(
    "text",
    ["", "[]", "{", '{"a": }', '{"a": 1} /* open', '{"a": "open}', "{'a': 1}", '{"a": NaN}'],
)
def test_not_a_config_is_a_jsonc_error(text: str) -> None:
    with pytest.raises(JsoncError):
        parse_jsonc(text)


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(JsoncError, match="nested more than"):
        parse_jsonc('{"a": ' * 10_000 + "1" + "}" * 10_000)


def test_url_slashes_in_strings_are_not_comments() -> None:
    text = '{"exchange": {"url": "http://x//y", "key": "k"}, // note\n}'
    assert lookup(parse_jsonc(replace_values(text, {("exchange", "key"): ""})), ("exchange",)) == {
        "url": "http://x//y",
        "key": "",
    }
