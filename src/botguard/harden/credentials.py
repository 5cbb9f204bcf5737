"""Names derived from secret references: systemd credential ids and child env names.

One function so that `harden` (which writes `LoadCredentialEncrypted=ID:...`) and
`run` (which hands the value to the bot as `$ID` or `$CREDENTIALS_DIRECTORY/ID`)
always agree on the name.
"""

from __future__ import annotations

import re

from botguard.config import Config
from botguard.errors import ConfigError

_UNSAFE = re.compile(r"[^A-Z0-9_]+")


def credential_name(ref: str) -> str:
    """The upper-case name a reference is handed over as.

    It is the reference's last component: `env:EX_API_KEY` -> `EX_API_KEY`,
    `systemd:ex_api_key` -> `EX_API_KEY`, `dotenv:.env#BINANCE_SECRET` ->
    `BINANCE_SECRET`, `vault:kv/bots/grid#api_key` -> `API_KEY`. A name that
    would start with a digit gets an `EX_` prefix so it is a valid variable.
    """
    _, _, rest = ref.partition(":")
    if "#" in rest:
        rest = rest.rsplit("#", 1)[1]
    rest = rest.rstrip("/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", rest.upper()).strip("_")
    if not name or name[0].isdigit():
        name = f"EX_{name}"
    return name


def config_refs(config: Config, *, include_alerts: bool = False) -> list[str]:
    """Every secret reference the bot gets (accounts', `[bot] secrets`), without duplicates."""
    refs: list[str] = []
    for account in config.account:
        fields = (account.api_key, account.secret, account.password, account.uid)
        refs.extend(ref for ref in (*fields, account.private_key) if ref is not None)
    refs.extend(config.bot.secrets)
    if include_alerts:
        refs.extend(config.alerts.urls)
    return list(dict.fromkeys(refs))


def credential_names(refs: list[str]) -> dict[str, str]:
    """Map each reference to its name; two references with one name are an error."""
    names: dict[str, str] = {}
    for ref in refs:
        name = credential_name(ref)
        if name in names and names[name] != ref:
            raise ConfigError(
                f"secret references {names[name]!r} and {ref!r} would both be handed over "
                f"as {name}; rename one so their last parts differ"
            )
        names[name] = ref
    return {ref: name for name, ref in names.items()}
