"""`botguard kill` through a running guardian: find its socket, hand over, stream.

Stdlib only, and imported before anything heavy: the point is that the kill starts
in the guardian's warm process within milliseconds of the command. Any doubt (no
socket, nobody answering, a peer that is not root or the state dir's owner, the
connection lost mid-kill) returns None and the caller runs the cold kill, which is
safe to run after a partial one (it re-reads the accounts; the kill lock orders the two).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tomllib
from pathlib import Path
from typing import Any, TextIO

from botguard.guardian.wire import MAX_LINE, KillRequest, socket_path

ACCEPT_TIMEOUT_S = 1.0
"""A guardian that does not accept within this is treated as absent (the cold path runs)."""
REPORT_MARGIN_S = 30.0
"""After the kill's deadline, how long to wait for the report before running cold."""


def state_dir_of(config: Path | None) -> Path | None:
    """[state] dir from botguard.toml, read with tomllib only; None when unclear.

    The same lookup as `config.config_path` and `_resolve_paths`, without pydantic:
    on any doubt the cold path runs and reports the config problem properly.
    """
    path = config if config is not None else Path(os.environ.get("BOTGUARD_CONFIG") or "")
    path = path if str(path) not in ("", ".") else Path("botguard.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        state = raw.get("state", {}).get("dir", "/var/lib/botguard")
    except (OSError, ValueError, RecursionError, AttributeError):  # deep nesting, NUL, ...
        return None
    if not isinstance(state, str):
        return None
    return Path(state) if Path(state).is_absolute() else path.parent / state


def _trusted(sock: socket.socket, state_dir: Path) -> bool:
    """The guardian must be root, us, or the state dir's owner (whoever else could bind there)."""
    from botguard.guardian.peer import peer_credentials

    _, uid, _ = peer_credentials(sock)
    return uid in {0, os.geteuid(), state_dir.stat().st_uid}


def connect(state_dir: Path) -> socket.socket | None:
    """A connection to a trusted guardian, or None."""
    path = socket_path(state_dir)
    if not path.is_socket():
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(ACCEPT_TIMEOUT_S)
        sock.connect(str(path))
        if _trusted(sock, state_dir):
            return sock
    except OSError:
        pass
    sock.close()
    return None


class _Lines:
    """Newline-delimited JSON from a socket, with a per-read timeout."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def next(self, timeout_s: float) -> dict[str, Any] | None:
        self.sock.settimeout(timeout_s)
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return None
            if not chunk or len(self.buf) > MAX_LINE:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        try:
            event = json.loads(line)
        except ValueError:
            return None
        return event if isinstance(event, dict) else None


def kill_through_guardian(
    config: Path | None,
    request: KillRequest,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int | None:
    """Run the kill in a running guardian; its exit code, or None to run it here (cold)."""
    state_dir = state_dir_of(config)
    sock = connect(state_dir) if state_dir is not None else None
    if sock is None:
        return None
    with sock:
        try:
            sock.sendall(request.encode())
        except OSError:
            return None
        return _follow(_Lines(sock), out, err)


def _follow(lines: _Lines, out: TextIO, err: TextIO) -> int | None:
    """Print the guardian's progress and report; None if it went silent (run cold)."""
    first = lines.next(ACCEPT_TIMEOUT_S)
    if first is None or first.get("event") not in ("accepted", "error"):
        return None
    if first["event"] == "error":
        err.write(f"botguard: error: guardian: {first.get('message', 'refused')}\n")
        return int(first.get("code", 2))
    how = "joined the kill already running" if first.get("joining") else "kill running"
    err.write(f"botguard: {how} in the guardian (pid {first.get('pid')}, warm venues)\n")
    wait_s = float(first.get("deadline_s") or 30.0) + REPORT_MARGIN_S
    pid, interrupted = first.get("pid"), False
    while True:
        try:
            event = lines.next(wait_s)
        except KeyboardInterrupt:  # the kill is the guardian's: Ctrl-C only stops following
            if interrupted:
                err.write(f"botguard: stopped following; the kill goes on in the guardian "
                          f"(pid {pid}): `botguard status` shows how it ends\n")  # fmt: skip
                return 3
            err.write("botguard: the kill runs in the guardian and finishes there; Ctrl-C "
                      "again to stop following it\n")  # fmt: skip
            err.flush()
            interrupted = True
            continue
        if event is None:
            break
        if event.get("event") == "progress":
            err.write(f"  {event.get('line', '')}\n")
            err.flush()
        elif event.get("event") == "report":
            out.write(str(event.get("report", "")))
            if event.get("outcome"):
                err.write(f"botguard: {event['outcome']}\n")
            return int(event.get("exit_code", 3))
    err.write("botguard: lost the guardian mid-kill; running the kill here\n")
    return None


def try_guardian(
    config: Path | None,
    accounts: list[str] | None,
    *,
    flatten: bool,
    halt: bool,
    deadline_s: float | None,
) -> int | None:
    """`botguard kill --yes`'s early hook: the exit code if a guardian ran it, else None."""
    import shutil

    width = shutil.get_terminal_size((100, 24)).columns
    request = KillRequest(tuple(accounts or ()), flatten, halt, deadline_s, width=width)
    return kill_through_guardian(config, request)
