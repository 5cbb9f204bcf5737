"""`init --from-freqtrade`, decided before anything is written: a pure plan.

From freqtrade's config files (already read) this works out botguard.toml's text,
the secrets to move into the .env (by freqtrade's own variable names, so `botguard
run` hands each one over as the variable freqtrade reads), and each config file's new
text with those values blanked in place (comments and layout kept). Nothing here
touches the disk, so a refusal leaves every file as it was.
"""

from __future__ import annotations

import json
import secrets as random_tokens
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botguard.errors import UsageError
from botguard.framework.freqtrade import (
    MIN_JWT_SECRET,
    MIN_PASSWORD,
    MIN_WS_TOKEN,
    SECRET_FIELDS,
    env_name,
    survives_env,
)
from botguard.framework.jsonc import Path_, lookup, replace_values

ACCOUNT_FIELDS = {("exchange", "key"): "api_key", ("exchange", "secret"): "secret",
                  ("exchange", "password"): "password", ("exchange", "uid"): "uid",
                  ("exchange", "private_key"): "private_key"}  # fmt: skip
"""freqtrade's exchange credentials -> the [[account]] field whose reference names them."""
TRADING_MODES = {"spot": ["spot"], "futures": ["swap"]}
"""freqtrade's trading_mode -> botguard's markets (freqtrade's futures are perpetuals)."""
FIX_HINT = (
    "the audit's host.framework_api flags the above; pass --fix-api-server to generate "
    "strong secrets and listen on 127.0.0.1"
)
API_MINIMUMS = {
    "password": MIN_PASSWORD,
    "jwt_secret_key": MIN_JWT_SECRET,
    "ws_token": MIN_WS_TOKEN,
}
"""The lengths the audit's host.framework_api asks for (framework/freqtrade.py)."""


@dataclass(frozen=True, slots=True)
class Source:
    """One freqtrade config file as read: its path, text and parsed document."""

    path: Path
    text: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything the plan depends on besides the files, gathered by the CLI."""

    exchange_ok: bool
    """The installed ccxt has the config's exchange id."""
    prefixes: tuple[str, ...]
    """ccxt's broker ids for that exchange and these markets."""
    dotenv: Mapping[str, str]
    """The .env's current entries (a re-run finds the secrets moved last time)."""
    fix_api_server: bool = False


@dataclass
class InitPlan:
    """What init will write, and what it will say."""

    env: dict[str, str] = field(default_factory=dict)
    """Variables to set in the .env (name -> value): the moved and generated secrets."""
    rewrites: dict[Path, str] = field(default_factory=dict)
    """Config files whose text changes (values blanked, listen address fixed)."""
    moved: list[str] = field(default_factory=list)
    """`section.key -> NAME` lines, names only."""
    notes: list[str] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    """Variable name -> where it goes: an [[account]] field or "bot" ([bot] secrets)."""
    missing: list[str] = field(default_factory=list)
    """Required variables the .env will not hold: the user fills them in."""
    exchange: str = ""
    markets: list[str] = field(default_factory=list)
    quote: str = ""
    dry_run: bool = False
    prefixes: tuple[str, ...] = ()
    base_url: str | None = None
    bot_name: str = "freqtrade"


def merged(sources: Sequence[Source]) -> dict[str, Any]:
    """The files merged in order, as freqtrade merges repeated `--config` files."""
    from botguard.framework.freqtrade import deep_merge

    data: dict[str, Any] = {}
    for source in sources:
        data = deep_merge(data, source.data)
    return data


def account_basics(sources: Sequence[Source], data: dict[str, Any]) -> tuple[str, list[str], str]:
    """(exchange id, markets, quote), or a UsageError naming the file and the key."""
    where = ", ".join(str(s.path) for s in sources)
    name = lookup(data, ("exchange", "name"))
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"{where}: no exchange.name; is this a freqtrade config?")
    mode = data.get("trading_mode", "spot")
    if not isinstance(mode, str) or mode not in TRADING_MODES:
        raise UsageError(
            f"{where}: trading_mode {str(mode)[:20]!r} is not one botguard's kill covers "
            "(spot or futures); convert by hand with `botguard init`"
        )
    quote = data.get("stake_currency")
    if not isinstance(quote, str) or not quote.strip() or len(quote) > 20:
        raise UsageError(f'{where}: no stake_currency (e.g. "USDT"); freqtrade needs one too')
    return name.strip().lower(), TRADING_MODES[mode], quote.strip().upper()


