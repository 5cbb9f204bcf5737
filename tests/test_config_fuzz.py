"""No botguard.toml, however odd, makes the loader raise anything but a ConfigError.

Every command starts with load_config, so an exception of any other type is a traceback
in every command (a NUL byte in a path, nesting deep enough to exhaust the stack, a float
too large for a deadline). The documents are built from the real schema's keys with
values of every TOML type, so most of them reach pydantic rather than stopping early.
"""

from __future__ import annotations

import contextlib
import string
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from botguard.config import (
    AccountConfig,
    AlertsConfig,
    BotConfig,
    Config,
    GuardConfig,
    HardenConfig,
    KillConfig,
    ScanConfig,
    StateConfig,
    load_config,
    parse_config,
)
from botguard.errors import ConfigError
from botguard.secrets.refs import account_refs

MODELS: dict[str, type[BaseModel]] = {
    "bot": BotConfig, "state": StateConfig, "account": AccountConfig, "kill": KillConfig,
    "guard": GuardConfig, "alerts": AlertsConfig, "scan": ScanConfig, "harden": HardenConfig,
}  # fmt: skip
SECTIONS = {name: sorted(model.model_fields) for name, model in MODELS.items()}
_text = st.text(alphabet=string.printable + "\x00é/:#~", max_size=20)
_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats() | _text
    | st.sampled_from(["env:X", "dotenv:.env#K", "file:/x", "http://127.0.0.1:99999", "1e308",
                       "spot", "~/x", "../..", "\x00", "a\x00b", "gridbot"])
)  # fmt: skip
_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=10,
)


# Built once, not inside each draw: building and validating them anew for every
# example took most of this test's 23 s, for the same documents.
_sections = st.lists(st.sampled_from(sorted(SECTIONS)), max_size=4, unique=True)
_tables = {
    section: st.dictionaries(st.sampled_from(keys) | _text, _values, max_size=5)
    for section, keys in SECTIONS.items()
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A botguard.toml as parsed: known sections with known (and some unknown) keys."""
    doc: dict[str, Any] = {}
    for section in draw(_sections):
        table = draw(_tables[section])
        doc[section] = [table] if section == "account" and draw(st.booleans()) else table
    if draw(st.booleans()):
        doc["bot"] = {"name": "gridbot", **(doc.get("bot") or {})}
    return doc


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@settings(max_examples=500, deadline=None)
@given(documents())
@example({"bot": {"name": "g"}, "state": {"dir": "st\x00ate"}})
@example({"bot": {"name": "g"}, "kill": {"deadline_s": 1e308}})
def test_any_document_is_a_config_or_a_config_error(doc: dict[str, Any]) -> None:
    try:
        config = parse_config(doc, path=Path("/etc/botguard/botguard.toml"))
    except ConfigError:
        return
    _assert_usable(config)


def _assert_usable(config: Config) -> None:
    """Every path a loaded config names can be handed to the OS (no ValueError later)."""
    bot = config.bot
    paths = [config.state.dir, bot.workdir, bot.pidfile, bot.heartbeat, *map(Path, bot.logs)]
    refs = [ref for a in config.account for ref in account_refs(a).values()]
    paths += [Path(ref.partition(":")[2].partition("#")[0] or ".") for ref in refs]
    for path in paths:
        if path is not None:
            with contextlib.suppress(OSError):
                path.stat()


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(min_value=30, max_value=5000), key=st.sampled_from(["logs", "command"]))
def test_nesting_of_any_depth_is_a_config_error(
    tmp_path_factory: Any, depth: int, key: str
) -> None:
    path = tmp_path_factory.mktemp("cfg") / "botguard.toml"
    path.write_text(f'[bot]\nname = "g"\n{key} = {"[" * depth}{"]" * depth}\n', encoding="utf-8")
    with contextlib.suppress(ConfigError):
        load_config(path)
    with contextlib.suppress(ConfigError):
        parse_config({"bot": {"name": "g", key: _deep(depth)}}, path=path)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_any_file_is_a_config_or_a_config_error(tmp_path_factory: Any, data: bytes) -> None:
    path = tmp_path_factory.mktemp("cfg") / "botguard.toml"
    path.write_bytes(b'[bot]\nname = "gridbot"\n' + data)
    with contextlib.suppress(ConfigError):
        load_config(path)
