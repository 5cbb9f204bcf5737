"""The bot's pid file, as `botguard run` writes it for `botguard kill` to read.

The directory may be writable by the bot (it is untrusted): the file is written
to a fresh temp name (O_CREAT|O_EXCL|O_NOFOLLOW, so neither a planted symlink
nor an existing file is ever written through) and renamed over the pid file
atomically, so a reader sees the old content or the whole new pid, never half;
a symlink planted at the pid file's own path is replaced, not followed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from botguard.errors import UsageError
from botguard.kill.botpid import PidfileError, read_pidfile

PIDFILE_MODE = 0o644
"""Readable by whoever runs `botguard kill` (often another user); written by us only."""


def check_pidfile_dir(path: Path) -> None:
    """Before the bot starts: the pid file's directory exists (else exit 2 with the fix)."""
    if not path.parent.is_dir():
        raise UsageError(
            f"[bot] pidfile {path}: directory {path.parent} does not exist; "
            "create it (writable by botguard) or change bot.pidfile"
        )


def write_pidfile(path: Path, pid: int) -> None:
    """Atomically make `path` hold `pid` (OSError when it cannot be written)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, PIDFILE_MODE)
    try:
        try:
            os.fchmod(fd, PIDFILE_MODE)  # whatever the umask
            os.write(fd, f"{pid}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def remove_pidfile(path: Path, pid: int) -> None:
    """Remove the pid file if it still names `pid` (someone else's is left alone)."""
    try:
        if read_pidfile(path) != pid:
            return
        path.unlink()
    except (PidfileError, OSError):
        return
