"""The one place scan runs git: resolved once by absolute path, fixed argv, no shell."""

from __future__ import annotations

import functools
import shutil
import subprocess

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


def popen_git(args: list[str]) -> subprocess.Popen[bytes]:
    """Start `git ARGS` with its stdout and stderr piped, for streaming."""
    return subprocess.Popen(  # noqa: S603 (fixed tool argv, no shell)
        [git_binary(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
