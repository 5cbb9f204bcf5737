"""The guardian's local control socket: `botguard kill` hands its kill to the warm process.

Listens on `guardian.sock` in the state dir (mode 0600), checks every peer with
SO_PEERCRED (root or the user the guardian runs as), reads one request line, and
answers with "accepted", the kill's journal steps as "progress", and the rendered
report with its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import socket
from pathlib import Path

from botguard.guardian.peer import allowed_uids, peer_allowed, peer_credentials
from botguard.guardian.runner import WarmKill
from botguard.guardian.wire import MAX_LINE, KillAnswer, KillRequest, dumps, socket_path
from botguard.kill.report import KillReport

logger = logging.getLogger(__name__)

READ_TIMEOUT_S = 2.0
"""A connected peer that sends no request line within this is dropped."""


class ControlServer:
    """The Unix socket server in front of a WarmKill."""

    def __init__(self, runner: WarmKill, state_dir: Path) -> None:
        self.runner = runner
        self.path = socket_path(state_dir)
        self.allowed = allowed_uids()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Bind (replacing a stale socket left by a crash) with mode 0600 from the start."""
        from botguard.config import make_state_dir

        make_state_dir(self.path.parent)
        with contextlib.suppress(FileNotFoundError):
            if self.path.is_socket():
                self.path.unlink()
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._handle, path=str(self.path), limit=MAX_LINE
            )
        finally:
            os.umask(old)
        self.path.chmod(0o600)
        logger.info("guardian listening on %s", self.path)

    async def close(self) -> None:
        """Stop accepting and remove the socket file."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            logger.info("guardian: the caller went away (the kill, if any, goes on)")
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock: socket.socket = writer.get_extra_info("socket")
        pid, uid, _ = peer_credentials(sock)
        if not peer_allowed(uid, self.allowed):
            logger.warning("guardian: refused a connection from uid %d (pid %d)", uid, pid)
            await _send(writer, {"event": "error", "code": 2, "message": "not allowed"})
            return
        try:
            line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
            request = KillRequest.decode(json.loads(line))
        except (TimeoutError, ValueError, AttributeError) as exc:
            await _send(writer, {"event": "error", "code": 2, "message": f"bad request: {exc}"})
            return
        await self._kill(request, writer, pid)

    async def _kill(self, request: KillRequest, writer: asyncio.StreamWriter, pid: int) -> None:
        from botguard.errors import ConfigError

        try:
            self.runner.select(request.accounts)
        except ConfigError as exc:
            await _send(writer, {"event": "error", "code": 2, "message": str(exc)})
            return
        joining = self.runner.running
        logger.warning("guardian: kill requested by pid %d%s", pid, " (joining)" if joining else "")
        deadline = request.deadline_s or self.runner.config.kill.deadline_s
        accepted = {"event": "accepted", "pid": os.getpid(), "joining": joining}
        await _send(writer, {**accepted, "deadline_s": deadline})
        kill = asyncio.ensure_future(self.runner.kill(request))
        await asyncio.sleep(0)  # let the kill start (or join) before following its steps
        try:
            async for step in self.runner.steps():
                await _send(writer, {"event": "progress", "line": step.line(), "phase": step.phase})
            report, joined = await kill
            answer = answer_for(report, joined=joined, width=request.width)
            await _send(writer, {"event": "report", **_answer_dict(answer)})
        finally:  # the caller may have gone: the kill still ends, and is still alerted
            report, joined = await kill
            if not joined:
                from botguard.alerts import alert_kill

                await alert_kill(self.runner.config, report, reason=request.reason)


def answer_for(report: KillReport, *, joined: bool, width: int) -> KillAnswer:
    """The report rendered as the cold CLI renders it, plus its exit code."""
    from rich.console import Console

    from botguard.kill.report import problem_lines, render

    buffer = io.StringIO()
    render(report, Console(file=buffer, width=width, force_terminal=False, no_color=True))
    outcome = "\nbotguard: ".join(problem_lines(report))  # as the cold CLI says it
    return KillAnswer(report.exit_code, buffer.getvalue(), outcome, joined, report.run_id)


def _answer_dict(answer: KillAnswer) -> dict[str, object]:
    return {
        "exit_code": answer.exit_code,
        "report": answer.report,
        "outcome": answer.outcome,
        "joined": answer.joined,
        "run_id": answer.run_id,
    }


async def _send(writer: asyncio.StreamWriter, event: dict[str, object]) -> None:
    writer.write(dumps(event))
    await writer.drain()