def plan_init(sources: Sequence[Source], inputs: Inputs) -> InitPlan:
    """The whole conversion; UsageError (nothing written) when it cannot be done."""
    data = merged(sources)
    exchange, markets, quote = account_basics(sources, data)
    if not inputs.exchange_ok:
        raise UsageError(
            f"{sources[0].path}: exchange.name {exchange[:40]!r} is not an exchange botguard "
            "can open (the installed ccxt has no such id)"
        )
    plan = InitPlan(exchange=exchange, markets=markets, quote=quote, prefixes=inputs.prefixes)
    plan.dry_run = data.get("dry_run") is True
    plan.bot_name = _bot_name(data.get("bot_name"))
    plan.base_url = simulator_url(data)
    edits: dict[Path, dict[Path_, Any]] = {s.path: {} for s in sources}
    _move_secrets(sources, data, inputs, plan, edits)
    _api_server(sources, data, inputs, plan, edits)
    for source in sources:
        if edits[source.path]:
            plan.rewrites[source.path] = _rewrite(source, edits[source.path])
    return plan


def _rewrite(source: Source, new: dict[Path_, Any]) -> str:
    from botguard.framework.jsonc import JsoncError

    try:
        return replace_values(source.text, new)
    except JsoncError as exc:
        raise UsageError(f"{source.path}: {exc}; edit it by hand") from None


def _bot_name(value: Any) -> str:
    from botguard.names import check_bot_name

    try:
        return check_bot_name(value) if isinstance(value, str) else "freqtrade"
    except ValueError:
        return "freqtrade"


def _secret_value(value: Any) -> str | None:
    """A credential's text: a string, or ws_token's one-item list; None when unset."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value if isinstance(value, str) and value else None


def _move_secrets(sources: Sequence[Source], data: dict[str, Any], inputs: Inputs,
                  plan: InitPlan, edits: dict[Path, dict[Path_, Any]]) -> None:  # fmt: skip
    """Every credential set in the files goes to the .env under freqtrade's name."""
    for path in SECRET_FIELDS:
        name = env_name(*path)
        text = _secret_value(lookup(data, path))
        holders = [s for s in sources if lookup(s.data, path) not in (None, "", [])]
        if text is None:
            _unused(path, holders, plan, edits)
            continue
        if not survives_env(name, text):
            raise UsageError(
                f"{holders[0].path}: {'.'.join(path)} looks like a number or true/false, which "
                f"freqtrade would not read back from {name} as text; rotate it, then re-run"
            )
        plan.env[name] = text
        plan.moved.append(f"{'.'.join(path)} -> {name}")
        for source in holders:
            edits[source.path][path] = ""
    for path in SECRET_FIELDS:
        name = env_name(*path)
        if name in plan.env or inputs.dotenv.get(name):
            plan.refs[name] = ACCOUNT_FIELDS.get(path, "bot")
    for name in (env_name("exchange", "key"), env_name("exchange", "secret")):
        plan.refs.setdefault(name, ACCOUNT_FIELDS[("exchange", name.rsplit("__", 1)[1].lower())])
        if name not in plan.env and not inputs.dotenv.get(name):
            plan.missing.append(name)


def _unused(path: Path_, holders: Sequence[Source], plan: InitPlan,
            edits: dict[Path, dict[Path_, Any]]) -> None:  # fmt: skip
    """A credential freqtrade does not use (a later file blanks it) is blanked all the
    same: it is a key in a file. One that is not text is left, and said."""
    dotted = ".".join(path)
    for source in holders:
        if isinstance(lookup(source.data, path), str):
            edits[source.path][path] = ""
            plan.moved.append(f"{dotted} blanked in {source.path.name} (a later file overrides it)")
        else:
            plan.notes.append(f"{dotted} is not text; move it out of {source.path.name} by hand")


