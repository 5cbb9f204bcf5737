"""Writing into folders someone else may reach: no predictable temp names, no followed links.

botguard runs as root next to a bot that may be compromised. A temp file with a
predictable name (`HALTED.tmp1234`, `markets-...tmp`) is an invitation: plant a
symlink there and root's write lands on the link's target. Every file botguard
writes in its state dir goes through `write_atomic`, which creates the temp file with
O_CREAT|O_EXCL|O_NOFOLLOW under a random name in the same folder (tempfile.mkstemp)
and renames it over the destination: the rename replaces a link planted at the
destination instead of writing through it, and readers see the old or the new file,
never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o600) -> Path:
    """Replace `path` with `data` atomically, creating it with `mode` (never wider)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def open_nofollow(path: Path, flags: int, mode: int = 0o600) -> int:
    """os.open that refuses to follow a symlink at `path` (OSError ELOOP if one is there)."""
    return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
