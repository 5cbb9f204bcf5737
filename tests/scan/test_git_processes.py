"""Scan's git processes end: a chatty git cannot deadlock it, a cancelled scan kills its git.

A wrapper script named `git`, first on PATH, stands in for git's misbehaviour
(200 KB of warnings; a `git log` that never ends) and hands every other call to
the real git.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from botguard.audit import run_audit
from botguard.audit import runner as audit_runner
from botguard.config import parse_config
from botguard.findings import Status
from botguard.scan import scan_git_history, stream
from botguard.scan.coverage import Coverage, ScanCancelled
from botguard.scan.git import git_binary
from botguard.scan.history import started_history

from .conftest import KEY, SECRET, Commit

BOTGUARD = Path(sys.executable).parent / "botguard"
REAL_GIT = shutil.which("git") or "/usr/bin/git"
CHATTY = f"""#!/bin/sh
# 200 KB of warnings on stderr (three pipes' worth), then the real git.
head -c 200000 /dev/zero | tr '\\0' 'w' >&2
exec {REAL_GIT} "$@"
"""
STUCK = f"""#!/bin/sh
# `git log` writes its pid and never ends; anything else is the real git.
for arg in "$@"; do
  if [ "$arg" = log ]; then echo $$ > "{{pidfile}}"; exec sleep 300; fi
done
exec {REAL_GIT} "$@"
"""


def _wrapper(directory: Path, text: str) -> Path:
    directory.mkdir()
    path = directory / "git"
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return directory


@pytest.fixture
def fresh_git() -> Iterator[None]:
    """git's path is resolved once per process: forget it before and after the test."""
    git_binary.cache_clear()
    yield
    git_binary.cache_clear()


