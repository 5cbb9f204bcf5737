"""freqtrade's config dialect: JSON with comments and trailing commas, edited in place.

freqtrade reads its config with rapidjson's comment and trailing-comma modes. To blank
a key in such a file without losing the user's comments or layout, the value's exact
span in the text is found and only that span is replaced; the result is parsed again
and checked before anyone writes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

Path_ = tuple[str, ...]
"""A key path in the document, e.g. ("exchange", "key")."""

MAX_DEPTH = 64
"""A freqtrade config is a few levels deep; deeper documents are refused, not parsed."""


class JsoncError(ValueError):
    """The text is not a JSON object freqtrade would read (the message says why)."""


def strip_jsonc(text: str) -> str:
    """The text with comments and trailing commas removed (strings kept as they are)."""
    out: list[str] = []
    for kind, start, end in _tokens(text):
        if kind in "}]":
            _drop_trailing_comma(out)
        out.append(text[start:end])
    return " ".join(out)


def _drop_trailing_comma(out: list[str]) -> None:
    if out and out[-1] == ",":
        out.pop()


def parse_jsonc(text: str) -> dict[str, Any]:
    """The document as a dict; JsoncError when it is not a JSON object."""
    try:
        value = json.loads(strip_jsonc(text), parse_constant=_no_constant)
    except RecursionError:
        raise JsoncError(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise JsoncError(f"not valid JSON ({_short(exc)})") from None
    if not isinstance(value, dict):
        raise JsoncError("not a JSON object (freqtrade's config is one {...})")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _short(exc: ValueError) -> str:
    return str(exc).split(":", 1)[0] if isinstance(exc, json.JSONDecodeError) else str(exc)


_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"/]+|/""",
    re.DOTALL,
)


def _tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of every token but whitespace and comments.

    kind is the punctuation itself, `s` for a string or `v` for any other scalar
    (an unterminated comment leaves a lone `/`, which the JSON parse then refuses).
    """
    pos, n, depth = 0, len(text), 0
    while pos < n:
        match = _TOKEN.match(text, pos)
        if match is None:  # only an unterminated string gets here
            raise JsoncError("an unterminated string")
        pos, tok = match.end(), match.group()
        if tok.isspace() or tok.startswith(("//", "/*")):
            continue
        depth += (tok in "{[") - (tok in "}]") if len(tok) == 1 else 0
        if depth > MAX_DEPTH:
            raise JsoncError(f"nested more than {MAX_DEPTH} levels deep")
        kind = tok if len(tok) == 1 and tok in "{}[]:," else "s" if tok[0] == '"' else "v"
        yield kind, match.start(), match.end()


@dataclass
class _Frame:
    kind: str
    path: Path_
    start: int
    key: str = ""
    expect_key: bool = True


@dataclass
class _Walk:
    wanted: frozenset[Path_]
    spans: dict[Path_, list[tuple[int, int]]] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)

    def value_path(self) -> Path_ | None:
        if not self.stack:
            return ()
        top = self.stack[-1]
        return (*top.path, top.key) if top.kind == "{" else None

    def record(self, path: Path_ | None, start: int, end: int) -> None:
        if path is not None and path in self.wanted:
            self.spans.setdefault(path, []).append((start, end))


def value_spans(text: str, wanted: frozenset[Path_]) -> dict[Path_, list[tuple[int, int]]]:
    """Where each wanted key's value sits in `text` (all of them, if a key repeats).

    Call only on text parse_jsonc accepted; arrays' items have no path (never wanted).
    """
    walk = _Walk(wanted)
    for kind, start, end in _tokens(text):
        top = walk.stack[-1] if walk.stack else None
        if kind in "{[":
            path = walk.value_path()
            walk.stack.append(_Frame(kind, path if path is not None else ("[]",), start))
        elif kind in "}]":
            frame = walk.stack.pop()
            walk.record(_frame_path(walk, frame), frame.start, end)
        elif top is not None and kind in ":,":
            top.expect_key = kind == "," and top.kind == "{"
        elif top is not None and top.kind == "{" and top.expect_key:
            top.key = json.loads(text[start:end])
        else:
            walk.record(walk.value_path(), start, end)
    return walk.spans


def _frame_path(walk: _Walk, frame: _Frame) -> Path_ | None:
    """The path of a container that just closed (its parent decides it)."""
    return walk.value_path() if frame.path != ("[]",) else None


def replace_values(text: str, new: Mapping[Path_, Any]) -> str:
    """`text` with each path's value replaced by `new[path]` (JSON), all else untouched.

    The result is parsed again: every edited path must read back as its new value,
    or JsoncError is raised and nothing is returned to write.
    """
    spans = value_spans(text, frozenset(new))
    edits = sorted(
        ((start, end, json.dumps(new[path])) for path, found in spans.items()
         for start, end in found),
        reverse=True,
    )  # fmt: skip
    out = text
    for start, end, literal in edits:
        out = out[:start] + literal + out[end:]
    check = parse_jsonc(out)
    for path, value in new.items():
        if path in spans and lookup(check, path) != value:
            raise JsoncError(f"could not rewrite {'.'.join(path)} in place")
    return out


def lookup(data: Mapping[str, Any], path: Path_) -> Any:
    """The value at `path`, or None when any part of it is missing or not an object."""
    value: Any = data
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
