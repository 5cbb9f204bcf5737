"""Connection-level faults every dialect of the sim injects the same way."""

from __future__ import annotations

import socket
import struct

from aiohttp import web


def reset_connection(request: web.Request) -> None:
    """Drop the connection with a TCP RST and no answer (SO_LINGER 0, then abort)."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