def _api_server(sources: Sequence[Source], data: dict[str, Any], inputs: Inputs,
                plan: InitPlan, edits: dict[Path, dict[Path_, Any]]) -> None:  # fmt: skip
    """Weak API-server settings: fixed with --fix-api-server, else said (the audit flags)."""
    from botguard.framework.freqtrade import api_server_problems

    api = data.get("api_server")
    if not isinstance(api, dict) or not api.get("enabled"):
        return
    if not inputs.fix_api_server:
        problems = api_server_problems(_with_env(data, plan.env, inputs.dotenv))
        plan.notes += [f"api_server {p}" for p in problems]
        if problems:
            plan.notes.append(FIX_HINT)
        return
    for key, minimum in API_MINIMUMS.items():
        name = env_name("api_server", key)
        current = plan.env.get(name) or inputs.dotenv.get(name) or _secret_value(api.get(key))
        if current is not None and len(current) >= minimum and not _sample(current):
            continue
        plan.env[name] = _token()
        plan.refs[name] = "bot"
        plan.moved.append(f"api_server.{key} -> {name} (generated)")
        for source in sources:
            if lookup(source.data, ("api_server", key)) not in (None, "", []):
                edits[source.path][("api_server", key)] = ""
    _listen_on_loopback(sources, plan, edits)


def _listen_on_loopback(sources: Sequence[Source], plan: InitPlan,
                        edits: dict[Path, dict[Path_, Any]]) -> None:  # fmt: skip
    from botguard.framework.freqtrade import is_loopback

    path = ("api_server", "listen_ip_address")
    for source in sources:
        address = lookup(source.data, path)
        if address is not None and not is_loopback(address):
            edits[source.path][path] = "127.0.0.1"
            plan.moved.append(f"api_server.listen_ip_address -> 127.0.0.1 in {source.path.name}")


def _sample(value: str) -> bool:
    from botguard.framework.freqtrade import SAMPLE_SECRETS

    return value in SAMPLE_SECRETS


def _token() -> str:
    """A strong random token freqtrade reads back as text from its environment."""
    while True:
        token = random_tokens.token_urlsafe(32)
        if survives_env("FREQTRADE__API_SERVER__TOKEN", token):
            return token


def _with_env(data: dict[str, Any], *layers: Mapping[str, str]) -> dict[str, Any]:
    """`data` as freqtrade sees it with these FREQTRADE__ variables set (env wins)."""
    api = dict(data.get("api_server") or {})
    for layer in reversed(layers):
        for key in API_MINIMUMS:
            value = layer.get(env_name("api_server", key))
            if value:
                api[key] = value
    return {**data, "api_server": api}


def simulator_url(data: dict[str, Any]) -> str | None:
    """The origin every `exchange.ccxt_config.urls.api` URL points at, when that is one
    loopback http server (a `botguard sim`): the account's base_url then goes there too."""
    from urllib.parse import urlsplit

    urls = lookup(data, ("exchange", "ccxt_config", "urls", "api"))
    origins = set()
    for url in _leaves(urls):
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "ws") or parts.hostname not in _LOOPBACK:
            return None
        try:
            port = parts.port
        except ValueError:
            return None
        origins.add(f"http://{parts.hostname}:{port}" if port else "")
    return origins.pop() or None if len(origins) == 1 else None


_LOOPBACK = ("127.0.0.1", "localhost")


def _leaves(tree: Any, depth: int = 0) -> list[Any]:
    """Every value under nested dicts (ccxt.pro keeps its websocket URLs in `api.ws`)."""
    if not isinstance(tree, dict) or depth > 4:
        return [tree]
    return [leaf for value in tree.values() for leaf in _leaves(value, depth + 1)]


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)
