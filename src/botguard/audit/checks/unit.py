"""Host checks about the bot's systemd unit: who it runs as, and how well it is sandboxed.

The unit is read the way systemd reads it: the unit file from the first unit
directory that has it, then its drop-ins (`NAME.d/*.conf`) in lexical order,
where a later assignment wins. `systemd-analyze security --offline` scores the
sandbox where it exists (it works without a running systemd, and `--root` points
it at a fixture tree); without it the directives that weigh most are checked.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status
from botguard.sandbox import UnitExposure, parse_security

UNIT_DIRS = (
    "/etc/systemd/system",
    "/run/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
)
TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class Unit:
    """The bot's unit as found under the root."""

    name: str
    path: Path | None
    text: str
    """The unit file followed by its drop-ins, in the order systemd applies them."""


def find_unit(ctx: Context) -> Unit | None:
    """The [bot] service's unit under ctx.root, or None when no service is configured."""
    name = ctx.config.bot.service
    if not name:
        return None
    name = name if "." in name else f"{name}.service"
    for d in UNIT_DIRS:
        path = ctx.root / d.lstrip("/") / name
        if path.is_file():
            dropins = sorted((path.parent / f"{name}.d").glob("*.conf"))
            text = "\n".join(p.read_text(errors="replace") for p in [path, *dropins])
            return Unit(name, path, text)
    return Unit(name, None, "")


def last_value(text: str, key: str) -> str | None:
    """The value of the last `KEY=` assignment (systemd: a later one overrides)."""
    values = re.findall(rf"^\s*{key}\s*=\s*(.*?)\s*$", text, re.M)
    return values[-1] if values else None


@host_check(
    "host.non_root_user",
    "the bot runs as a dedicated non-root user",
    Severity.HIGH,
    "set `User=<botuser>` in the bot's unit (`botguard harden` writes it) and [bot] user",
)
async def non_root_user(ctx: Context) -> Outcome:
    """A unit without User= (or DynamicUser=yes) runs as root."""
    unit = find_unit(ctx)
    if unit is not None and unit.text:
        user = last_value(unit.text, "User")
        if user is None and (last_value(unit.text, "DynamicUser") or "").lower() in ("yes", "true"):
            return Outcome(Status.PASS, f"{unit.name}: DynamicUser=yes", unit.name)
        if user in (None, "", "root", "0"):
            why = f"User={user}" if user else "no User=, runs as root"
            return Outcome(Status.FAIL, f"{unit.name}: {why}", unit.name)
        return Outcome(Status.PASS, f"{unit.name}: User={user}", unit.name)
    user = ctx.config.bot.user
    if user is None:
        return Outcome(Status.WARN, "no [bot] user and no unit found; cannot tell")
    return Outcome(Status.FAIL if user == "root" else Status.PASS, f"[bot] user = {user}")


async def analyze(ctx: Context, unit: Unit) -> UnitExposure | None:
    """Run `systemd-analyze security --offline=yes` on the unit, under --root when not live."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        return None
    argv = [tool, "security", "--offline=yes", "--no-pager"]
    argv += [unit.name] if ctx.live else [f"--root={ctx.root}", unit.name]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT_S)
    return parse_security(out.decode(errors="replace"))


_DIRECTIVES = ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=")


@host_check(
    "host.unit_hardened",
    "the bot's unit is sandboxed",
    Severity.MEDIUM,
    "`botguard harden` writes a unit that scores 1.1 OK (NoNewPrivileges, ProtectSystem=strict, "
    "a system call filter, no capabilities, ...); check with "
    "`systemd-analyze security --offline=yes UNIT`",
)
async def unit_hardened(ctx: Context) -> Outcome:
    """systemd's own exposure score (at most 2.0, "OK", as harden requires), else directives."""
    unit = find_unit(ctx)
    if unit is None or not unit.text:
        return Outcome(Status.MANUAL, "no bot unit found (set [bot] service)")
    exposure = await analyze(ctx, unit)
    if exposure is not None:
        seen = f"systemd-analyze security: {exposure.describe()}"
        if not exposure.acceptable:
            worst = f"; worst: {', '.join(exposure.worst)}" if exposure.worst else ""
            return Outcome(Status.FAIL, f"{seen}{worst}", unit.name)
        return Outcome(Status.PASS, seen, unit.name)
    flat = unit.text.replace(" ", "")
    missing = [d for d in _DIRECTIVES if d not in flat]
    how = "systemd-analyze not available; judged by directives"
    if missing:
        return Outcome(Status.FAIL, f"{how}: missing {', '.join(missing)}", unit.name)
    return Outcome(Status.PASS, f"{how}: {', '.join(_DIRECTIVES)} set", unit.name)
