"""The demo's scratch world: a fresh key, the sim scenario, botguard.toml, .env and a bot repo.

Everything a real install has, made in a temp dir: the config names secrets by
reference only, the .env holding them is mode 600, and the bot's git repository
has the classic mistake in its past: the key committed in a config file, then
"removed" by a later commit (it is still in the history).
"""

from __future__ import annotations

import json
import os
import secrets as stdlib_secrets
import string
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from botguard.errors import BotguardError
from botguard.secrets.perms import write_private
from botguard.secrets.secret import Secret

ACCOUNT = "main"
"""The one exchange account of the demo (name in the sim and in botguard.toml)."""
KEEP = ("BNB",)
"""What the kill switch must never sell (fee token)."""
_ALPHABET = string.ascii_letters + string.digits


def new_credential(ref: str) -> Secret:
    """A random 64-character key or secret, Binance-shaped; registered with the redactor."""
    return Secret(ref, "".join(stdlib_secrets.choice(_ALPHABET) for _ in range(64)))


@dataclass(frozen=True, slots=True)
class Workspace:
    """Where the demo's files live (all under one temp dir)."""

    root: Path

    @property
    def config(self) -> Path:
        """botguard.toml."""
        return self.root / "botguard.toml"

    @property
    def env(self) -> Path:
        """The .env with the key and secret (mode 600), outside the bot's repo."""
        return self.root / ".env"

    @property
    def repo(self) -> Path:
        """The sample bot's git repository ([bot] workdir)."""
        return self.root / "gridbot"

    @property
    def pidfile(self) -> Path:
        """Written by the bot; the kill switch signals the pid in it."""
        return self.root / "run" / "gridbot.pid"

    @property
    def heartbeat(self) -> Path:
        """Touched by the bot while it trades."""
        return self.root / "run" / "heartbeat"

    @property
    def bot_log(self) -> Path:
        """The bot's own log (what secrets.not_in_logs reads)."""
        return self.root / "logs" / "gridbot.log"

    @property
    def state(self) -> Path:
        """botguard's state dir: journal, halt flag, market cache."""
        return self.root / "state"


EXCHANGES = ("binance", "okx", "bybit")
"""The exchanges the demo can run on (the sim speaks each one's wire protocol)."""


def scenario(
    api_key: Secret, secret: Secret, *, exchange: str = "binance", passphrase: Secret | None = None
) -> dict[str, Any]:
    """One funded account whose key can withdraw and works from any IP (the bad key)."""
    extra = {"passphrase": passphrase.reveal()} if passphrase is not None else {}
    return {
        "account": [
            {
                "name": ACCOUNT,
                "exchange": exchange,
                **extra,
                "api_key": api_key.reveal(),
                "secret": secret.reveal(),
                "permissions": {"reading": True, "spot": True, "futures": True,
                                "withdraw": True, "universal_transfer": True},
                "ip_whitelist": [],
                "spot": {"USDT": "100000", "BNB": "1"},
                "futures": {"USDT": "100000"},
            }
        ]
    }  # fmt: skip


def config_text(ws: Workspace, sim_url: str, exchange: str = "binance") -> str:
    """botguard.toml for the demo: secrets by reference, halt by pid file, the sim as base_url."""
    # dotenv: paths resolve against the working directory, not the config: use an absolute one.
    env = ws.env
    password = f'password = "dotenv:{env}#EX_API_PASSWORD"\n' if exchange == "okx" else ""
    return f"""\
[bot]
name = "gridbot"
workdir = "gridbot"
pidfile = "run/gridbot.pid"
heartbeat = "run/heartbeat"
logs = ["logs/*.log"]

[state]
dir = "state"

[[account]]
name = "{ACCOUNT}"
exchange = "{exchange}"
api_key = "dotenv:{env}#EX_API_KEY"
secret = "dotenv:{env}#EX_API_SECRET"
{password}markets = ["spot", "swap"]
quote = "USDT"
keep = {json.dumps(list(KEEP))}
base_url = "{sim_url}"

[kill]
deadline_s = 20
grace_s = 5
"""


@dataclass(frozen=True, slots=True)
class RepoHistory:
    """The commits of the sample repo that matter to the story."""

    leaked: str
    """The commit that added config.json with the key in it."""
    removed: str
    """The later commit that deleted config.json."""


def write_workspace(
    root: Path, *, sim_url: str, api_key: Secret, secret: Secret, exchange: str = "binance",
    passphrase: Secret | None = None,
) -> tuple[Workspace, RepoHistory]:  # fmt: skip
    """Write botguard.toml, the .env (mode 600) and the bot's repo under `root`."""
    ws = Workspace(root)
    for folder in (ws.root, ws.pidfile.parent, ws.bot_log.parent):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = f"EX_API_KEY={api_key.reveal()}\nEX_API_SECRET={secret.reveal()}\n"
    if passphrase is not None:
        env += f"EX_API_PASSWORD={passphrase.reveal()}\n"
    write_private(ws.env, env)
    ws.config.write_text(config_text(ws, sim_url, exchange), encoding="utf-8")
    return ws, make_bot_repo(ws.repo, api_key, secret, exchange)


_BOT = 'import os\n\nAPI_KEY = os.environ["EX_API_KEY"]\nSPACING = {spacing}\n'
_README = "# gridbot\n\nA grid bot. Keys come from the environment (see .env).\n"


def make_bot_repo(
    repo: Path, api_key: Secret, secret: Secret, exchange: str = "binance"
) -> RepoHistory:
    """A real git repo: key committed in config.json, deleted later, then ordinary work."""
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, None, "init", "-q", "-b", "main")
    now = datetime.now(UTC)
    config = {"exchange": exchange, "apiKey": api_key.reveal(), "secret": secret.reveal(),
              "symbols": ["ETH/USDT", "SOL/USDT"]}  # fmt: skip
    (repo / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (repo / "bot.py").write_text(_BOT.format(spacing="0.01"), encoding="utf-8")
    (repo / "README.md").write_text(_README, encoding="utf-8")
    _git(repo, now - timedelta(days=41), "add", "-A")
    leaked = _commit(repo, now - timedelta(days=41), "first working version")
    (repo / "config.json").unlink()
    (repo / ".gitignore").write_text(".env\n*.log\n", encoding="utf-8")
    _git(repo, None, "add", "-A")
    removed = _commit(repo, now - timedelta(days=40), "move keys out of the repo into .env")
    (repo / "bot.py").write_text(_BOT.format(spacing="0.005"), encoding="utf-8")
    _git(repo, None, "add", "-A")
    _commit(repo, now - timedelta(days=3), "tighter grid: 0.5% spacing")
    return RepoHistory(leaked=leaked, removed=removed)


def _commit(repo: Path, when: datetime, message: str) -> str:
    _git(repo, when, "commit", "-q", "-m", message)
    return _git(repo, None, "rev-parse", "HEAD").strip()


def _git(repo: Path, when: datetime | None, *args: str) -> str:
    """Run real git with a fixed identity and no user/system config (hooks, signing)."""
    who = "Grid Bot Dev"
    email = "dev@gridbot.invalid"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": who, "GIT_COMMITTER_EMAIL": email}  # fmt: skip
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when.isoformat()
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv
            ["git", "-C", str(repo), *args],  # noqa: S607 - git from PATH, as users run it
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    except OSError as exc:
        raise BotguardError(f"demo: cannot run git ({exc.strerror}); install git") from None
    if proc.returncode != 0:
        raise BotguardError(f"demo: git {args[0]} failed: {proc.stderr.strip()[:200]}")
    return proc.stdout
