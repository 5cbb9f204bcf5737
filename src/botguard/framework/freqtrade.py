"""freqtrade's side of things: its secret fields, their env names, and its trade database.

freqtrade reads `FREQTRADE__SECTION__KEY` variables over its config files (keys are
lower-cased, and a value that parses as a number or true/false is handed over as one,
except for PASSWORD and CHAT_ID). Its trades live in SQLite (`tradesv3.sqlite`, or
`db_url`, or `--db-url`); the kill reads the open ones (`flatten = "bot"`) through a
read-only open. The database is the bot's: untrusted. Its amounts only ever cap what
the kill sells below what the exchange's own books show, never raise it.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

if TYPE_CHECKING:
    from botguard.config import Config

ENV_PREFIX = "FREQTRADE__"
DEFAULT_DB_URL = "sqlite:///tradesv3.sqlite"
DRY_RUN_DB_URL = "sqlite:///tradesv3.dryrun.sqlite"
"""freqtrade's defaults (freqtrade/constants.py); relative to the directory it runs in."""

SECRET_FIELDS: tuple[tuple[str, str], ...] = (
    ("exchange", "key"),
    ("exchange", "secret"),
    ("exchange", "password"),
    ("exchange", "uid"),
    ("exchange", "private_key"),
    ("telegram", "token"),
    ("discord", "webhook_url"),
    ("api_server", "password"),
    ("api_server", "jwt_secret_key"),
    ("api_server", "ws_token"),
)
"""Config fields that hold a credential, in the order `init --from-freqtrade` moves them.
camelCase fields (`privateKey`) are not here: freqtrade lower-cases env names."""
NOT_CONVERTED = frozenset({"PASSWORD", "CHAT_ID"})
"""The env keys freqtrade keeps as text; every other value is tried as int, float, bool."""
MAX_CONFIG_BYTES = 1 << 20
"""A freqtrade config is a few kB; a bigger file is not read."""
MAX_OPEN_TRADES = 10_000
"""More open trades than this in the database is not a real bot's: the rest are ignored."""


class FrameworkConfigError(Exception):
    """A framework config file could not be read or parsed."""


@dataclass(frozen=True, slots=True)
class FreqtradeConfig:
    """The merged config and the files it came from."""

    files: tuple[Path, ...]
    data: dict[str, Any]


