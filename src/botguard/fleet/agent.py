"""The guardian's side of the fleet: watch the signed halt, obey it, report, heartbeat.

Runs inside `botguard watch` beside the watchdog and the local control socket, and
kills through the same warm runner (so a fleet halt, a trip and a local kill join
one another instead of running twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from botguard.fleet.channel import HOST_PREFIX, connect, next_update, open_bucket, stop_watch
from botguard.fleet.command import COMMAND_PREFIX, Action, Command, Refused, Verifier
from botguard.fleet.status import HostStatus, kill_state
from botguard.guardian.wire import KillRequest
from botguard.halt import clear_halt, is_halted
from botguard.journal import Journal

if TYPE_CHECKING:
    from nats.js.kv import KeyValue

    from botguard.config import Config, FleetConfig
    from botguard.guardian.runner import WarmKill

logger = logging.getLogger(__name__)

LAST_FILE = "fleet-last.json"
"""The newest command obeyed (issued_at, nonce): survives restarts, so replays stay refused."""
RETRY_S = 1.0


class FleetAgent:
    """Follows the fleet's command keys and reports on this host's own key."""

    def __init__(self, config: Config, runner: WarmKill) -> None:
        if config.fleet is None:  # pragma: no cover - the caller checks
            raise ValueError("no [fleet] section")
        self.config = config
        self.fleet: FleetConfig = config.fleet
        self.runner = runner
        last = self._load_last()
        self.verifier = Verifier(
            self.fleet.name, self.fleet.host, list(self.fleet.groups), self.fleet.operator_key,
            last_issued_at=int(last.get("issued_at", 0)),
        )  # fmt: skip
        self.status = HostStatus(self.fleet.host, list(self.fleet.groups))
        self._kv: KeyValue | None = None
        self._client: Any = None
        self._lost_since: float | None = time.monotonic()
        self._self_halted = False
        self._back = asyncio.Event()

    async def run(self) -> None:
        """Until cancelled: connect, follow the commands, heartbeat, self-halt if cut off."""
        tasks = [asyncio.create_task(self._heartbeat()), asyncio.create_task(self._cutoff())]
        try:
            while True:
                try:
                    await self._session()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # any channel failure: keep trying, say so
                    logger.warning("fleet channel: %s (%s); retrying", type(exc).__name__, exc)
                    self._kv = None
                    await asyncio.sleep(RETRY_S)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _session(self) -> None:
        client = await connect(self.fleet, on_lost=self._lost, on_back=self._found, resident=True)
        self._client = client
        try:
            self._lost_since, self._self_halted = None, False
            kv = await self._bucket(client)
            self._kv = kv
            await self._put_status(self.status)
            while True:  # (re)watch after every reconnect: the initial values are the state
                self._back.clear()
                await self._follow(kv)
        finally:  # however the session ended, the channel is lost from now on: the
            # client's own disconnect callback may never fire (a server gone mid-watch
            # ends the session by an exception first), and without this the self-halt
            # clock never started
            self._lost_since = self._lost_since or time.monotonic()
            self._kv = self._client = None
            with contextlib.suppress(Exception):
                await client.close()

    async def _bucket(self, client: Any) -> KeyValue:
        from nats.js.errors import BucketNotFoundError

        while True:
            try:
                return await open_bucket(client, self.fleet, create=False)
            except BucketNotFoundError:
                logger.info("fleet bucket not created yet (the operator's first command does)")
                await asyncio.sleep(RETRY_S)

    async def _follow(self, kv: KeyValue) -> None:
        """Obey the newest valid command among the current values, then each new one."""
        watcher = await kv.watch(COMMAND_PREFIX + ">")
        try:
            pending: list[Command] = []
            live = False
            while not self._back.is_set():
                came, entry = await next_update(watcher, 1.0)
                if not came:
                    continue
                if entry is None:  # the initial values are all in: act on the newest
                    live = True
                    if pending:
                        await self._obey(max(pending, key=lambda c: c.issued_at))
                    pending = []
                    continue
                if entry.value is None or entry.operation is not None:
                    continue  # a delete or purge: no command
                command = self._check(entry.key, entry.value, live=live)
                if command is not None and live:
                    await self._obey(command)
                elif command is not None:
                    pending.append(command)
        finally:
            await stop_watch(watcher)

    def _check(self, key: str, value: bytes, *, live: bool) -> Command | None:
        try:
            return self.verifier.check(key, value)
        except Refused as exc:
            if not live and "replay" in str(exc):
                return None  # an old command still stored: already superseded, not an attack
            self._refused(str(exc))
            return None

    def _refused(self, why: str) -> None:
        logger.warning("fleet command refused: %s", why)
        with Journal(self.config.state.dir) as journal:
            journal.add_event("fleet_refused", {"why": why})
        task = asyncio.ensure_future(self._alert("botguard: fleet command REFUSED", why))
        task.add_done_callback(lambda t: t.exception())

    async def _alert(self, title: str, body: str) -> None:
        from botguard.alerts import send_alerts

        await send_alerts(self.config, title, body, kind="fleet")

    async def _obey(self, command: Command) -> None:
        self.verifier.last_issued_at = command.issued_at
        with Journal(self.config.state.dir) as journal:
            journal.add_event("fleet_command", {"target": command.target,
                                                "action": command.action.value,
                                                "nonce": command.nonce})  # fmt: skip
        if command.action is Action.RESUME:
            clear_halt(self.config.state.dir)
            await self._report(command, "resumed")
        else:
            await self._halt(command, f"fleet halt ({command.target}, {command.nonce})")
        self._save_last(command)

    async def _halt(self, command: Command | None, reason: str) -> None:
        """The warm kill, with its phases written to this host's key as it goes."""
        nonce = command.nonce if command else ""
        kill = asyncio.ensure_future(self.runner.kill(KillRequest(reason=reason)))
        await asyncio.sleep(0)  # the kill starts before anything is written to the channel
        await self._report_nonce(nonce, "halting")
        phase = "halting"
        async for step in self.runner.steps():
            if step.phase != phase:
                phase = step.phase
                await self._report_nonce(nonce, phase)
        try:
            report, joined = await kill
        except Exception as exc:
            logger.exception("fleet halt: the kill failed")
            await self._report_nonce(nonce, "unreachable", exit_code=3, detail=str(exc)[:200])
            return
        state = kill_state(report.exit_code, report.status)
        await self._report_nonce(nonce, state, exit_code=report.exit_code, detail=report.run_id)
        if not joined:
            from botguard.alerts import alert_kill

            await alert_kill(self.config, report, reason=reason)

    async def _report(self, command: Command, state: str) -> None:
        await self._report_nonce(command.nonce, state)

    async def _report_nonce(
        self, nonce: str, state: str, *, exit_code: int | None = None, detail: str = ""
    ) -> None:
        self.status = replace(
            self.status, state=state, command=nonce, exit_code=exit_code, detail=detail
        )
        await self._put_status(self.status)

    async def _put_status(self, status: HostStatus) -> None:
        kv, client = self._kv, self._client
        if kv is None or client is None or not client.is_connected:
            return  # the heartbeat writes it again once the channel is back
        status = replace(
            status, halted=is_halted(self.config.state.dir), at=int(time.time() * 1000)
        )
        try:
            await asyncio.wait_for(kv.put(HOST_PREFIX + self.fleet.host, status.encode()), 2.0)
        except Exception as exc:  # the heartbeat retries; the kill never waits on it
            logger.warning("fleet: could not write this host's status (%s)", exc)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.fleet.heartbeat_s)
            await self._put_status(self.status)

    async def _cutoff(self) -> None:
        """Self-halt when the control channel stays lost `halt_if_disconnected_s`."""
        limit = self.fleet.halt_if_disconnected_s
        if limit is None:
            return
        while True:
            await asyncio.sleep(min(0.5, limit / 4))
            lost = self._lost_since
            if lost is None or self._self_halted or time.monotonic() - lost < limit:
                continue
            self._self_halted = True
            reason = f"fleet: control channel lost for {limit:g} s"
            logger.warning("%s: halting the bot", reason)
            await self._alert("botguard: fleet channel lost, halting", reason)
            await self._halt(None, reason)

    async def _lost(self) -> None:
        self._lost_since = self._lost_since or time.monotonic()

    async def _found(self) -> None:
        self._lost_since, self._self_halted = None, False
        self._back.set()

    def _load_last(self) -> dict[str, Any]:
        try:
            raw = json.loads((self.config.state.dir / LAST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return raw if isinstance(raw, dict) else {}

    def _save_last(self, command: Command) -> None:
        from botguard.config import make_state_dir

        path = make_state_dir(self.config.state.dir) / LAST_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"issued_at": command.issued_at, "nonce": command.nonce}))
        tmp.replace(path)
