"""The one place scan runs git: resolved once by absolute path, fixed argv, no shell."""

from __future__ import annotations

import functools
import shutil
import subprocess
from typing import IO

from botguard.errors import BotguardError


@functools.cache
def git_binary() -> str:
    """Absolute path of git, or a clear error when it is not installed."""
    found = shutil.which("git")
    if found is None:
        raise BotguardError("git is not installed; install it (apt-get install git) to scan")
    return found


def run_git(args: list[str], *, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` and capture its output; the caller checks the return code."""
    return subprocess.run(  # noqa: S603 (fixed tool argv, no shell)
        [git_binary(), *args], input=stdin, capture_output=True, check=False
    )


def popen_git(
    args: list[str], *, stderr: IO[bytes], stdin: bool = False
) -> subprocess.Popen[bytes]:
    """Start `git ARGS` with stdout piped for streaming (and stdin piped when asked).

    stderr goes to a file the caller owns, never a pipe: a pipe read only after
    stdout ends deadlocks once git writes more than the pipe holds (64 KiB of
    warnings, e.g. a repository full of bad objects).
    """
    return subprocess.Popen(  # noqa: S603 (fixed tool argv, no shell)
        [git_binary(), *args],
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


def first_error_line(stderr: IO[bytes]) -> str:
    """git's first stderr line (read from the start of the file), or 'no message'."""
    stderr.seek(0)
    head = stderr.read(4096).decode(errors="replace").strip().splitlines()[:1]
    return " ".join(head) or "no message"
