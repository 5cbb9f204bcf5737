"""Stopping the bot: its systemd unit, then the pid in its pid file; what happened, as values.

Never raises: the kill goes on to cancel and flatten whatever happens here, and the
report says in words what was done (`HaltRecord.lines`). A bot that could not be
identified or stopped makes the kill exit non-zero: never 0 while the bot may live.
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botguard.kill.botpid import BotIdentity, PidfileError, read_pidfile, refusal, special_refusal
from botguard.process import is_running

if TYPE_CHECKING:
    from botguard.kill.freqtrade import FrameworkStop

KILL_WAIT_S = 2.0
"""How long a process may take to vanish after SIGKILL before it counts as still running."""
SELF = "it is this process (the bot itself), halted by the flag"


class StopStatus(StrEnum):
    """What stopping one thing (the unit, the pid) came to."""

    STOPPED = "stopped"
    NOT_RUNNING = "not_running"
    SKIPPED = "skipped"
    """Not signalled on purpose: the kill runs inside the bot."""
    REFUSED = "refused"
    """The pid file names no pid, or a process that must not be signalled as the bot."""
    FAILED = "failed"
    """Signalled (or asked systemd) but it did not stop."""

    @property
    def is_stopped(self) -> bool:
        """Nothing of the bot is left running by this step."""
        return self in (StopStatus.STOPPED, StopStatus.NOT_RUNNING, StopStatus.SKIPPED)


@dataclass(frozen=True, slots=True)
class UnitStop:
    """`systemctl stop UNIT`, and how it went."""

    unit: str
    status: StopStatus
    detail: str = ""

    def sentence(self) -> str:
        """One line for the report."""
        if self.status is StopStatus.STOPPED:
            return f"unit {self.unit} stopped"
        if self.status is StopStatus.SKIPPED:
            return f"unit {self.unit} not stopped: {self.detail}"
        return f"unit {self.unit} NOT stopped: {self.detail}"


@dataclass(frozen=True, slots=True)
class PidStop:
    """The pid file's pid: whether it was accepted, the signals sent, and the outcome."""

    pidfile: str
    status: StopStatus
    pid: int | None = None
    signals: tuple[str, ...] = ()
    detail: str = ""

    def sentence(self) -> str:
        """One line for the report: `bot pid 42 (from /run/bot.pid): SIGTERM -> exited`."""
        who = f"bot pid {self.pid} (from {self.pidfile})" if self.pid is not None else (
            f"bot pid file {self.pidfile}")  # fmt: skip
        sent = "".join(f"{s} -> " for s in self.signals)
        match self.status:
            case StopStatus.STOPPED:
                return f"{who}: {sent}exited"
            case StopStatus.NOT_RUNNING:
                return f"{who}: not running"
            case StopStatus.SKIPPED:
                return f"{who}: not signalled: {self.detail}"
            case StopStatus.REFUSED if self.pid is None:
                return f"{who}: {self.detail}"
            case StopStatus.REFUSED:
                return f"{who}: refused, not signalled: {self.detail}"
            case StopStatus.FAILED:
                return f"{who}: {sent}still running: {self.detail}"


@dataclass(frozen=True, slots=True)
class HaltRecord:
    """The kill's halt: the flag, then the unit, then the pid (None: not configured)."""

    flag: str | None = None
    """Path of the raised halt flag."""
    flag_error: str = ""
    """Why the flag could not be raised (the kill went on regardless)."""
    framework: FrameworkStop | None = None
    """What the bot's framework (freqtrade) was asked over its API before the signal."""
    unit: UnitStop | None = None
    pid: PidStop | None = None

    @property
    def bot_stopped(self) -> bool:
        """False when the bot may still be running (its unit or pid could not be stopped)."""
        return all(s.status.is_stopped for s in (self.unit, self.pid) if s is not None)

    def lines(self) -> list[str]:
        """The halt as sentences, one per action."""
        flag = f"halt flag raised at {self.flag}" if self.flag else (
            f"halt flag NOT raised: {self.flag_error}")  # fmt: skip
        asked = [self.framework.sentence()] if self.framework is not None else []
        return [flag, *asked] + [s.sentence() for s in (self.unit, self.pid) if s is not None]

    def problem(self) -> str | None:
        """One line when the bot may still be running (or the flag is down), else None."""
        if self.bot_stopped and self.flag:
            return None
        failed = [s.sentence() for s in (self.unit, self.pid) if s and not s.status.is_stopped]
        if not failed:
            return f"halt flag NOT raised ({self.flag_error}); the bot is not held back by it"
        return f"the bot may still be running: {'; '.join(failed)}; stop it by hand"

    def as_dict(self) -> dict[str, Any]:
        """Structured, for the journal and JSON."""
        data = asdict(self)
        data["bot_stopped"] = self.bot_stopped
        return data


