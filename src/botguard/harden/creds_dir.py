"""The private credentials dir of `botguard run --secrets dir`, and cleaning up after a killed run.

Each dir is locked (flock on the directory itself) for as long as the `run` that
made it lives. The kernel drops the lock when that process dies, however it dies,
so a later `run` or `kill` can tell a dir left by a SIGKILLed run (lock free:
remove it, it holds keys) from one in use (lock held: leave it). No pid file,
so pid reuse cannot fool it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pwd
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from botguard.errors import BotguardError
from botguard.secrets.perms import write_private
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

PREFIX = "botguard-creds-"
_ATTEMPTS = 5


def credentials_base() -> Path:
    """Where credentials dirs are made and looked for: $XDG_RUNTIME_DIR, else /dev/shm (tmpfs).

    The bot's unit has PrivateDevices=yes, so its /dev/shm is its own.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime)
    shm = Path("/dev/shm")  # noqa: S108 (tmpfs; each dir in it is private, 0700)
    return shm if shm.is_dir() else Path(tempfile.gettempdir())


@dataclass(slots=True)
class CredentialsDir:
    """A dir with one 0400 file per secret, locked while this process lives."""

    path: Path
    lock_fd: int

    def remove(self) -> None:
        """Delete the files and the dir, then drop the lock."""
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self.lock_fd)


def create_credentials_dir(secrets: dict[str, Secret], *, owner: str | None) -> CredentialsDir:
    """A fresh locked 0700 dir holding the secrets, owned by `owner` when we are root."""
    creds = _locked_dir(credentials_base())
    try:
        for name, secret in secrets.items():
            write_private(creds.path / name, secret.reveal(), mode=0o400)
        _give_to(creds.path, owner)
    except BaseException:
        creds.remove()
        raise
    return creds


def _locked_dir(base: Path) -> CredentialsDir:
    """mkdtemp + flock; retried if a cleaner in another process won the lock first."""
    for _ in range(_ATTEMPTS):
        path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if path.lstat().st_ino == os.fstat(fd).st_ino:
                path.chmod(0o700)
                return CredentialsDir(path, fd)
        except OSError:
            pass
        os.close(fd)
    raise BotguardError(f"cannot create a private credentials dir in {base}")


def _give_to(path: Path, owner: str | None) -> None:
    """chown the dir and its files to the bot's user, so only it (and root) can read them."""
    if os.geteuid() != 0 or owner in (None, "root"):
        return
    try:
        entry = pwd.getpwnam(str(owner))
    except KeyError:
        logger.info("user %s does not exist here; %s stays root's", owner, path)
        return
    for item in [path, *path.iterdir()]:
        os.chown(item, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def remove_stale_credentials() -> list[Path]:
    """Remove every credentials dir whose `run` is gone; the paths removed."""
    removed = []
    with contextlib.suppress(OSError):
        for path in sorted(credentials_base().glob(f"{PREFIX}*")):
            if _is_stale(path):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    for path in removed:
        logger.warning("removed %s, left behind by a botguard run that was killed", path)
    return removed


def _is_stale(path: Path) -> bool:
    """Nobody holds its lock; a dir we may not open, or a symlink, is not ours to judge."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True
