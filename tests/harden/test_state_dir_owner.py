"""A root-run kill and the state dir harden's README lays out (owned by the watch user).

Root refuses a state dir another user owns (that user could plant links where root
writes), so the one line must say how to go on: run botguard as that user.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from botguard.testing.canary import CANARIES


def _nobody() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody on this machine")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the state dir to another user")
def test_root_kill_on_the_watch_users_state_dir_says_to_run_as_that_user(tmp_path: Path) -> None:
    watcher = _nobody()
    state = tmp_path / "state"
    state.mkdir(mode=0o750)  # as harden's README: install -d -m 0750 -o WATCHER -g BOT
    os.chown(state, watcher.pw_uid, watcher.pw_gid)
    config = tmp_path / "botguard.toml"
    config.write_text(
        f'[bot]\nname = "gridbot"\n[state]\ndir = "{state}"\n[[account]]\nname = "main"\n'
        'exchange = "binance"\napi_key = "env:BOTGUARD_CANARY_API_KEY"\n'
        'secret = "env:BOTGUARD_CANARY_SECRET"\nbase_url = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "botguard", "kill", "--yes", "-c", str(config)],
        capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60,
        env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    name = watcher.pw_name
    assert f"state dir {state}: owned by {name}" in line
    assert f"run botguard as {name} (`sudo -u {name} botguard ...`" in line
    assert list(state.iterdir()) == []  # refused before anything was written
