"""botguard.toml: one pydantic model, and load_config() that reports every problem.

Bad input never produces a traceback: each problem becomes one line naming the
file, the key path and what was expected, and the whole lot is raised as a
ConfigError (exit 2). Input values are never echoed, because a value in the wrong
place may be a secret.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from botguard.errors import ConfigError
from botguard.names import (
    check_argument,
    check_bot_name,
    check_path_argument,
    check_service,
    check_ssh_user,
    check_user,
    check_writable_path,
)

DEFAULT_CONFIG = Path("botguard.toml")
CONFIG_ENV = "BOTGUARD_CONFIG"

REF_SCHEMES = ("env", "dotenv", "file", "systemd", "keyring", "vault")
_REF_RE = re.compile(r"^(?:%s):\S+$" % "|".join(REF_SCHEMES))  # noqa: UP031


def _check_ref(value: str) -> str:
    if not _REF_RE.match(value):
        schemes = ", ".join(f"{s}:" for s in REF_SCHEMES)
        raise ValueError(
            f'not a secret reference; write a reference such as "env:EX_API_KEY" ({schemes}), '
            "never the value itself"
        )
    return value


SecretRef = Annotated[str, AfterValidator(_check_ref)]
"""A secret reference such as `env:EX_API_KEY`; see botguard.secrets.refs."""

Market = Literal["spot", "swap", "future"]

MAX_WAIT_S = 3600.0
"""The longest deadline, grace, poll or timer botguard accepts (as `kill --deadline`)."""
MAX_DEPTH = 32
"""botguard.toml is a few tables deep; deeper nesting is refused before it is validated."""


def _check_port(value: str) -> str:
    from urllib.parse import urlsplit

    try:
        port = urlsplit(value).port
    except ValueError:
        port = 0
    if port == 0:
        raise ValueError("the port must be 1 to 65535, e.g. http://127.0.0.1:8899")
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


UnitUser = Annotated[str, AfterValidator(check_user)]
"""A Unix user name that goes into User= and Group=."""


ClientIdPrefix = Annotated[str, Field(pattern=r"^[!-~]{1,32}$")]
"""A client-id prefix: 1 to 32 printable ASCII characters, no whitespace (exchanges
allow at most 32 to 40 characters in a whole id; ccxt's broker ids are 10)."""


class BotConfig(_Section):
    """[bot]: the trading bot botguard protects."""

    name: Annotated[str, AfterValidator(check_bot_name)]
    workdir: Path | None = None
    """The bot's source tree, scanned for leaks."""
    user: UnitUser | None = None
    """Unix user the bot runs as (never root)."""
    service: Annotated[str, AfterValidator(check_service)] | None = None
    """systemd unit that kill stops."""
    pidfile: Path | None = None
    """A pid file to signal when there is no unit."""
    command: list[Annotated[str, AfterValidator(check_argument)]] = Field(default_factory=list)
    """How to start the bot (used by `harden` for ExecStart and by `run`)."""
    logs: list[str] = Field(default_factory=list)
    """Glob patterns of the bot's logs (rotated and gzipped ones too)."""
    heartbeat: Path | None = None
    """File the bot (or `botguard run`) touches; `watch` trips when it goes stale."""
    client_id_prefix: str = Field(default="bg", pattern=r"^[A-Za-z0-9]{1,8}$")
    """Prefix of every client order id the guarded bot sends (and the kill's own)."""
    client_id_prefixes: list[ClientIdPrefix] = Field(default_factory=list, max_length=16)
    """More prefixes of the bot's ids, as real bots make them: ccxt's Binance broker ids
    (`x-TKT5PX2F` spot, `x-cvBPrNm9` futures) for a freqtrade. Ids with none are foreign."""

    framework: Literal["freqtrade"] | None = None
    """The bot framework, when the bot is one botguard knows (its audit checks apply)."""
    framework_config: list[Path] = Field(default_factory=list, max_length=16)
    """The framework's own config files, in the order it reads them (freqtrade's `-c`)."""
    secrets: list[SecretRef] = Field(default_factory=list, max_length=32)
    """More secrets `run` hands the bot besides the accounts' keys, each under its
    reference's last part: `dotenv:.env#FREQTRADE__TELEGRAM__TOKEN` becomes the
    variable FREQTRADE__TELEGRAM__TOKEN (freqtrade's own tokens and API passwords)."""

    @model_validator(mode="after")
    def _framework_config_needs_framework(self) -> BotConfig:
        if self.framework_config and self.framework is None:
            raise ValueError(
                'framework_config is set but framework is not: add framework = "freqtrade"'
            )
        return self

    @property
    def id_prefixes(self) -> tuple[str, ...]:
        """Every prefix an order of the bot (or of the kill) may carry."""
        return tuple(dict.fromkeys([self.client_id_prefix, *self.client_id_prefixes]))


class StateConfig(_Section):
    """[state]: where botguard keeps its journal, halt flag and caches."""

    dir: Path = Path("/var/lib/botguard")


class AccountConfig(_Section):
    """[[account]]: one exchange account the bot trades on."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    exchange: str = Field(min_length=1, pattern=r"^[a-z0-9]+$")
    """The ccxt exchange id, e.g. `binance`."""
    api_key: SecretRef
    secret: SecretRef
    password: SecretRef | None = None
    """Passphrase, for exchanges that have one (OKX, KuCoin, Bitget)."""
    uid: SecretRef | None = None
    private_key: SecretRef | None = None
    """Wallet private key (Hyperliquid agent wallet)."""
    wallet_address: str | None = None
    markets: list[Market] = Field(default_factory=lambda: list[Market](["spot"]), min_length=1)
    """What kill cancels and flattens."""
    quote: str = Field(default="USDT", min_length=1)
    """The currency kill sells into."""
    keep: list[str] = Field(default_factory=list)
    """Assets kill never sells."""
    base_url: Annotated[str, AfterValidator(_check_port)] | None = Field(
        default=None, pattern=r"^https?://[^\s/]+(:\d+)?/?$"
    )
    """Route every call to this server (a `botguard sim`)."""
    sandbox: bool = False
    """Use the exchange's testnet."""
    flatten: Literal["all", "bot"] = "all"
    """What kill sells and closes (when `[kill] flatten` is on): "all" of the account, or
    only what the bot holds ("bot": freqtrade's open trades), leaving the rest alone.
    Cancels take every open order either way."""


class KillConfig(_Section):
    """[kill]: how the kill switch behaves."""

    deadline_s: float = Field(default=30.0, gt=0, le=MAX_WAIT_S)
    """How long kill may spend cancelling, flattening and verifying."""
    grace_s: float = Field(default=10.0, ge=0, le=MAX_WAIT_S)
    """Time between SIGTERM and SIGKILL when stopping the bot by pid."""
    flatten: bool = True


class GuardConfig(_Section):
    """[guard]: pre-trade limits in the bot and the watchdog's trip conditions.

    Amounts are in the account's quote currency.
    """

    symbols: list[str] = Field(default_factory=list)
    """Allowed symbols; empty allows all."""
    max_order_notional: Decimal | None = Field(default=None, gt=0)
    max_position_notional: Decimal | None = Field(default=None, gt=0)
    max_total_notional: Decimal | None = Field(default=None, gt=0)
    max_open_orders: int | None = Field(default=None, gt=0)
    max_orders_per_second: float | None = Field(default=None, gt=0)
    max_orders_per_minute: float | None = Field(default=None, gt=0)
    price_band_pct: float | None = Field(default=None, gt=0)
    """Reject orders priced further than this from the last price (fat finger)."""
    max_daily_loss: Decimal | None = Field(default=None, gt=0)
    trip_after_breaches: int = Field(default=3, ge=1)
    """Breaches within a minute that trip the kill switch."""
    max_drawdown_pct: float | None = Field(default=None, gt=0, lt=100)
    """Watch: trip when equity falls this far below its peak."""
    poll_s: float = Field(default=5.0, gt=0, le=MAX_WAIT_S)
    heartbeat_max_age_s: float = Field(default=120.0, gt=0, le=7 * 86400)
    max_auth_errors: int = Field(default=3, ge=1)
    dead_man_s: float | None = Field(default=60.0, gt=0, le=MAX_WAIT_S)
    """Keep the exchange's cancel-all-after timer armed this long ahead."""


class AlertsConfig(_Section):
    """[alerts]: apprise URLs (they carry tokens, so they are secret references)."""

    urls: list[SecretRef] = Field(default_factory=list)


class ScanConfig(_Section):
    """[scan]: leak finder settings."""

    min_prefix: int = Field(default=12, ge=6)
    """A secret's prefix of this many characters counts as a leak (truncated logs)."""
    exclude: list[str] = Field(default_factory=list)


def _check_cidr(value: str) -> str:
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError("not an IP address or network; write e.g. 203.0.113.0/24") from None
    return value


def _check_tcp_port(value: int) -> int:
    """A port nft accepts; 0 or 70000 would only fail later, at `nft -c` or on the host."""
    if not 1 <= value <= 65535:
        raise ValueError("a TCP port is 1 to 65535, e.g. 443")
    return value


class HardenConfig(_Section):
    """[harden]: what `botguard harden` writes besides the bot's own unit."""

    ssh_allow: list[Annotated[str, AfterValidator(_check_cidr)]] = Field(default_factory=list)
    """Networks allowed to reach SSH; empty allows any source."""
    ssh_port: int = Field(default=22, ge=1, le=65535)
    ssh_users: list[Annotated[str, AfterValidator(check_ssh_user)]] = Field(default_factory=list)
    """If set, the only users sshd lets in (AllowUsers)."""
    egress_tcp_ports: list[Annotated[int, AfterValidator(_check_tcp_port)]] = Field(
        default_factory=lambda: [443], min_length=1
    )
    """Outbound TCP ports the firewall opens (HTTPS; add 9443 for Binance websockets)."""
    watch_user: UnitUser = "botguard"
    """Unix user of the watchdog unit; not the bot's user, so the bot cannot stop it."""
    memory_deny_write_execute: bool = True
    """False only for bots that need W+X memory (cffi `ffi.callback`, JITs)."""
    botguard: Annotated[Path, AfterValidator(check_path_argument)] | None = None
    """Absolute path of the botguard executable the units call (default: this one)."""
    writable_paths: list[Annotated[Path, AfterValidator(check_writable_path)]] = Field(
        default_factory=list, max_length=32
    )
    """Absolute paths the bot's unit may write (ReadWritePaths=); its workdir stays read-only."""
    notify: bool = False
    """The bot speaks sd_notify (freqtrade's `--sd-notify`): its unit gets Type=notify."""


def _check_public_key(value: str) -> str:
    import base64
    import binascii

    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(
            "not an Ed25519 public key; write the base64 of its 32 raw bytes "
            "(see the README's Fleet section)"
        )
    return value


class FleetConfig(_Section):
    """[fleet]: this host's place in a fleet halted by one signed command (NATS JetStream)."""

    url: str = Field(pattern=r"^(nats|tls)://[^\s/]+(:\d+)?/?$")
    """The NATS server, e.g. nats://10.0.0.5:4222 (tls:// for TLS)."""
    name: str = Field(default="botguard", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    """The fleet's name: its KV bucket is `botguard_<name>`, and every command names it."""
    host: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    """This host's name in the fleet (its status key and its report)."""
    groups: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]] = Field(
        default_factory=list
    )
    """Groups a `fleet kill --group G` can target."""
    user: str | None = Field(default=None, min_length=1)
    """The NATS user (default: `host`)."""
    credentials: SecretRef | None = None
    """The NATS user's password, as a secret reference."""
    operator_key: Annotated[str, AfterValidator(_check_public_key)]
    """The operator's Ed25519 public key (base64 of 32 bytes): only its commands are obeyed."""
    operator_private_key: SecretRef | None = None
    """Operator hosts only: the Ed25519 private key (PEM) that signs `fleet kill|resume`."""
    heartbeat_s: float = Field(default=5.0, gt=0, le=300)
    """How often the guardian writes its status (heartbeat) to the bucket."""
    halt_if_disconnected_s: float | None = Field(default=None, gt=0)
    """Halt the bot when the control channel has been lost this long (off by default)."""


