"""HardenFile: one generated file, where it goes on the host, and why it exists."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath


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
