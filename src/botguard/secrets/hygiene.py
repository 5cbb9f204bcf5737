"""Keep resolved secrets out of core dumps: RLIMIT_CORE 0 and PR_SET_DUMPABLE 0.

A crashed process's core holds its memory, raw keys included, and cores land
where other users and crash reporters (apport, systemd-coredump) can read them.
Both switches are process-wide and one-way (the hard limit cannot be raised
again), so they are set once, before the first secret is read. RLIMIT_CORE is
inherited by children (the bot `botguard run` starts gets it too);
not-dumpable also stops another process of the same user (a compromised bot)
from ptrace-attaching to read botguard's memory. Linux only; elsewhere the
rlimit alone is set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import resource
import sys
from collections.abc import Callable

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4

_done = False


PrctlFn = Callable[[int, int, int, int, int], int]


def libc_prctl() -> PrctlFn | None:
    """libc's prctl(2), or None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn: PrctlFn = libc.prctl
    return fn


def prctl(option: int, arg: int = 0) -> int:
    """prctl(option, arg); -1 (with errno) on failure, or where there is none."""
    fn = libc_prctl()
    return -1 if fn is None else fn(option, arg, 0, 0, 0)


def disable_core_dumps() -> None:
    """No core file, no ptrace by the same user, for this process from now on (idempotent)."""
    global _done  # a process-wide, one-way switch
    if _done:
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError) as exc:
        logger.warning("cannot set RLIMIT_CORE to 0: %s", exc)
    if prctl(PR_SET_DUMPABLE, 0) != 0 and sys.platform.startswith("linux"):
        logger.warning("cannot clear the dumpable flag (prctl errno %s)", ctypes.get_errno())
    _done = True
