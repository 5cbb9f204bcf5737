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


async def _sshd_values(ctx: Context) -> tuple[dict[str, str], dict[str, str], str]:
    """Effective sshd settings: `sshd -T` live, else the parsed config tree."""
    sshd = shutil.which("sshd", path="/usr/sbin:/usr/bin:/sbin:/bin")
    if ctx.live and sshd:
        proc = await asyncio.create_subprocess_exec(
            sshd, "-T", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        out, _ = await proc.communicate()
        if proc.returncode == 0:
            vals = {
                ln.split(" ", 1)[0]: ln.split(" ", 1)[1].lower()
                for ln in out.decode().splitlines()
                if " " in ln
            }
            g, m = parse_sshd(ctx.root, _at(ctx, "/etc/ssh/sshd_config"))
            return vals, m, "sshd -T"
    g, m = parse_sshd(ctx.root, _at(ctx, "/etc/ssh/sshd_config"))
    return g, m, "sshd_config"


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
