"""The sample bot as a real child process: started, watched until its book is open, reaped.

It runs in its own session, so a Ctrl-C in the terminal reaches the demo (which then
cleans up) and never half-stops the bot behind the kill switch's back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time

from botguard.demo.workspace import Workspace
from botguard.errors import BotguardError
from botguard.secrets.redact import redact
from botguard.secrets.secret import Secret

STOP_GRACE_S = 5.0


class BotProcess:
    """`python -m botguard.demo.bot` with the key in its environment only."""

    def __init__(self, ws: Workspace, proc: subprocess.Popen[bytes]) -> None:
        self.ws = ws
        self.proc = proc

    @classmethod
    def start(
        cls, ws: Workspace, *, sim_url: str, api_key: Secret, secret: Secret,
        exchange: str = "binance", passphrase: Secret | None = None,
    ) -> BotProcess:  # fmt: skip
        """Spawn the bot; its stdout/stderr go to a file next to its log."""
        env = {**os.environ, "DEMO_BASE_URL": sim_url, "DEMO_HEARTBEAT": str(ws.heartbeat),
               "DEMO_PIDFILE": str(ws.pidfile), "DEMO_LOG": str(ws.bot_log),
               "DEMO_EXCHANGE": exchange,
               "EX_API_KEY": api_key.reveal(), "EX_API_SECRET": secret.reveal()}  # fmt: skip
        if passphrase is not None:
            env["EX_API_PASSWORD"] = passphrase.reveal()
        with ws.bot_log.with_suffix(".out").open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "botguard.demo.bot"],
                cwd=ws.repo, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        return cls(ws, proc)

    @property
    def pid(self) -> int:
        """The bot's process id."""
        return self.proc.pid

    def is_running(self) -> bool:
        """True until the process has exited (and been reaped)."""
        return self.proc.poll() is None

    async def wait_trading(self, *, timeout_s: float) -> float:
        """Wait until the bot's heartbeat says its book is open; seconds it took."""
        start = time.monotonic()
        while not await asyncio.to_thread(self.ws.heartbeat.exists):
            if not self.is_running():
                raise BotguardError(f"demo: the sample bot exited early; {self.last_words()}")
            if time.monotonic() - start > timeout_s:
                raise BotguardError(
                    f"demo: the sample bot did not open its book in {timeout_s:.0f} s"
                )
            await asyncio.sleep(0.05)
        return time.monotonic() - start

    def last_words(self) -> str:
        """The last line of the bot's output (redacted), for an error message."""
        try:
            text = self.ws.bot_log.with_suffix(".out").read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        lines = [line for line in text.splitlines() if line.strip()]
        return redact(lines[-1]) if lines else "it printed nothing"

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period; always reaps the child."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
        self.proc.wait()

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