class Config(_Section):
    """The whole botguard.toml."""

    bot: BotConfig
    state: StateConfig = Field(default_factory=StateConfig)
    account: list[AccountConfig] = Field(default_factory=list)
    kill: KillConfig = Field(default_factory=KillConfig)
    guard: GuardConfig = Field(default_factory=GuardConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    scan: ScanConfig = Field(default_factory=ScanConfig)
    harden: HardenConfig = Field(default_factory=HardenConfig)
    fleet: FleetConfig | None = None
    path: Path = Field(default=DEFAULT_CONFIG, exclude=True)
    """Where this config was read from (set by load_config, not by the file)."""

    @model_validator(mode="after")
    def _bot_flatten_needs_framework(self) -> Config:
        for account in self.account:
            if account.flatten == "bot" and self.bot.framework is None:
                raise ValueError(
                    f'account "{account.name}" has flatten = "bot", which reads what the bot '
                    'holds from its framework\'s books: add framework = "freqtrade" under [bot] '
                    '(or use flatten = "all")'
                )
        return self

    @model_validator(mode="after")
    def _unique_account_names(self) -> Config:
        seen: set[str] = set()
        for account in self.account:
            if account.name in seen:
                raise ValueError(f'two accounts are named "{account.name}"; names must be unique')
            seen.add(account.name)
        return self

    def get_account(self, name: str) -> AccountConfig:
        """The account with this name, or a ConfigError listing the known names."""
        for account in self.account:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.account) or "none"
        raise ConfigError(f"{self.path}: no account named {name!r} (configured: {known})")


