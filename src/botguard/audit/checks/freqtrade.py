"""freqtrade's own config files: its API server, and keys or tokens written into them.

Read from `[bot] framework_config` (or the workdir's config.json), merged in order as
freqtrade merges repeated `-c` files. The files are JSON with comments and trailing
commas allowed (freqtrade parses them that way). Values are judged, never shown.

freqtrade only warns about an API server beyond loopback, an empty password or the
sample `jwt_secret_key`, and starts anyway: an empty password still issues tokens,
and a token signed with a public sample secret is accepted.
"""

from __future__ import annotations

from typing import Any

from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status
from botguard.framework.freqtrade import (
    SAMPLE_SECRETS,
    FrameworkConfigError,
    FreqtradeConfig,
    api_server_problems,
    config_files,
    deep_merge,
    load_freqtrade,
    with_handed_over,
)
from botguard.framework.jsonc import strip_jsonc

__all__ = [
    "SAMPLE_SECRETS",
    "FrameworkConfigError",
    "FreqtradeConfig",
    "api_server_problems",
    "config_files",
    "deep_merge",
    "load_freqtrade",
    "strip_jsonc",
    "with_handed_over",
]

SECRET_FIELDS = (
    ("exchange", "key"),
    ("exchange", "secret"),
    ("exchange", "password"),
    ("exchange", "uid"),
    ("exchange", "private_key"),
    ("exchange", "privateKey"),
    ("telegram", "token"),
    ("discord", "webhook_url"),
)
"""Fields that hold a credential freqtrade can take from its environment instead."""


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def secrets_in_files(ft: FreqtradeConfig) -> list[str]:
    """`section.field` of every credential that is set in the files (names only)."""
    found = []
    for section, field in SECRET_FIELDS:
        value = _section(ft.data, section).get(field)
        if isinstance(value, str) and value.strip():
            found.append(f"{section}.{field}")
    return found


CCXT_CONFIGS = ("ccxt_config", "ccxt_async_config", "ccxt_sync_config")
"""Where freqtrade passes options to ccxt; `verbose` in any logs each request's headers."""


def verbose_ccxt(ft: FreqtradeConfig) -> list[str]:
    """`exchange.<ccxt config>.verbose` set true: ccxt then prints every request with its
    headers (X-MBX-APIKEY, OK-ACCESS-KEY...) into freqtrade's log."""
    exchange = _section(ft.data, "exchange")
    return [f"exchange.{name}.verbose" for name in CCXT_CONFIGS
            if _section(exchange, name).get("verbose") is True]  # fmt: skip


def _load(ctx: Context) -> FreqtradeConfig | Outcome:
    """The merged freqtrade config, or the outcome that says why there is none."""
    if ctx.config.bot.framework != "freqtrade":
        return Outcome(Status.SKIP, 'no [bot] framework = "freqtrade"')
    files = config_files(ctx.config)
    if not files:
        return Outcome(Status.SKIP, "no freqtrade config file: set [bot] framework_config")
    cached = ctx.cache.get("freqtrade.config")
    if isinstance(cached, FreqtradeConfig):
        return cached
    try:
        loaded = load_freqtrade(files)
    except FrameworkConfigError as exc:
        return Outcome(Status.ERROR, str(exc), subject=str(files[0]))
    ctx.cache["freqtrade.config"] = loaded
    return loaded


def _subject(ft: FreqtradeConfig) -> str:
    return ", ".join(str(p) for p in ft.files)


@host_check(
    "host.framework_api",
    "freqtrade's API server is loopback-only, with a strong password and its own secrets",
    Severity.HIGH,
    'In the freqtrade config set "api_server": {"listen_ip_address": "127.0.0.1", a long '
    'random "password", "jwt_secret_key" and "ws_token" (python3 -c "import secrets; '
    'print(secrets.token_urlsafe(32))"), "CORS_origins": only your UI\'s origin}; reach '
    "it through an SSH tunnel (ssh -L 8080:127.0.0.1:8080 HOST). freqtrade also reads "
    "them from FREQTRADE__API_SERVER__PASSWORD, ..._JWT_SECRET_KEY, ..._WS_TOKEN.",
)
async def framework_api(ctx: Context) -> Outcome:
    """The REST API can force entries and exits: reachable and weakly guarded, it is a key."""
    loaded = _load(ctx)
    if isinstance(loaded, Outcome):
        return loaded
    problems = api_server_problems(with_handed_over(ctx.config, loaded.data))
    if not _section(loaded.data, "api_server").get("enabled"):
        return Outcome(Status.PASS, "API server disabled", subject=_subject(loaded))
    if problems:
        return Outcome(Status.FAIL, "api_server " + "; ".join(problems), _subject(loaded))
    return Outcome(Status.PASS, "API server on loopback, strong secrets", _subject(loaded))


@host_check(
    "secrets.not_in_framework_config",
    "No exchange key or bot token in freqtrade's config files",
    Severity.CRITICAL,
    'Blank them in the config file ("key": "", "secret": "") and give them to freqtrade '
    "through its environment: FREQTRADE__EXCHANGE__KEY, FREQTRADE__EXCHANGE__SECRET (and "
    "__PASSWORD), FREQTRADE__TELEGRAM__TOKEN; `botguard run` hands an [[account]] reference "
    'named so (api_key = "env:FREQTRADE__EXCHANGE__KEY") to the bot under that name. '
    "Rotate any key the file held if it was ever committed or copied.",
)
async def not_in_framework_config(ctx: Context) -> Outcome:
    """freqtrade reads keys from config.json or the environment; the file gets copied around."""
    loaded = _load(ctx)
    if isinstance(loaded, Outcome):
        return loaded
    found = secrets_in_files(loaded)
    verbose = verbose_ccxt(loaded)
    said = ["set in the file(s): " + ", ".join(found)] if found else []
    said += [f"{v} is true: ccxt logs every request's headers, the API key among them "
             f"(remove it)" for v in verbose]  # fmt: skip
    if said:
        return Outcome(Status.FAIL, "; ".join(said), _subject(loaded))
    return Outcome(Status.PASS, "no key or token in the file(s)", _subject(loaded))
