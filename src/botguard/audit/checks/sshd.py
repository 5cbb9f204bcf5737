"""Parse sshd_config the way sshd reads it: Include in place, first value wins.

Match blocks apply only to matching connections, so for the global verdict a
Match block that re-enables a setting is reported as evidence (weaker host).
"""

from __future__ import annotations

import glob
import shlex
from pathlib import Path


def _rooted(root: Path, path: str, base: Path) -> list[Path]:
    """Expand an Include argument (relative to /etc/ssh) inside root, lexical order."""
    full = path if path.startswith("/") else str(base / path)
    pattern = str(root / full.lstrip("/"))
    return [Path(p) for p in sorted(glob.glob(pattern))]  # noqa: PTH207 - absolute glob


def parse_sshd(root: Path, main: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Return (global first values, values set inside any Match block), lower-case keys."""
    glob_values: dict[str, str] = {}
    match_values: dict[str, str] = {}
    _read(root, main, glob_values, match_values, depth=0, in_match=False)
    return glob_values, match_values


def _read(
    root: Path, path: Path, g: dict[str, str], m: dict[str, str], *, depth: int, in_match: bool
) -> bool:
    """Read one file; return whether a Match block is open at its end."""
    if depth > 16 or not path.is_file():
        return in_match
    for raw in path.read_text(errors="replace").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            parts = shlex.split(line.replace("=", " ", 1))
        except ValueError:
            continue
        key, args = parts[0].lower(), parts[1:]
        if key == "match":
            in_match = not (args and args[0].lower() == "all")
        elif key == "include":
            for arg in args:
                for inc in _rooted(root, arg, Path("/etc/ssh")):
                    in_match = _read(root, inc, g, m, depth=depth + 1, in_match=in_match)
        elif args:
            target = m if in_match else g
            target.setdefault(key, args[0].lower())
    return in_match