def config_files(config: Config) -> list[Path]:
    """`[bot] framework_config`, else the workdir's config.json when it exists."""
    if config.bot.framework_config:
        return list(config.bot.framework_config)
    workdir = config.bot.workdir
    default = workdir / "config.json" if workdir is not None else None
    return [default] if default is not None and default.is_file() else []


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`, nested dicts merged (freqtrade's order for `-c a -c b`)."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_freqtrade(files: Sequence[Path]) -> FreqtradeConfig:
    """Every file parsed (comments and trailing commas allowed, as freqtrade's rapidjson
    mode) and merged; FrameworkConfigError names the file at fault."""
    from botguard.framework.jsonc import JsoncError, parse_jsonc

    data: dict[str, Any] = {}
    for path in files:
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise FrameworkConfigError(f"cannot read {path}: {exc.strerror}") from None
        if len(raw) > MAX_CONFIG_BYTES:
            raise FrameworkConfigError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
        try:
            parsed = parse_jsonc(raw.decode("utf-8", "replace"))
        except JsoncError as exc:
            raise FrameworkConfigError(f"{path} is {exc}") from None
        data = deep_merge(data, parsed)
    return FreqtradeConfig(tuple(files), data)


SAMPLE_SECRETS = frozenset(
    {
        "super-secret",
        "somethingrandom",
        "somethingRandomSomethingRandom123",  # its config schema's jwt_secret_key default
        "SuperSecurePassword",
        "secret_ws_t0ken.",
        "freqtrader",
    }
)
"""freqtrade's fallback `jwt_secret_key` and the values of its published sample configs."""
MIN_PASSWORD = 12
MIN_JWT_SECRET = 32
MIN_WS_TOKEN = 20

API_ENV = "FREQTRADE__API_SERVER__"


def with_handed_over(config: Config, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the API-server secrets `run` hands freqtrade (`[bot] secrets` named
    FREQTRADE__API_SERVER__KEY): freqtrade's environment wins over its files. A
    reference that does not resolve counts as unset (`secrets check` says why)."""
    from botguard.errors import SecretError
    from botguard.secrets.refs import resolve_secret

    section = data.get("api_server")
    api = dict(section) if isinstance(section, dict) else {}
    for ref in config.bot.secrets:
        name = ref.rpartition("#")[2].rpartition(":")[2].rpartition("/")[2].upper()
        if name.startswith(API_ENV):
            try:
                api[name.removeprefix(API_ENV).lower()] = resolve_secret(ref).reveal()
            except SecretError:
                continue
    return {**data, "api_server": api}


def is_loopback(address: Any) -> bool:
    """True for `localhost` and loopback IPs (an API server only this host reaches)."""
    import ipaddress

    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(address)).is_loopback
    except ValueError:
        return False


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _weak(value: Any, minimum: int) -> str | None:
    """Why a secret is weak (empty, a sample value, too short), or None."""
    if not isinstance(value, str) or not value:
        return "empty"
    if value in SAMPLE_SECRETS:
        return "a value from freqtrade's sample configs"
    if len(value) < minimum:
        return f"shorter than {minimum} characters"
    return None


def api_server_problems(data: dict[str, Any]) -> list[str]:
    """What is wrong with `api_server`, in words (no values but the listen address)."""
    api = _section(data, "api_server")
    if not api.get("enabled"):
        return []
    problems = []
    address = api.get("listen_ip_address", "")
    if not is_loopback(address):
        problems.append(f"listens on {address or '(unset)'}, beyond loopback")
    why = _weak(api.get("password"), MIN_PASSWORD)
    if why:
        problems.append(f"password is {why} (an empty one still issues tokens)")
    why = _weak(api.get("jwt_secret_key", "super-secret"), MIN_JWT_SECRET)
    if why:
        problems.append(f"jwt_secret_key is {why} (tokens signed with it are accepted)")
    tokens = api.get("ws_token")
    for token in tokens if isinstance(tokens, list) else [] if tokens is None else [tokens]:
        why = _weak(token, MIN_WS_TOKEN)
        if why:
            problems.append(f"ws_token is {why}")
            break
    origins = api.get("CORS_origins") or []
    if isinstance(origins, list) and "*" in origins:
        problems.append('CORS_origins allows every origin ("*")')
    return problems


def env_name(section: str, key: str) -> str:
    """The variable freqtrade reads `section.key` from: FREQTRADE__EXCHANGE__KEY."""
    return f"{ENV_PREFIX}{section.upper()}__{key.upper()}"


def survives_env(name: str, value: str) -> bool:
    """True when freqtrade reads `value` back from variable `name` as this same text.

    freqtrade turns "123", "1e5", "nan", "true", "f" into numbers or booleans; a secret
    that looks like one would reach ccxt changed.
    """
    if name.rsplit("__", 1)[-1] in NOT_CONVERTED:
        return True
    if value.lower() in {"t", "true", "f", "false"}:
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def find_db_url(data: dict[str, Any], command: Sequence[str]) -> str:
    """The database freqtrade uses: `--db-url` in the bot's command, else `db_url`, else
    freqtrade's default for live (or dry-run) trading."""
    for i, arg in enumerate(command):
        if arg == "--db-url" and i + 1 < len(command):
            return command[i + 1]
        if arg.startswith("--db-url="):
            return arg.split("=", 1)[1]
    url = data.get("db_url")
    if isinstance(url, str) and url:
        return url
    return DRY_RUN_DB_URL if data.get("dry_run") is True else DEFAULT_DB_URL


def sqlite_path(url: str, base: Path) -> Path | None:
    """The file of a `sqlite:///path` URL (relative to `base`), None for any other URL."""
    if not url.startswith("sqlite:///"):
        return None
    rest = unquote(url.removeprefix("sqlite:///").split("?", 1)[0])
    if not rest or rest == ":memory:":
        return None
    path = Path(rest)
    return path if path.is_absolute() else base / path


class BooksError(Exception):
    """freqtrade's database could not be read (the message says why, one line)."""


@dataclass(frozen=True, slots=True)
class OpenTrades:
    """What freqtrade's open trades hold, summed: the bot's share of the account."""

    assets: dict[str, Decimal] = field(default_factory=dict)
    """Spot: base asset -> amount the open trades bought."""
    positions: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    """Futures: (ccxt symbol, "long" | "short") -> amount in the base currency."""
    contract_sizes: dict[str, Decimal] = field(default_factory=dict)
    """Futures: symbol -> contract size freqtrade recorded (amount / size = contracts)."""


_OPEN_TRADES = (
    "SELECT pair, base_currency, amount, is_short, trading_mode, contract_size "
    "FROM trades WHERE is_open = 1 LIMIT ?"
)


def read_open_trades(db: Path) -> OpenTrades:
    """The open trades in freqtrade's database, opened read-only (never created, never
    locked for writing). BooksError when it is missing, not SQLite or not freqtrade's."""
    if not db.is_file():
        raise BooksError(f"freqtrade's database {db} does not exist")
    uri = f"file:{quote(str(db))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=0.5)
        try:
            rows = conn.execute(_OPEN_TRADES, (MAX_OPEN_TRADES,)).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BooksError(f"freqtrade's database {db} could not be read ({exc})") from None
    return _sum_trades(rows)


def _sum_trades(rows: list[tuple[Any, ...]]) -> OpenTrades:
    out = OpenTrades()
    for pair, base, amount, is_short, mode, size in rows:
        qty = _amount(amount)
        if not isinstance(pair, str) or "/" not in pair or qty is None:
            continue
        if str(mode).lower() == "futures" or ":" in pair:
            key = (pair, "short" if is_short else "long")
            out.positions[key] = out.positions.get(key, Decimal(0)) + qty
            size_d = _amount(size)
            if size_d:
                out.contract_sizes[pair] = size_d
        else:
            asset = base if isinstance(base, str) and base else pair.split("/", 1)[0]
            out.assets[asset] = out.assets.get(asset, Decimal(0)) + qty
    return out


def _amount(value: Any) -> Decimal | None:
    """A finite, non-negative amount from a database cell, or None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None
