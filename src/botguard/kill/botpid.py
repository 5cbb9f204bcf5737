"""Which process the bot's pid file names, and whether it may be signalled as the bot.

The bot writes its pid file, so the file is untrusted input: `0` would signal
botguard's own process group, `-1` every process it may signal (the whole host as
root), `1` init, and any other pid a process that is not the bot at all. A pid is
accepted only when it is > 1, a process (not one of its threads: a thread id signals
its whole process), is not botguard itself, an ancestor of it, or the
leader of its process group or session, and is plausibly the bot: owned by `[bot]
user`, running `[bot] command`, the MainPID or a member of `[bot] service` when those
are configured. Everything here reads /proc (Linux).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_PIDFILE_BYTES = 64
"""A pid file is a number and a newline; anything longer is not one."""
_PID_RE = re.compile(r"[+-]?[0-9]{1,10}")


class PidfileError(Exception):
    """The pid file names no pid (missing, not a file, not a number)."""


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """What the config says the bot is; every field that is set must match."""

    user: str | None = None
    """`[bot] user`: the process's real uid must be this user's."""
    command: tuple[str, ...] = ()
    """`[bot] command`: its argv must contain this command (see `cmdline_matches`)."""
    unit: str | None = None
    """`[bot] service`: the process must be the unit's MainPID or in its cgroup."""
    main_pid: int | None = None
    """The unit's MainPID, read before the unit was stopped."""


def parse_pid(text: str) -> int | None:
    """The pid a pid file's text holds: its first line, an optionally signed decimal."""
    lines = text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return int(first) if _PID_RE.fullmatch(first) else None


def read_pidfile(path: Path) -> int:
    """The pid in `path`, read without following a symlink or blocking on a FIFO."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise PidfileError("no pid file there") from None
    except OSError as exc:
        why = "it is a symlink" if exc.errno == errno.ELOOP else exc.strerror
        raise PidfileError(f"cannot read it ({why})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PidfileError("it is not a regular file")
        data = os.read(fd, MAX_PIDFILE_BYTES + 1)
    finally:
        os.close(fd)
    pid = parse_pid(data.decode("ascii", "replace")) if len(data) <= MAX_PIDFILE_BYTES else None
    if pid is None:
        raise PidfileError("it does not hold a pid")
    return pid


def cmdline_matches(cmdline: Sequence[str], command: Sequence[str]) -> bool:
    """True when `command` runs in `cmdline`: its program's name, then exactly its arguments.

    The program is compared by file name and may be preceded by an interpreter (a
    shebang script runs as `python3 /venv/bin/freqtrade trade ...`); arguments after the
    command's own are allowed (`botguard run -- CMD --extra`).
    """
    if not command:
        return True
    program, args = Path(command[0]).name, list(command[1:])
    for i, word in enumerate(cmdline):
        if Path(word).name == program and list(cmdline[i + 1 : i + 1 + len(args)]) == args:
            return True
    return False


def special_refusal(pid: int) -> str | None:
    """Pids that never name one process: 0 and below (groups, everyone), and 1 (init)."""
    if pid == 0:
        return "pid 0 means botguard's own process group"
    if pid < 0:
        return "a negative pid means a process group, -1 every process"
    if pid == 1:
        return "pid 1 is init"
    return None


def refusal(pid: int, expect: BotIdentity) -> str | None:
    """Why `pid` must not be signalled as the bot; None when it may be."""
    why = special_refusal(pid) or _thread_refusal(pid) or _ours(pid)
    if why is not None:
        return why
    cmdline = _cmdline(pid)
    if not cmdline:
        return "it has no command line (a kernel thread, or not readable in /proc)"
    if expect.unit and pid != expect.main_pid and not in_unit(pid, expect.unit):
        main = f"MainPID {expect.main_pid}" if expect.main_pid else "no MainPID"
        return f"it is not in [bot] service {expect.unit} ({main})"
    if expect.user is not None:
        why = _owner_refusal(pid, expect.user)
        if why is not None:
            return why
    if not cmdline_matches(cmdline, expect.command):
        return "its command line does not match [bot] command"
    return None


def in_unit(pid: int, unit: str) -> bool:
    """The process belongs to the systemd unit's cgroup (it cannot move itself out)."""
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    name = unit if "." in unit else f"{unit}.service"
    for line in text.splitlines():
        path = line.split(":", 2)[-1]
        if name in path.split("/"):
            return True
    return False


def _thread_refusal(pid: int) -> str | None:
    """A thread id signals its whole process: accept only a process (thread-group leader)."""
    tgid = _status_field(pid, "Tgid:")
    if tgid is not None and tgid != pid:
        return f"it is a thread of process {tgid}, not a process"
    return None


def _ours(pid: int) -> str | None:
    """botguard itself, its parent or an ancestor, or the leader of its group or session."""
    if pid == os.getpid():
        return "it is botguard itself"
    if pid == os.getppid():
        return "it is botguard's parent"
    if pid == os.getpgrp():
        return "it leads botguard's process group"
    if pid == os.getsid(0):
        return "it leads botguard's session"
    if pid in _ancestors():
        return "it is an ancestor of botguard"
    return None


def _ancestors() -> set[int]:
    """botguard's ancestors, from /proc (its parent's parent up to init)."""
    found: set[int] = set()
    current = os.getppid()
    while current > 1 and current not in found:
        found.add(current)
        fields = _stat_fields(current)
        if fields is None:
            break
        current = int(fields[1])
    return found


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name: state, ppid, pgrp, session, ..."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _owner_refusal(pid: int, user: str) -> str | None:
    import pwd

    try:
        want = pwd.getpwnam(user).pw_uid
    except KeyError:
        return f"[bot] user {user} does not exist on this host"
    uid = _real_uid(pid)
    if uid is None:
        return "its owner cannot be read from /proc"
    if uid != want:
        return f"it runs as uid {uid}, not as [bot] user {user} (uid {want})"
    return None


def _real_uid(pid: int) -> int | None:
    return _status_field(pid, "Uid:")


def _status_field(pid: int, name: str) -> int | None:
    """The first number of a /proc/PID/status line (`Uid:` is real, effective, ...)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return None
