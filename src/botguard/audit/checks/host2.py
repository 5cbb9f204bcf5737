"""Host checks about the bot's unit and the clock."""

from __future__ import annotations

import re

from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status


def _unit_text(ctx: Context) -> tuple[str, str]:
    name = ctx.config.bot.service or ""
    if not name:
        return "", ""
    unit = name if "." in name else f"{name}.service"
    for d in ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"):
        path = ctx.root / d.lstrip("/") / unit
        if path.is_file():
            return unit, path.read_text(errors="replace")
    return unit, ""


@host_check(
    "host.non_root_user",
    "the bot runs as a dedicated non-root user",
    Severity.HIGH,
    "set `User=<botuser>` in the bot's unit (`botguard harden` writes it) and [bot] user",
)
async def non_root_user(ctx: Context) -> Outcome:
    """A unit without User= runs as root."""
    unit, text = _unit_text(ctx)
    if text:
        users = re.findall(r"^\s*User\s*=\s*(\S+)", text, re.M)
        user = users[-1] if users else "root"
        status = Status.FAIL if user in ("root", "0") else Status.PASS
        return Outcome(
            status, f"{unit}: User={user}" if users else f"{unit}: no User=, runs as root", unit
        )
    user = ctx.config.bot.user
    if user is None:
        return Outcome(Status.WARN, "no [bot] user and no unit found; cannot tell")
    return Outcome(Status.FAIL if user == "root" else Status.PASS, f"[bot] user = {user}")


@host_check(
    "host.unit_hardened",
    "the bot's unit is sandboxed",
    Severity.MEDIUM,
    "`botguard harden` writes a hardened unit (NoNewPrivileges, ProtectSystem=strict, ...)",
)
async def unit_hardened(ctx: Context) -> Outcome:
    """The sandboxing directives systemd-analyze security weighs most."""
    unit, text = _unit_text(ctx)
    if not text:
        return Outcome(Status.MANUAL, "no bot unit found ([bot] service)")
    want = ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=")
    missing = [w for w in want if w not in text.replace(" ", "")]
    if missing:
        return Outcome(Status.FAIL, f"{unit}: missing {', '.join(missing)}", unit)
    return Outcome(Status.PASS, f"{unit}: {', '.join(want)} set", unit)


_SYNC = {
    "/etc/systemd/timesyncd.conf": "systemd-timesyncd",
    "/etc/chrony/chrony.conf": "chrony",
    "/etc/chrony.conf": "chrony",
    "/etc/ntp.conf": "ntp",
    "/etc/ntpsec/ntp.conf": "ntpsec",
}


@host_check(
    "host.clock_synced",
    "the clock is synchronised (signed requests need < 1 s skew)",
    Severity.MEDIUM,
    "`apt-get install systemd-timesyncd` (or chrony) and `timedatectl set-ntp true`",
)
async def clock_synced(ctx: Context) -> Outcome:
    """A time sync daemon is configured; skew against the exchange is not measured yet."""
    found = [name for path, name in _SYNC.items() if (ctx.root / path.lstrip("/")).is_file()]
    if found:
        return Outcome(Status.PASS, f"{found[0]} configured")
    return Outcome(Status.FAIL, "no timesyncd, chrony or ntp configuration found")