def stop_unit(unit: str, *, timeout_s: float = 30.0) -> UnitStop:
    """`systemctl stop UNIT`; what happened, never raising (the kill goes on regardless)."""
    import subprocess

    systemctl = _systemctl()
    if systemctl is None:
        return UnitStop(unit, StopStatus.FAILED, "systemctl not found")
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, unit name validated by config
            [systemctl, "stop", "--", unit], capture_output=True, text=True, timeout=timeout_s
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return UnitStop(unit, StopStatus.FAILED, str(exc)[:200])
    if proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[:1] or [f"systemctl exited {proc.returncode}"]
        return UnitStop(unit, StopStatus.FAILED, why[0][:200])
    return UnitStop(unit, StopStatus.STOPPED)


def unit_main_pid(unit: str, *, timeout_s: float = 10.0) -> int | None:
    """systemd's MainPID of the unit (None when it has none or systemd cannot say)."""
    import subprocess

    systemctl = _systemctl()
    if systemctl is None:
        return None
    argv = [systemctl, "show", "--property=MainPID", "--value", "--", unit]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = proc.stdout.strip()
    return int(value) if proc.returncode == 0 and value.isdigit() and int(value) > 1 else None


def _systemctl() -> str | None:
    import shutil

    return shutil.which("systemctl")


async def signal_pidfile(
    pidfile: Path,
    *,
    grace_s: float,
    expect: BotIdentity | None = None,
    inside_bot: bool = False,
) -> PidStop:
    """SIGTERM the bot's pid, SIGKILL it if still alive after `grace_s`; only a pid that
    passes `botpid.refusal` is ever signalled. Inside the bot its own pid is skipped."""
    where = str(pidfile)
    try:
        pid = read_pidfile(pidfile)
    except PidfileError as exc:
        return PidStop(where, StopStatus.REFUSED, detail=f"{exc}; the bot was not identified")
    if pid == os.getpid() and inside_bot:
        return PidStop(where, StopStatus.SKIPPED, pid, detail=SELF)
    special = special_refusal(pid)
    if special is not None:
        return PidStop(where, StopStatus.REFUSED, pid, detail=special)
    target = _Target.open(pid)
    if target is None or target.exited():
        return PidStop(where, StopStatus.NOT_RUNNING, pid)
    try:
        return await _stop(where, target, grace_s, expect or BotIdentity())
    finally:
        target.close()


async def _stop(where: str, target: _Target, grace_s: float, expect: BotIdentity) -> PidStop:
    why = refusal(target.pid, expect)
    if why is not None:
        return PidStop(where, StopStatus.REFUSED, target.pid, detail=why)
    sent: list[str] = []
    try:
        for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, KILL_WAIT_S)):
            if not target.send(sig):  # gone between the checks and the signal
                return PidStop(where, StopStatus.STOPPED, target.pid, tuple(sent))
            sent.append(sig.name)
            if await target.wait(wait_s):
                return PidStop(where, StopStatus.STOPPED, target.pid, tuple(sent))
    except PermissionError:
        detail = "not permitted to signal it (EPERM); stop it as its owner or as root"
        return PidStop(where, StopStatus.FAILED, target.pid, tuple(sent), detail)
    detail = f"still alive {KILL_WAIT_S:g} s after SIGKILL"
    return PidStop(where, StopStatus.FAILED, target.pid, tuple(sent), detail)


class _Target:
    """One process, held by a pidfd where Linux has them: a pid reused after our checks
    is never signalled (the pidfd keeps naming the process that was checked)."""

    def __init__(self, pid: int, fd: int | None) -> None:
        self.pid = pid
        self.fd = fd

    @classmethod
    def open(cls, pid: int) -> _Target | None:
        """Hold `pid`; None when no such process exists."""
        try:
            return cls(pid, os.pidfd_open(pid))
        except ProcessLookupError:
            return None
        except (OSError, AttributeError):  # no pidfd here: plain pids
            return cls(pid, None)

    def exited(self) -> bool:
        """It has exited (a zombie nobody reaped yet counts as exited)."""
        if self.fd is not None:
            return bool(select.select([self.fd], [], [], 0)[0])
        return not is_running(self.pid)

    def send(self, sig: signal.Signals) -> bool:
        """Send `sig`; False when the process is already gone."""
        try:
            if self.fd is not None:
                signal.pidfd_send_signal(self.fd, sig)
            else:
                os.kill(self.pid, sig)
        except ProcessLookupError:
            return False
        return True

    async def wait(self, timeout_s: float) -> bool:
        """True once it has exited, False if still running after `timeout_s`."""
        end = time.monotonic() + timeout_s
        while not self.exited():
            if time.monotonic() >= end:
                return False
            await asyncio.sleep(0.05)
        return True

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
