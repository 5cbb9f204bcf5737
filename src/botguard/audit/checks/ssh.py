"""SSH checks, judged as sshd judges: `sshd -T` on the live host, else the parsed config tree."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from botguard.audit.checks.sshd import parse_sshd
from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status

H = Severity.HIGH


def _at(ctx: Context, path: str) -> Path:
    return ctx.root / path.lstrip("/")


_PRIVSEP = 'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/sshd && exec "$@"'
"""sshd -T refuses to run without /run/sshd (absent when sshd is not running): a private
/run in a new user+mount namespace gives it one without touching the host."""
Settings = tuple[dict[str, str], dict[str, str], str]


async def _sshd_t(sshd: str) -> dict[str, str] | None:
    """`sshd -T` (in a namespace with /run/sshd when needed): key -> lower-cased value."""
    argvs = [[sshd, "-T"]]
    unshare = shutil.which("unshare")
    if unshare:
        argvs.append([unshare, "-rm", "sh", "-c", _PRIVSEP, "sh", sshd, "-T"])
    for argv in argvs:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        out, _ = await proc.communicate()
        if proc.returncode == 0:
            pairs = (ln.split(" ", 1) for ln in out.decode(errors="replace").splitlines())
            return {p[0]: p[1].lower() for p in pairs if len(p) == 2}
    return None


async def _read_settings(ctx: Context) -> Settings:
    g, m = parse_sshd(ctx.root, _at(ctx, "/etc/ssh/sshd_config"))
    sshd = shutil.which("sshd", path="/usr/sbin:/usr/bin:/sbin:/bin")
    if ctx.live and sshd:
        effective = await _sshd_t(sshd)
        if effective is not None:
            return effective, m, "sshd -T"
    return g, m, "sshd_config"


async def _sshd_values(ctx: Context) -> Settings:
    """Effective sshd settings, read once per audit: `sshd -T` live, else the parsed tree.

    Match blocks are always taken from the parsed tree: `sshd -T` without `-C`
    prints the settings for no particular connection.
    """
    task = ctx.cache.get("sshd")
    if not isinstance(task, asyncio.Task):
        task = asyncio.create_task(_read_settings(ctx))
        ctx.cache["sshd"] = task
    result: Settings = await task
    return result


def _no_ssh(ctx: Context) -> bool:
    return not _at(ctx, "/etc/ssh/sshd_config").is_file()


@host_check(
    "host.ssh_password_auth_disabled",
    "SSH accepts keys only (no password or keyboard-interactive login)",
    H,
    "set `PasswordAuthentication no` and `KbdInteractiveAuthentication no` before any Include "
    "in /etc/ssh/sshd_config, then `systemctl reload ssh`",
)
async def ssh_password_auth_disabled(ctx: Context) -> Outcome:
    """Judged like sshd: first value wins, defaults are yes."""
    if _no_ssh(ctx):
        return Outcome(Status.SKIP, "no /etc/ssh/sshd_config: sshd not installed")
    g, m, how = await _sshd_values(ctx)
    pw = g.get("passwordauthentication")
    kbd = g.get("kbdinteractiveauthentication", g.get("challengeresponseauthentication"))
    bad = [
        f"{k} {v or 'unset (default yes)'}"
        for k, v in (("PasswordAuthentication", pw), ("KbdInteractiveAuthentication", kbd))
        if v != "no"
    ]
    if bad:
        return Outcome(Status.FAIL, f"{how}: {', '.join(bad)}")
    m_bad = [
        k for k in ("passwordauthentication", "kbdinteractiveauthentication") if m.get(k) == "yes"
    ]
    if m_bad:
        return Outcome(Status.FAIL, f"{how}: a Match block sets {m_bad[0]} yes")
    return Outcome(
        Status.PASS, f"{how}: PasswordAuthentication no, KbdInteractiveAuthentication no"
    )


@host_check(
    "host.ssh_root_login_disabled",
    "root cannot log in over SSH",
    H,
    "set `PermitRootLogin no` before any Include in /etc/ssh/sshd_config, then reload ssh",
)
async def ssh_root_login_disabled(ctx: Context) -> Outcome:
    """PermitRootLogin defaults to prohibit-password, which still lets root in by key."""
    if _no_ssh(ctx):
        return Outcome(Status.SKIP, "no /etc/ssh/sshd_config: sshd not installed")
    g, m, how = await _sshd_values(ctx)
    value = g.get("permitrootlogin")
    if value != "no":
        shown = value or "unset (default prohibit-password: root may log in with a key)"
        return Outcome(Status.FAIL, f"{how}: PermitRootLogin {shown}")
    if m.get("permitrootlogin", "no") != "no":
        return Outcome(
            Status.FAIL, f"{how}: a Match block sets PermitRootLogin {m['permitrootlogin']}"
        )
    return Outcome(Status.PASS, f"{how}: PermitRootLogin no")
