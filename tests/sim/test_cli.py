"""`botguard sim` as users run it: a real process, URL on the first line, stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from botguard.cli import main

pytestmark = pytest.mark.sim
EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.toml"


def test_sim_prints_its_url_first_and_stops_on_sigterm() -> None:
    cmd = [sys.executable, "-m", "botguard", "sim", "--port", "0", "--scenario", str(EXAMPLE),
           "--faults", "GET /api/v3/time:503"]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        try:
            assert url.startswith("http://127.0.0.1:")
            with urllib.request.urlopen(url + "/_sim/state", timeout=5) as response:  # noqa: S310
                state = json.loads(response.read())
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(url + "/api/v3/time", timeout=5)  # noqa: S310
            caught.value.close()
            assert caught.value.code == 503
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert set(state["accounts"]) == {"gridbot", "watcher"}
    assert "gridbot-secret" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "/nonexistent.toml"], "cannot read scenario"),
        (["--faults", "GET /x:p=7:503"], "--faults: bad selector"),
        (["--port", "70000"], "--port 70000"),
    ],
)
def test_bad_flags_exit_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_port_in_use_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["sim", "--port", str(port)]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"cannot listen on 127.0.0.1:{port}" in line
