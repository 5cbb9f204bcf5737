"""The file-permission rule for secret and dotenv files (the seed's `chmod 600`)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from botguard.errors import SecretError

log = logging.getLogger(__name__)

_allowed: list[str] = []


def insecure_allowances() -> list[str]:
    """What --insecure-perms let through so far in this process (for commands to show)."""
    return list(_allowed)


def check_private(path: Path, ref: str, *, insecure_perms: bool = False) -> None:
    """Refuse a file that group/others can read or another user owns.

    With `insecure_perms` the file is used anyway and a loud warning says what
    was allowed, so the override never goes unnoticed.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SecretError(f"{ref}: file {path} does not exist") from None
    except OSError as exc:
        raise SecretError(f"{ref}: cannot read {path} ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SecretError(f"{ref}: {path} is a directory; point the reference at the file")
    problem = _problem(info, path)
    if problem is None:
        return
    if insecure_perms:
        log.warning("INSECURE: using %s although %s (--insecure-perms)", path, problem)
        _allowed.append(f"{ref}: used {path} although {problem}; fix with `chmod 600 {path}`")
        return
    raise SecretError(
        f"{ref}: refusing {path}: {problem}; fix with `chmod 600 {path}` "
        f"(and chown it to the bot's user), or pass --insecure-perms"
    )


def _problem(info: os.stat_result, path: Path) -> str | None:
    mode = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid() and os.geteuid() != 0:
        return f"it is owned by uid {info.st_uid}, not by this user (uid {os.geteuid()})"
    if mode & 0o077:
        return f"it is readable by group or others (mode {mode:04o})"
    return None


def write_private(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Write `text` to a file only this user can read, from the moment it exists.

    The file is created with `mode` (never world-readable for an instant, whatever
    the umask), replacing any file already there; the check_private rule then holds.
    """
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(mode)
