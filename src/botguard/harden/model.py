"""HardenFile: one generated file, where it goes on the host, and why it exists."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from botguard.errors import UsageError


class Kind(StrEnum):
    """What a file is, which decides how it is validated."""

    UNIT = "unit"
    SSHD = "sshd"
    NFT = "nft"
    APT = "apt"
    POLKIT = "polkit"
    DOC = "doc"


@dataclass(frozen=True, slots=True)
class HardenFile:
    """A file `botguard harden` writes into DIR and, with --apply, onto the host."""

    name: str
    """Path inside DIR, e.g. `systemd/gridbot.service`."""
    kind: Kind
    content: str
    purpose: str
    """One line for the README: what this file does."""
    target: PurePosixPath | None = None
    """Absolute path on the host that --apply writes; None for DIR-only files."""
    mode: int = 0o644


def inside(base: Path, relative: str | PurePosixPath, *, option: str) -> Path:
    """`base / relative`, refused unless it stays under `base` once resolved.

    Config validation keeps names free of `/` and `..`; this is the second line:
    whatever a name was, and whatever symlinks sit in the tree, no file lands
    outside the folder the user named.
    """
    path = base / relative
    resolved, anchor = path.resolve(), base.resolve()
    if resolved != anchor and not resolved.is_relative_to(anchor):
        raise UsageError(
            f"{option} {base}: {relative} would be written outside {option} (to {resolved}); "
            "refusing; check the names in botguard.toml and symlinks under the folder"
        )
    return path