def test_a_git_that_writes_200kb_of_warnings_does_not_hang_the_scan(
    tmp_path: Path, repo: Path, commit: Commit
) -> None:
    commit({"cfg.py": f"K = '{KEY}'\n"})
    bin_dir = _wrapper(tmp_path / "bin", CHATTY)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("BOTGUARD_CONFIG", None)

    proc = subprocess.run(
        [str(BOTGUARD), "scan", "--history", "--no-patterns", str(repo)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )

    assert (proc.returncode, proc.stdout.strip()) == (0, "No leaks found."), proc.stderr
    assert KEY not in proc.stdout + proc.stderr


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_an_audit_timeout_kills_the_scans_git(
    tmp_path: Path,
    repo: Path,
    commit: Commit,
    fresh_git: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commit({"cfg.py": f"S = '{SECRET}'\n"})
    pidfile = tmp_path / "git-log.pid"
    bin_dir = _wrapper(tmp_path / "bin", STUCK.format(pidfile=pidfile))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(audit_runner, "TIMEOUT_S", 1.0)
    raw = {
        "bot": {"name": "bot", "workdir": str(repo)},
        "state": {"dir": str(tmp_path / "state")},
        "account": [
            {
                "name": "main",
                "exchange": "binance",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": "env:BOTGUARD_CANARY_SECRET",
            }
        ],
    }
    config = parse_config(raw, path=tmp_path / "botguard.toml")

    report = await run_audit(config, root=tmp_path, only=["secrets"])

    history = next(f for f in report.findings if f.id == "secrets.not_in_git_history")
    assert (history.status, history.evidence) == (Status.ERROR, "timed out after 1 s")
    # Under load the timeout may fire before git log has started (rev-list runs first);
    # either way no git of the scan may be left once its thread has wound down.
    assert _git_children_within(20) == [], "the scan's git outlived the audit"
    if pidfile.exists():
        assert not _alive(int(pidfile.read_text())), "the scan's git log outlived the audit"


def _git_children_within(seconds: float) -> list[str]:
    """This process's git (or wrapper, or its sleep) children, polled until none or `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := _git_children()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _git_children() -> list[str]:
    names = []
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            with contextlib.suppress(OSError):  # it ended between the two reads
                names.append(Path(f"/proc/{pid}/comm").read_text().strip())
    return [name for name in names if name in ("git", "sleep", "sh")]


def test_a_cancelled_history_scan_kills_git_and_says_cancelled(
    tmp_path: Path, repo: Path, commit: Commit, fresh_git: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit({"a.txt": "a\n"})
    pidfile = tmp_path / "git-log.pid"
    bin_dir = _wrapper(tmp_path / "bin", STUCK.format(pidfile=pidfile))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    coverage = Coverage()

    def cancel_once_git_runs() -> None:
        deadline = time.monotonic() + 20
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        coverage.cancel()

    canceller = threading.Thread(target=cancel_once_git_runs)
    canceller.start()
    started = time.monotonic()
    with pytest.raises(ScanCancelled):
        scan_git_history(repo, [], coverage=coverage)
    canceller.join()

    assert time.monotonic() - started < 20
    assert not _alive(int(pidfile.read_text()))


HANGS = f"""#!/bin/sh
# `git {{verb}}` appends its pid to a file and never ends; anything else is the real git.
for arg in "$@"; do
  if [ "$arg" = {{verb}} ]; then echo $$ >> "{{pidfile}}"; exec sleep 300; fi
done
exec {REAL_GIT} "$@"
"""


def _pids_once(pidfile: Path, count: int) -> list[int]:
    """The pids in `pidfile` once it holds `count` of them (20 s at most: CI is slow)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pids = pidfile.read_text().split() if pidfile.exists() else []
        if len(pids) >= count:
            return [int(p) for p in pids]
        time.sleep(0.02)
    raise AssertionError(f"{count} git processes never started")


@pytest.mark.parametrize(("verb", "jobs"), [("log", 3), ("rev-list", 3)])
def test_a_cancelled_split_scan_leaves_no_git_running(
    tmp_path: Path,
    repo: Path,
    commit: Commit,
    fresh_git: None,
    monkeypatch: pytest.MonkeyPatch,
    verb: str,
    jobs: int,
) -> None:
    for i in range(jobs):
        commit({f"f{i}.txt": f"{i}\n"})
    pidfile = tmp_path / "git.pids"
    bin_dir = _wrapper(tmp_path / "bin", HANGS.format(verb=verb, pidfile=pidfile))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    coverage = Coverage()
    expected = jobs if verb == "log" else 1
    pids: list[int] = []

    def cancel_once_all_run() -> None:
        pids.extend(_pids_once(pidfile, expected))
        coverage.cancel()

    canceller = threading.Thread(target=cancel_once_all_run)
    canceller.start()
    with pytest.raises(ScanCancelled):
        scan_git_history(repo, [], coverage=coverage, jobs=jobs)
    canceller.join()

    assert len(pids) == expected
    assert [p for p in pids if _alive(p)] == []


def test_a_reader_that_fails_ends_the_scan_with_one_error_and_no_git_left(
    repo: Path, commit: Commit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader thread cannot really fail here, so one is made to (the only stand-in).

    git prints 3 MB, three times the pipe: a scan that waited for it without a
    reader would hang; it must kill git and say what failed.
    """
    commit({"big.txt": "x = 1\n" * 500_000})

    def broken(pipe: object) -> None:
        raise RuntimeError("reader broke")

    monkeypatch.setattr(stream, "_widen_pipe", broken)
    outcome: list[BaseException] = []

    def scan() -> None:
        try:
            scan_git_history(repo, [], jobs=1)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=scan, daemon=True)
    worker.start()
    worker.join(60)

    assert not worker.is_alive(), "the scan hung on a git nobody read"
    assert [str(e) for e in outcome] == ["reading git's output failed: RuntimeError"]


def test_a_started_history_left_unread_kills_its_git(
    tmp_path: Path, repo: Path, commit: Commit, fresh_git: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tree is scanned while the history's git runs; leaving before reading must not hang."""
    commit({"a.txt": "a\n"})
    pidfile = tmp_path / "git.pids"
    bin_dir = _wrapper(tmp_path / "bin", HANGS.format(verb="log", pidfile=pidfile))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    pids: list[int] = []

    def leave_unread() -> None:
        with started_history(repo, [], jobs=1):
            pids.extend(_pids_once(pidfile, 1))

    worker = threading.Thread(target=leave_unread, daemon=True)
    worker.start()
    worker.join(60)

    assert not worker.is_alive(), "leaving a started history waited for a git nobody read"
    assert len(pids) == 1
    assert not _alive(pids[0])
