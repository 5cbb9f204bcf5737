"""`botguard run` on the halt flag with a freqtrade bot: asked to stand down, then left to
the kill (whose SIGTERM follows its own talk with freqtrade), never left running.

A real child process, the real halt flag; freqtrade's API is the STAND-IN of
tests/kill/freqtrade_stand_in.py (the real freqtrade run is tests/e2e/test_freqtrade.py).
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
import time
from pathlib import Path

import pytest

from botguard.halt import set_halt
from botguard.harden import runner
from botguard.kill.freqtrade import FreqtradeApi
from tests.kill.freqtrade_stand_in import serve


async def sleeper() -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(60)", process_group=0
    )


def spec(tmp_path: Path, port: int) -> runner.ChildSpec:
    api = FreqtradeApi("127.0.0.1", port, "freqtrader", "pw")
    return runner.ChildSpec(argv=[], state_dir=tmp_path / "state", grace_s=5, framework_api=api)


async def test_a_kills_flag_asks_freqtrade_then_waits_for_the_kills_sigterm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "KILL_HANDOFF_S", 30.0)
    set_halt(tmp_path / "state", "test", by="kill")
    proc = await sleeper()
    with serve() as api:
        halting = asyncio.ensure_future(runner._halt_child(proc, spec(tmp_path, api.port)))
        while len(api.seen) < 2:  # noqa: ASYNC110 - polling a thread's list
            await asyncio.sleep(0.02)
        assert [p for _, p, _ in api.seen] == ["/api/v1/stopentry", "/api/v1/stop"]
        await asyncio.sleep(0.3)
        assert not halting.done()  # left to the kill: run sent no SIGTERM of its own
        proc.send_signal(signal.SIGTERM)  # the kill's
        await asyncio.wait_for(halting, timeout=30)
    assert proc.returncode == -signal.SIGTERM


async def test_when_the_kill_never_signals_run_does_after_the_handoff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "KILL_HANDOFF_S", 0.2)
    set_halt(tmp_path / "state", "test", by="kill")
    proc = await sleeper()
    with serve() as api:
        await asyncio.wait_for(runner._halt_child(proc, spec(tmp_path, api.port)), timeout=30)
    assert proc.returncode == -signal.SIGTERM


@pytest.mark.parametrize("by", ["kill", "watch"])
async def test_no_answer_or_no_kill_means_sigterm_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, by: str
) -> None:
    """A freqtrade that does not answer, or a flag no kill raised: nothing is left to wait for."""
    monkeypatch.setattr(runner, "KILL_HANDOFF_S", 30.0)
    set_halt(tmp_path / "state", "test", by=by)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    proc = await sleeper()
    began = time.monotonic()
    await asyncio.wait_for(runner._halt_child(proc, spec(tmp_path, port)), timeout=30)
    assert time.monotonic() - began < 10  # not the 30 s handoff
    assert proc.returncode == -signal.SIGTERM


@pytest.mark.parametrize(
    ("framework", "api_server", "found"),
    [('framework = "freqtrade"', {"enabled": True, "listen_ip_address": "127.0.0.1"}, True),
     ('framework = "freqtrade"', {"enabled": False}, False),
     ("", {"enabled": True, "listen_ip_address": "127.0.0.1"}, False)],
)  # fmt: skip
def test_run_knows_freqtrades_api_only_for_a_freqtrade_with_one(
    tmp_path: Path, framework: str, api_server: dict[str, object], found: bool
) -> None:
    from botguard.cli.run_cmd import _framework_api
    from botguard.config import load_config

    (tmp_path / "config.json").write_text(json.dumps({"api_server": api_server}), "utf-8")
    path = tmp_path / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "ft"\nworkdir = "{tmp_path}"\n{framework}\n'
        f'[state]\ndir = "{tmp_path / "state"}"\n',
        encoding="utf-8",
    )
    api = _framework_api(load_config(path), runner.ChildSpec(argv=[]))
    assert (api is not None) == found
