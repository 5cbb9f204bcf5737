"""The guardian's socket refuses anyone but root and its own user.

Run as root (as CI is), a child process that switches to `nobody` (uid 65534)
connects: first to the socket as the guardian makes it (mode 0600: the kernel
refuses), then to the same socket opened up to everyone with chmod 0666 (the
SO_PEERCRED check refuses). The child is the system python running stdlib code
only, because nobody cannot read the test's virtualenv under /root.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from botguard.config import parse_config
from botguard.guardian.peer import allowed_uids, peer_allowed
from botguard.guardian.runner import WarmKill
from botguard.guardian.server import ControlServer
from botguard.journal import Journal

NOBODY = 65534
SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")
CONNECT = """
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except OSError as exc:
    print("connect:", type(exc).__name__); sys.exit(0)
try:
    s.sendall(b'{"op":"kill"}\\n')
except OSError:
    pass  # refused before the request was read
print("answer:", s.makefile().readline().strip())
"""

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or SYSTEM_PYTHON is None, reason="needs root and /usr/bin/python3"
)


def open_folder() -> tuple[Path, Path]:
    """A folder (and state dir) nobody may traverse (0711) but not list; not under /root."""
    folder = Path(tempfile.mkdtemp(prefix="bg-peer-"))
    folder.chmod(0o711)
    state = folder / "state"
    state.mkdir(mode=0o711)
    return folder, state


@pytest.fixture
async def server() -> AsyncIterator[ControlServer]:
    """A real guardian control socket (its kill runner never reaches an exchange here)."""
    folder, state = open_folder()
    raw = {
        "bot": {"name": "gridbot"},
        "state": {"dir": str(state)},
        "account": [
            {
                "name": "main",
                "exchange": "binanceusdm",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": "env:BOTGUARD_CANARY_SECRET",
                "markets": ["swap"],
                "base_url": "http://127.0.0.1:9",
            }
        ],
    }
    runner = WarmKill(parse_config(raw, path=folder / "botguard.toml"))
    control = ControlServer(runner, state)
    await control.start()
    try:
        yield control
    finally:
        await control.close()
        await runner.close()
        shutil.rmtree(folder)


async def connect_as_nobody(path: Path) -> str:
    assert SYSTEM_PYTHON is not None
    child = await asyncio.create_subprocess_exec(
        SYSTEM_PYTHON, "-I", "-c", CONNECT, str(path),
        user=NOBODY, stdout=asyncio.subprocess.PIPE, cwd="/",
    )  # fmt: skip
    out, _ = await asyncio.wait_for(child.communicate(), 30)
    return out.decode().strip()


@needs_root
async def test_the_socket_file_refuses_another_user(server: ControlServer) -> None:
    assert oct(server.path.stat().st_mode & 0o777) == "0o600"
    assert await connect_as_nobody(server.path) == "connect: PermissionError"


@needs_root
async def test_the_peer_check_refuses_another_user_even_on_an_open_socket(
    server: ControlServer,
) -> None:
    server.path.chmod(0o666)  # an operator's mistake: the file no longer protects it

    answer = await connect_as_nobody(server.path)

    assert answer == 'answer: {"event":"error","code":2,"message":"not allowed"}'
    with Journal(server.runner.config.state.dir) as journal:
        assert journal.runs("kill") == []  # nothing was run


def test_only_root_and_the_guardians_own_user_are_allowed() -> None:
    allowed = allowed_uids()
    assert peer_allowed(0, allowed)
    assert peer_allowed(os.geteuid(), allowed)
    assert not peer_allowed(NOBODY, allowed) or os.geteuid() == NOBODY