def config_path(explicit: Path | None = None) -> Path:
    """The config file to use: --config, else $BOTGUARD_CONFIG, else ./botguard.toml."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG


def make_state_dir(path: Path) -> Path:
    """Create the state dir (mode 700), or a ConfigError saying how to fix [state] dir.

    Every writer (journal, halt flag, kill lock) goes through here, so a file in the
    way or a read-only folder stops a command before it has done anything. A state dir
    (or a parent botguard created) that another user owns, or that group or others may
    write, is refused: whoever can write it can plant links where root writes, or lower
    the halt flag.
    """
    try:
        created = _make_dirs(path)
    except (FileExistsError, NotADirectoryError):
        reason = "a file is in the way"
    except OSError as exc:
        reason = f"cannot create it ({exc.strerror})"
    except ValueError:
        reason = "the path contains a NUL character"
    else:
        for folder in (path, *created):
            check_private_dir(folder)
        if os.access(path, os.W_OK | os.X_OK):
            return path
        reason = "not writable by this user"
    raise ConfigError(
        f"state dir {path}: {reason}; set `dir` under [state] in botguard.toml "
        "to a folder botguard can write"
    )


def _make_dirs(path: Path) -> list[Path]:
    """mkdir -p with mode 700 for every folder made (Path.mkdir gives parents 777-umask)."""
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not path.is_dir():
        raise NotADirectoryError(path)
    return missing[1:]


def check_private_dir(folder: Path) -> None:
    """A ConfigError unless root or this user owns `folder` and only its owner may write it."""
    info = folder.stat()
    euid = os.geteuid()
    if info.st_uid not in (0, euid):
        owner, me = _user(info.st_uid), _user(euid)
        raise ConfigError(  # harden's layout gives the state dir to the watch user
            f"state dir {folder}: owned by {owner}, not by root or this user ({me}), so "
            f"that user could tamper with it; run botguard as {owner} (`sudo -u {owner} "
            f"botguard ...`), or take it over with `chown {me} {folder}`"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise ConfigError(
            f"state dir {folder}: group or others may write it (mode {mode:04o}); "
            f"fix with `chmod go-w {folder}`"
        )


def _user(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def load_config(path: Path | None = None) -> Config:
    """Read and validate botguard.toml; relative paths resolve against its folder."""
    path = config_path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: not found; run `botguard init` to create one, or pass --config PATH"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path}: is a directory; pass the botguard.toml file itself with --config PATH"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read it ({exc.strerror}); check the path and its permissions"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save botguard.toml as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(_too_deep(path, "(top level)")) from None
    return parse_config(raw, path=path)


def parse_config(raw: dict[str, Any], *, path: Path) -> Config:
    """Validate an already-parsed TOML document."""
    raw = dict(raw)
    raw.pop("path", None)
    problems = list(_raw_problems(raw, path))
    if problems:
        raise ConfigError("\n".join(problems))
    try:
        config = Config.model_validate({**raw, "path": path})
    except ValidationError as exc:
        raise ConfigError("\n".join(_problem_lines(exc, path))) from None
    return _resolve_paths(config, path.parent)


def _raw_problems(raw: Any, path: Path) -> Iterator[str]:
    """NUL characters (no path or name may hold one) and absurd nesting, before pydantic.

    Walked iteratively with a depth bound, so no document can exhaust the stack here.
    """
    stack: list[tuple[tuple[int | str, ...], Any]] = [((), raw)]
    while stack:
        loc, value = stack.pop()
        key = _key_path(loc) or "(top level)"
        if len(loc) > MAX_DEPTH:
            yield _too_deep(path, _key_path(loc[:2]) + "...")
            return
        if isinstance(value, str) and "\x00" in value:
            yield f"{path}: {key}: contains a NUL character (\\u0000); remove it"
        elif isinstance(value, dict):
            stack += [((*loc, str(k)), v) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [((*loc, i), v) for i, v in enumerate(value)]


def _too_deep(path: Path, key: str) -> str:
    return (
        f"{path}: {key}: nested more than {MAX_DEPTH} levels deep; botguard.toml needs "
        "a few tables at most (compare with `botguard init`'s template)"
    )


def _problem_lines(exc: ValidationError, path: Path) -> list[str]:
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        key = _key_path(err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key; check the spelling against `botguard init`'s template"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            msg = f"expected a table, e.g. [{key}]" if key else "expected a table"
        elif err["type"] == "list_type" and key == "account":
            msg = "expected a list; write each account as [[account]] (two brackets)"
        elif err["type"] == "string_pattern_mismatch":
            name = next((str(p) for p in reversed(err["loc"]) if isinstance(p, str)), "")
            msg = _PATTERN_HINTS.get(name, msg)
        elif err["type"] == "less_than_equal" and key.endswith("_s"):
            msg += " seconds; botguard waits an hour at most (as `kill --deadline`)"
        lines.append(f"{path}: {key or '(top level)'}: {msg}")
    return lines


_PATTERN_HINTS = {
    "base_url": "expected http://HOST:PORT or https://HOST, e.g. http://127.0.0.1:8899",
    "name": "expected letters, digits and . _ - only, e.g. gridbot",
    "exchange": "expected a lowercase ccxt id, e.g. binance",
    "client_id_prefix": "expected 1 to 8 letters or digits, e.g. bg",
    "client_id_prefixes": "expected 1 to 32 printable characters without spaces, "
    "e.g. x-TKT5PX2F (ccxt's Binance broker id)",
}
"""What a key's pattern means, said the way a person would write the value."""


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _resolve_paths(config: Config, base: Path) -> Config:
    def absolute(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else base / p

    bot_updates = {
        key: absolute(getattr(config.bot, key))
        for key in ("workdir", "pidfile", "heartbeat")
        if absolute(getattr(config.bot, key)) is not None
    }
    logs = [
        pattern if Path(pattern).is_absolute() else str(base / pattern)
        for pattern in config.bot.logs
    ]
    framework_config = [p if p.is_absolute() else base / p for p in config.bot.framework_config]
    secrets = [anchor_ref(ref, base) for ref in config.bot.secrets]
    bot = config.bot.model_copy(
        update={
            **bot_updates,
            "logs": logs,
            "framework_config": framework_config,
            "secrets": secrets,
        }
    )
    state = config.state
    if not state.dir.is_absolute():
        state = state.model_copy(update={"dir": base / state.dir})
    accounts = [
        account.model_copy(
            update={
                field: anchor_ref(ref, base)
                for field in _REF_FIELDS
                if (ref := getattr(account, field)) is not None
            }
        )
        for account in config.account
    ]
    alerts = config.alerts.model_copy(
        update={"urls": [anchor_ref(ref, base) for ref in config.alerts.urls]}
    )
    fleet = config.fleet
    if fleet is not None:
        refs = {k: anchor_ref(r, base) for k in _FLEET_REFS if (r := getattr(fleet, k))}
        fleet = fleet.model_copy(update=refs)
    return config.model_copy(
        update={"bot": bot, "state": state, "account": accounts, "alerts": alerts, "fleet": fleet}
    )


_FLEET_REFS = ("credentials", "operator_private_key")


_REF_FIELDS = ("api_key", "secret", "password", "uid", "private_key")


def anchor_ref(ref: str, base: Path) -> str:
    """A `dotenv:`/`file:` reference with a relative path, made relative to `base`.

    `botguard init` writes `dotenv:.env#EX_API_KEY` next to botguard.toml; the
    reference must mean that file wherever the command is run from (systemd runs
    units from /), so it is anchored at the config's folder, like every other path.
    """
    scheme, _, rest = ref.partition(":")
    if scheme == "file":
        path_text, suffix = rest, ""
    elif scheme == "dotenv":
        path_text, hash_, name = rest.rpartition("#")
        suffix = hash_ + name
    else:
        return ref
    if not path_text or path_text.startswith("~") or Path(path_text).is_absolute():
        return ref
    return f"{scheme}:{base / path_text}{suffix}"
