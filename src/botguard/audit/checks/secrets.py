"""Secrets checks: configured secret values absent from code, history, logs, command lines."""

from __future__ import annotations

import asyncio
import glob
import stat
from pathlib import Path

from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status
from botguard.secrets.refs import account_refs, resolve_secret


def _values(ctx: Context) -> list[str]:
    """Every configured secret value that resolves (unresolvable ones are skipped)."""
    out: list[str] = []
    for account in ctx.config.account:
        for ref in account_refs(account).values():
            try:
                out.append(resolve_secret(ref, insecure_perms=True).reveal())
            except Exception:  # noqa: S112 - an unresolvable ref is reported elsewhere
                continue
    return [v for v in out if len(v) >= 8]


def find_in_files(paths: list[Path], values: list[str]) -> list[Path]:
    """Exact-value search; the one function to swap for botguard.scan."""
    hits: list[Path] = []
    needles = [v.encode() for v in values]
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if any(n in data for n in needles):
            hits.append(path)
    return hits


def _tree(root: Path) -> list[Path]:
    return [
        p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts and p.name != ".env"
    ]


@host_check(
    "secrets.not_in_code",
    "no secret in the bot's source tree",
    Severity.CRITICAL,
    "move the value to .env / a vault, reference it from botguard.toml, and rotate the key",
)
async def not_in_code(ctx: Context) -> Outcome:
    """Searches [bot] workdir for every configured secret value (not .env, not .git)."""
    wd = ctx.config.bot.workdir
    if wd is None:
        return Outcome(Status.SKIP, "no [bot] workdir configured")
    hits = await asyncio.to_thread(find_in_files, _tree(wd), _values(ctx))
    if hits:
        return Outcome(Status.FAIL, f"a configured secret is in {hits[0]}", str(hits[0]))
    return Outcome(Status.PASS, f"no configured secret in {wd}", str(wd))


@host_check(
    "secrets.not_in_git_history",
    "no secret in the git history on any ref",
    Severity.CRITICAL,
    "rotate the key now; then rewrite history with git filter-repo",
)
async def not_in_git_history(ctx: Context) -> Outcome:
    """`git log --all -p` searched for every value."""
    wd = ctx.config.bot.workdir
    if wd is None or not (wd / ".git").exists():
        return Outcome(Status.SKIP, "no git repository in [bot] workdir")
    values = _values(ctx)
    proc = await asyncio.create_subprocess_exec(
        "git",
        "-C",
        str(wd),
        "log",
        "--all",
        "-p",
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    if any(v.encode() in out for v in values):
        return Outcome(Status.FAIL, f"a configured secret is in the history of {wd}", str(wd))
    return Outcome(Status.PASS, f"no configured secret in any commit of {wd}", str(wd))


async def _git_rc(wd: Path, *args: str) -> int:
    """Exit code of a real git command in the workdir."""
    proc = await asyncio.create_subprocess_exec(
        "git",
        "-C",
        str(wd),
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await proc.wait()


@host_check(
    "secrets.env_ignored",
    ".env is git-ignored and untracked",
    Severity.HIGH,
    "`echo .env >> .gitignore && git rm --cached .env`",
)
async def env_ignored(ctx: Context) -> Outcome:
    """Real git: check-ignore and ls-files."""
    wd = ctx.config.bot.workdir
    if wd is None or not (wd / ".git").exists():
        return Outcome(Status.SKIP, "no git repository in [bot] workdir")
    tracked = await _git_rc(wd, "ls-files", "--error-unmatch", ".env")
    ignored = await _git_rc(wd, "check-ignore", "-q", ".env")
    if tracked == 0:
        return Outcome(Status.FAIL, ".env is tracked by git", str(wd / ".env"))
    if ignored != 0:
        return Outcome(Status.FAIL, ".env is not in .gitignore", str(wd / ".env"))
    return Outcome(Status.PASS, ".env ignored and untracked", str(wd / ".env"))


@host_check(
    "secrets.env_permissions",
    "secret files are mode 600",
    Severity.HIGH,
    "`chmod 600 FILE && chown BOTUSER FILE`",
)
async def env_permissions(ctx: Context) -> Outcome:
    """Every dotenv:/file: reference's file, plus workdir/.env."""
    files = {
        Path(r.split(":", 1)[1].split("#", 1)[0])
        for a in ctx.config.account
        for r in account_refs(a).values()
        if r.startswith(("dotenv:", "file:"))
    }
    if ctx.config.bot.workdir and (ctx.config.bot.workdir / ".env").exists():
        files.add(ctx.config.bot.workdir / ".env")
    bad = [f for f in sorted(files) if f.exists() and stat.S_IMODE(f.stat().st_mode) & 0o077]
    if bad:
        mode = oct(stat.S_IMODE(bad[0].stat().st_mode))
        return Outcome(Status.FAIL, f"{bad[0]} is mode {mode}", str(bad[0]))
    if not files:
        return Outcome(Status.SKIP, "no secret files configured")
    return Outcome(Status.PASS, f"{len(files)} secret file(s), all mode 600")


@host_check(
    "secrets.not_in_logs",
    "logs never contain a secret",
    Severity.HIGH,
    "stop logging the value (botguard.secrets.logging installs a redactor), delete the log, rotate",
)
async def not_in_logs(ctx: Context) -> Outcome:
    """Plain-text search of the [bot] logs globs."""
    paths = [Path(p) for g in ctx.config.bot.logs for p in glob.glob(g)]  # noqa: PTH207 - absolute globs
    if not paths:
        return Outcome(Status.SKIP, "no [bot] logs configured or none exist")
    hits = await asyncio.to_thread(find_in_files, paths, _values(ctx))
    if hits:
        return Outcome(Status.FAIL, f"a configured secret is in {hits[0]}", str(hits[0]))
    return Outcome(Status.PASS, f"{len(paths)} log file(s) clean")


@host_check(
    "secrets.not_on_command_line",
    "no secret on a command line (ps shows it)",
    Severity.HIGH,
    "pass the value through an EnvironmentFile= or LoadCredential=, never ExecStart=/crontab",
)
async def not_on_command_line(ctx: Context) -> Outcome:
    """systemd units' ExecStart=/Environment= and crontabs under --root."""
    values = _values(ctx)
    dirs = ["etc/systemd/system", "etc/cron.d", "var/spool/cron/crontabs", "etc/crontab"]
    paths: list[Path] = []
    for d in dirs:
        p = ctx.root / d
        paths += (
            [p] if p.is_file() else [q for q in p.rglob("*") if q.is_file()] if p.is_dir() else []
        )
    hits = await asyncio.to_thread(find_in_files, paths, values)
    if hits:
        return Outcome(Status.FAIL, f"a configured secret is in {hits[0]}", str(hits[0]))
    return Outcome(Status.PASS, f"{len(paths)} unit/cron file(s) without a secret")
