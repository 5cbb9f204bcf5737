"""secrets.env_permissions: every file holding a secret is mode 600 and owned by the bot user.

The files are the ones botguard's own references read (`dotenv:PATH#NAME`,
`file:PATH`, for accounts and alert URLs) plus the workdir's `.env`. Paths are
parsed exactly as botguard.secrets.refs resolves them: the dotenv name follows
the LAST `#` (a path may contain `#`), and `~` expands.
"""

from __future__ import annotations

import pwd
import stat
from dataclasses import dataclass
from pathlib import Path

from botguard.audit.model import Context, Outcome, host_check
from botguard.config import Config
from botguard.findings import Severity, Status
from botguard.secrets.refs import account_refs


def secret_file(ref: str) -> Path | None:
    """The file a `dotenv:` or `file:` reference reads, else None."""
    scheme, _, rest = ref.partition(":")
    if scheme == "file" and rest:
        return Path(rest).expanduser()
    if scheme == "dotenv":
        path, sep, name = rest.rpartition("#")
        if sep and path and name:
            return Path(path).expanduser()
    return None


def config_refs(config: Config) -> list[str]:
    """Every secret reference in the config: accounts', `[bot] secrets`, the alert URLs."""
    refs = [r for a in config.account for r in account_refs(a).values()]
    return refs + list(config.bot.secrets) + list(config.alerts.urls)


def secret_files(config: Config) -> list[Path]:
    """Every secret file the config points at, and the workdir's .env if it exists."""
    files = {f for f in map(secret_file, config_refs(config)) if f is not None}
    workdir = config.bot.workdir
    if workdir is not None and (workdir / ".env").is_file():
        files.add(workdir / ".env")
    return sorted(files)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why one secret file fails."""

    path: Path
    reason: str


def _owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def file_problems(path: Path, bot_uid: int | None) -> list[FileProblem]:
    """Mode bits for group/other, and an owner other than the bot user."""
    try:
        info = path.stat()
    except OSError:
        return []  # a missing file is `secrets check`'s finding (the ref does not resolve)
    problems = []
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        problems.append(FileProblem(path, f"mode {mode:o} (group/others can read)"))
    if bot_uid is not None and info.st_uid != bot_uid:
        problems.append(FileProblem(path, f"owned by {_owner_name(info.st_uid)}"))
    return problems


@host_check(
    "secrets.env_permissions",
    "secret files are mode 600 and owned by the bot user",
    Severity.HIGH,
    "`chmod 600 FILE && chown BOTUSER FILE` ([bot] user is BOTUSER)",
)
async def env_permissions(ctx: Context) -> Outcome:
    """Mode 600 so no other local user reads it; owned by the bot, so nobody else edits it."""
    files = secret_files(ctx.config)
    if not files:
        return Outcome(Status.SKIP, "no secret files configured (env:, systemd:, vault: only)")
    user = ctx.config.bot.user
    try:
        uid = pwd.getpwnam(user).pw_uid if user else None
    except KeyError:
        return Outcome(Status.FAIL, f"[bot] user {user!r} does not exist on this host")
    problems = [p for f in files for p in file_problems(f, uid)]
    if problems:
        first = problems[0]
        more = f"; {len(problems) - 1} more problem(s)" if len(problems) > 1 else ""
        return Outcome(Status.FAIL, f"{first.path}: {first.reason}{more}", str(first.path))
    owner = f", owned by {user}" if user else " (no [bot] user: owner not checked)"
    return Outcome(Status.PASS, f"{len(files)} secret file(s), all mode 600{owner}")
