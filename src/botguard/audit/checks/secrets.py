"""Secrets checks: configured secret values absent from code, history, logs, command lines.

The finding is botguard.scan's: exact values in every encoded form (raw, URL,
base64, hex, JSON, a truncated prefix), git history on every ref, stash and
reflog, rotated and gzipped logs. The audit asks only for the configured values
(no patterns), so a FAIL here is certain, never a guess.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.audit.checks.secret_files import config_refs, secret_files
from botguard.audit.model import Context, Outcome, host_check
from botguard.config import Config
from botguard.findings import Severity, Status
from botguard.secrets.refs import resolve_secret
from botguard.secrets.secret import Secret

if TYPE_CHECKING:  # the scan engine is imported by the check that runs it, not by the registry
    from botguard.scan import Leak
    from botguard.scan.coverage import Coverage

logger = logging.getLogger(__name__)
MIN_SECRET_LEN = 8
"""Shorter values (a 4-digit PIN) would match everywhere; they are not searched."""


def _resolve(config: Config) -> list[Secret]:
    found: list[Secret] = []
    for ref in config_refs(config):
        try:
            found.append(resolve_secret(ref, insecure_perms=True))
        except Exception as exc:  # an unresolvable ref is `secrets check`'s finding, not ours
            logger.debug("audit: %s does not resolve (%s)", ref, type(exc).__name__)
    return [s for s in found if len(s.reveal()) >= MIN_SECRET_LEN]


def configured_secrets(ctx: Context) -> list[Secret]:
    """The configured values that resolve, once per audit (cached on the context)."""
    cached = ctx.cache.get("secrets")
    if not isinstance(cached, list):
        cached = _resolve(ctx.config)
        ctx.cache["secrets"] = cached
    return cached


def _where(leak: Leak) -> str:
    line = f":{leak.line}" if leak.line else ""
    how = "" if leak.encoding == "raw" else f" ({leak.encoding})"
    return f"{leak.what} in {leak.location}{line}{how}"


def _more(leaks: Sequence[Leak]) -> str:
    return f" and {len(leaks) - 1} more" if len(leaks) > 1 else ""


def _unread(coverage: Coverage) -> str:
    """Evidence that a scan with no leak did not read everything (so it is not a PASS)."""
    first = coverage.skipped[0]
    more = f" and {len(coverage.skipped) - 1} more" if len(coverage.skipped) > 1 else ""
    return f"; not read in full: {first.location} ({first.detail}){more}"


def _code_leaks(ctx: Context, workdir: Path, coverage: Coverage) -> list[Leak]:
    """Exact leaks in the working tree, minus the places a secret may live."""
    from botguard.scan import scan_tree

    allowed = {p.resolve() for p in secret_files(ctx.config)}
    leaks = scan_tree(workdir, configured_secrets(ctx), patterns=False, coverage=coverage)
    return [
        leak
        for leak in leaks
        if not leak.ignored
        and Path(leak.location).name != ".env"
        and (workdir / leak.location).resolve() not in allowed
    ]


@host_check(
    "secrets.not_in_code",
    "no secret in the bot's source tree",
    Severity.CRITICAL,
    "move the value to .env / a vault, reference it from botguard.toml, and rotate the key",
)
async def not_in_code(ctx: Context) -> Outcome:
    """Every file under [bot] workdir except git-ignored files, .env and secret files."""
    wd = ctx.config.bot.workdir
    if wd is None or not wd.is_dir():
        return Outcome(Status.SKIP, "no [bot] workdir configured or it does not exist")
    from botguard.scan.coverage import scan_in_thread

    leaks, coverage = await scan_in_thread(lambda cov: _code_leaks(ctx, wd, cov))
    if leaks:
        subject = str(wd / leaks[0].location)
        return Outcome(Status.FAIL, f"{_where(leaks[0])}{_more(leaks)}", subject)
    if not coverage.complete:
        return Outcome(Status.WARN, f"no configured secret in {wd}{_unread(coverage)}", str(wd))
    return Outcome(Status.PASS, f"no configured secret in {wd}", str(wd))


@host_check(
    "secrets.not_in_git_history",
    "no secret in the git history on any ref",
    Severity.CRITICAL,
    "rotate the key now (it is public to anyone with a clone); then rewrite history with "
    "`git filter-repo --replace-text` and force-push every ref",
)
async def not_in_git_history(ctx: Context) -> Outcome:
    """Every commit reachable from a ref, the stash or a reflog: deleted files included."""
    wd = ctx.config.bot.workdir
    if wd is None or not (wd / ".git").exists():
        return Outcome(Status.SKIP, "no git repository in [bot] workdir")
    from botguard.scan import scan_git_history
    from botguard.scan.coverage import scan_in_thread

    secrets = configured_secrets(ctx)
    leaks, coverage = await scan_in_thread(
        lambda cov: scan_git_history(wd, secrets, patterns=False, coverage=cov)
    )
    if leaks:
        first = leaks[0]
        when = f" on {first.author_date:%Y-%m-%d}" if first.author_date else ""
        commit = (first.commit or "?")[:12]
        evidence = f"{_where(first)}, added in commit {commit}{when}{_more(leaks)}"
        return Outcome(Status.FAIL, evidence, str(wd))
    if not coverage.complete:
        evidence = f"no configured secret in any commit of {wd}{_unread(coverage)}"
        return Outcome(Status.WARN, evidence, str(wd))
    return Outcome(Status.PASS, f"no configured secret in any commit of {wd}", str(wd))


NO_ENV = "no .env in the workdir: nothing to ignore (add .env to .gitignore before creating one)"


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
    """Real git: check-ignore and ls-files.

    No .env, untracked and not ignored is SKIP: nothing can leak (the bot keeps its
    secrets elsewhere), yet "ignored" would be false, so it is not a PASS either.
    """
    wd = ctx.config.bot.workdir
    if wd is None or not (wd / ".git").exists():
        return Outcome(Status.SKIP, "no git repository in [bot] workdir")
    tracked = await _git_rc(wd, "ls-files", "--error-unmatch", ".env")
    ignored = await _git_rc(wd, "check-ignore", "-q", ".env")
    if tracked == 0:
        return Outcome(Status.FAIL, ".env is tracked by git", str(wd / ".env"))
    if ignored != 0 and not (wd / ".env").exists():
        return Outcome(Status.SKIP, NO_ENV, str(wd / ".env"))
    if ignored != 0:
        return Outcome(Status.FAIL, ".env is not in .gitignore", str(wd / ".env"))
    return Outcome(Status.PASS, ".env ignored and untracked", str(wd / ".env"))


@host_check(
    "secrets.not_in_logs",
    "logs never contain a secret",
    Severity.HIGH,
    "stop logging the value (botguard.secrets.logging installs a redactor), delete the log, rotate",
)
async def not_in_logs(ctx: Context) -> Outcome:
    """The [bot] logs globs and their rotated, gzipped siblings."""
    from botguard.scan.coverage import scan_in_thread
    from botguard.scan.logs import scan_log_globs

    globs, secrets = ctx.config.bot.logs, configured_secrets(ctx)
    (paths, leaks), coverage = await scan_in_thread(
        lambda cov: scan_log_globs(globs, secrets, coverage=cov)
    )
    if leaks:
        return Outcome(Status.FAIL, f"{_where(leaks[0])}{_more(leaks)}", leaks[0].location)
    if not coverage.complete:
        return Outcome(Status.WARN, f"{len(paths)} log file(s) read{_unread(coverage)}")
    if not paths:
        return Outcome(Status.SKIP, "no [bot] logs configured or none exist")
    return Outcome(Status.PASS, f"{len(paths)} log file(s) clean")


@host_check(
    "secrets.not_on_command_line",
    "no secret on a command line (ps shows it)",
    Severity.HIGH,
    "pass the value through LoadCredential= or an EnvironmentFile= (mode 600), never "
    "ExecStart=, Environment= or a crontab line; clear it from shell history; rotate",
)
async def not_on_command_line(ctx: Context) -> Outcome:
    """Running processes, systemd units, crontabs and shell histories under --root."""
    from botguard.scan import scan_host
    from botguard.scan.coverage import scan_in_thread

    secrets = configured_secrets(ctx)
    leaks, coverage = await scan_in_thread(lambda cov: scan_host(ctx.root, secrets, coverage=cov))
    exact = [leak for leak in leaks if leak.secret_ref is not None]
    if exact:
        return Outcome(Status.FAIL, f"{_where(exact[0])}{_more(exact)}", exact[0].location)
    if not coverage.complete:
        return Outcome(Status.WARN, f"no configured secret on a command line{_unread(coverage)}")
    return Outcome(
        Status.PASS, "no configured secret in process command lines, units, crontabs or histories"
    )
