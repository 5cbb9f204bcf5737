"""`botguard demo` end to end: the story a user sees, and that it always cleans up.

Real parts throughout: the sim on loopback, the sample bot as a child process
trading through unmodified ccxt, a real git repository, the real kill switch.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.demo.workspace import new_credential
from botguard.process import is_running
from botguard.secrets.forms import encoded_forms
from botguard.secrets.secret import Secret

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def _bot_pid(out: str) -> int:
    match = re.search(r"bot pid (\d+) opened its book", out)
    assert match, "the demo did not say which pid the bot has"
    return int(match.group(1))


def test_demo_tells_the_whole_story_and_cleans_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    made: list[Secret] = []

    def recording(ref: str) -> Secret:  # a spy: the real generator, values kept for the check
        made.append(new_credential(ref))
        return made[-1]

    monkeypatch.setattr("botguard.demo.story.new_credential", recording)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "120")

    rc = main(["demo"])
    out, err = capsys.readouterr()

    assert rc == 0, err
    assert err == ""
    # the audit ran on the key and the secrets (key checks FAIL or MANUAL, never crash)
    assert re.search(r"(fail|manual) +│ key\.withdrawals_disabled", out)
    assert re.search(r"fail +│ secrets\.not_in_git_history", out)
    # the scan found both values in the commit that added config.json, masked
    leak_rows = re.findall(
        r"│ config\.json:\d+ +│ ([0-9a-f]{10}) \(\d{4}-\d\d-\d\d\) .*│ (\S+) +│", out
    )
    assert len(leak_rows) == 2
    assert all(len(preview) == 5 and preview.endswith("…") for _, preview in leak_rows)
    assert "2 leak(s) in git history" in out
    # the kill: bot halted, every order cancelled (the stop too), flat, BNB kept
    assert "botguard kill: flat" in out
    assert re.search(r"cancel +│ 19 orders \(1 stop\)", out)
    assert re.search(r"open orders +│ 0 ", out)
    assert re.search(r"stop orders +│ 0 ", out)
    assert re.search(r"positions +│ 0 ", out)
    assert re.search(r"verified flat in \d+\.\d\d s", out)
    assert "demo complete" in out
    # the generated key and secret never reach the terminal, in any encoding
    assert len(made) == 2
    for secret in made:
        value = secret.reveal()
        assert len(value) == 64
        assert value.isalnum()
        assert value not in {"demo", "demo-secret"}  # not the sim's published demo key
        for form in encoded_forms(value):
            assert form not in out
            assert form not in err
    # cleanup: bot reaped, workspace gone
    assert not is_running(_bot_pid(out))
    assert list(tmp_path.glob("botguard-demo-*")) == []


def test_ctrl_c_stops_the_bot_and_removes_the_workspace(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path), "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "botguard", "demo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    watchdog = threading.Timer(60, proc.kill)  # a hang fails the test instead of blocking it
    watchdog.start()
    try:
        assert proc.stdout is not None
        seen = ""
        for line in proc.stdout:
            seen += line
            if "opened its book" in line:
                break
        pid = _bot_pid(seen)
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
    assert proc.returncode == 130, err
    assert re.search(r"botguard: demo step \d \(.*\): interrupted; bot stopped", err)
    assert "Traceback" not in err
    assert "demo complete" not in rest
    assert not is_running(pid)
    assert list(tmp_path.glob("botguard-demo-*")) == []


def test_keep_workspace_refuses_a_directory_with_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    rc = main(["demo", "--keep-workspace", str(tmp_path)])

    err = capsys.readouterr().err
    assert rc == 2
    assert "--keep-workspace" in err
    assert "not an empty directory" in err
    assert (tmp_path / "notes.txt").read_text() == "mine"
