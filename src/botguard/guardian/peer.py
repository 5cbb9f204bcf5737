"""Who is on the other end of a Unix socket (SO_PEERCRED), and whether to trust them.

The socket file is mode 0600 in a 0700 state dir, so only its owner (and root) can
even connect; the peer check is the second lock, and the one that still holds if a
umask, a bind mount or an operator's chmod opened the file up.
"""

from __future__ import annotations

import os
import socket
import struct

_UCRED = struct.Struct("3i")  # pid, uid, gid


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process that connected, as the kernel recorded them."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return pid, uid, gid


def allowed_uids(*extra: int) -> frozenset[int]:
    """Root and the user this process runs as (plus any `extra`)."""
    return frozenset({0, os.geteuid(), *extra})


def peer_allowed(uid: int, allowed: frozenset[int]) -> bool:
    """True when a peer with this uid may command the guardian."""
    return uid in allowed
