"""Scan the host: shell histories, crontabs, systemd units, process command lines, bot home.

Every path is taken relative to `root`, so tests and audits of a fixture tree
pass `--root`; on a live host root is `/`.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Sequence
from pathlib import Path

from botguard.scan.buffer import leaks_in_buffer
from botguard.scan.coverage import Coverage
from botguard.scan.exact import ExactMatcher
from botguard.scan.model import Leak
from botguard.scan.tree import read_capped, walk_files
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

HOST_GLOBS = (
    "root/.*history",
    "home/*/.*history",
    "home/*/.local/share/fish/fish_history",
    "etc/crontab",
    "etc/cron.d/*",
    "var/spool/cron/*",
    "var/spool/cron/crontabs/*",
    "etc/systemd/system/*.service",
    "etc/systemd/system/*.timer",
    "etc/systemd/system/*.d/*.conf",
    "run/systemd/system/*.service",
    "run/systemd/system/*.d/*.conf",
    "usr/lib/systemd/system/*.d/*.conf",
    "home/*/.config/systemd/user/*.service",
    "home/*/.config/systemd/user/*.d/*.conf",
    "etc/environment",
    "etc/default/*",
)
"""Places where people paste keys: histories, cron lines, unit Environment= lines."""


def host_files(root: Path) -> list[Path]:
    """Existing files matched by HOST_GLOBS under root."""
    found: set[Path] = set()
    for pattern in HOST_GLOBS:
        found.update(root.glob(pattern))
    return sorted(p for p in found if p.is_file())


def _location(path: Path, root: Path) -> str:
    return "/" + path.relative_to(root).as_posix()


def _cmdlines(root: Path, matcher: ExactMatcher) -> list[Leak]:
    """Known values on a running process's command line (readable by every user)."""
    leaks: list[Leak] = []
    for cmdline in sorted(root.glob("proc/[0-9]*/cmdline")):
        buf = read_capped(cmdline, _location(cmdline, root), Coverage())  # a process may exit
        if buf:
            text = buf.replace(b"\0", b" ")
            leaks += leaks_in_buffer(text, _location(cmdline, root), matcher, patterns=True)
    return leaks


def _world_readable(
    home: Path, root: Path, matcher: ExactMatcher, coverage: Coverage
) -> list[Leak]:
    """Leaks in files under the bot's home that any local user can read."""
    leaks: list[Leak] = []
    for path, _ in walk_files(home, coverage):
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if not (stat.S_ISREG(mode) and mode & stat.S_IROTH):
            continue
        location = _location(path, root)
        if (buf := read_capped(path, location, coverage)) is not None:
            leaks += leaks_in_buffer(buf, location, matcher, patterns=True)
    return leaks


def scan_host(
    root: Path,
    secrets: Sequence[Secret],
    *,
    bot_home: Path | None = None,
    coverage: Coverage | None = None,
) -> list[Leak]:
    """Leaks in the host's usual hiding places under root, and in the bot's home.

    Args:
        root: the host's filesystem root (`/`, or a fixture tree).
        secrets: known values to look for; patterns are applied too.
        bot_home: the bot's home or workdir, absolute as on the host (re-rooted under root).
        coverage: where files not read (too large, unreadable) are recorded.
    """
    coverage = coverage or Coverage()
    matcher = ExactMatcher(secrets)
    leaks: list[Leak] = []
    for path in host_files(root):
        coverage.check()
        buf = read_capped(path, _location(path, root), coverage)
        if buf is not None:
            leaks += leaks_in_buffer(buf, _location(path, root), matcher, patterns=True)
    leaks += _cmdlines(root, matcher)
    if bot_home is not None:
        home = root / bot_home.relative_to(bot_home.anchor) if bot_home.is_absolute() else bot_home
        if home.is_dir():
            leaks += _world_readable(home, root, matcher, coverage)
    return leaks
