"""The history split across several git processes scans each commit once, with the same result.

A real repository with what makes history hard: a merge, two side branches, an
annotated tag, a stash, a commit only in the reflog, a binary file, a secret in
a commit message, the same secret added twice, and a pattern hit. The runs'
streams, put together, are byte for byte what one `git log --all --reflog`
prints, and every job count finds the same leaks, in the same order.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from botguard.scan import scan_git_history
from botguard.scan.coverage import Coverage
from botguard.scan.history import _GIT, _PATCH, _all_commits, _log_command, _runs
from botguard.scan.stream import MARK, GitCommand, stream_blocks
from botguard.secrets.secret import Secret

from .conftest import KEY, PASSWORD, SECRET, Commit, git

BINANCE = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"


@pytest.fixture
def busy_repo(repo: Path, commit: Commit) -> Path:
    """History with merges, branches, a tag, a stash, a reflog-only commit and a binary."""
    commit({"README.md": "bot\n"}, date="2024-01-01T00:00:00+00:00")
    for i in range(6):
        commit({f"bot/mod_{i}.py": f"x = {i}\n" * (i + 1)}, f"module {i}")
    git(repo, "checkout", "-q", "-b", "feature")
    commit({"bot/live.py": f"KEY = '{KEY}'\n"}, "live trading")
    commit({"bot/live.py": "import os\nKEY = os.environ['KEY']\n"}, "key from env")
    git(repo, "checkout", "-q", "main")
    commit({"settings.py": f"BINANCE_API_KEY = '{BINANCE}'\n"}, "settings")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge feature", "feature")
    git(repo, "checkout", "-q", "-b", "experiment")
    commit({"exp.py": f"S = '{SECRET}'\n"}, f"try the other key\n\nit is {PASSWORD}\n")
    git(repo, "checkout", "-q", "main")
    (repo / "blob.bin").write_bytes(b"\0\x01" + KEY.encode() + b"\0")
    git(repo, "add", "blob.bin")
    git(repo, "commit", "-q", "-m", "binary")
    git(repo, "tag", "-a", "v1", "-m", f"release\n\n{SECRET}\n")
    commit({"again.py": f"K2 = '{KEY}'\n"}, "same key again")
    commit({"dropped.py": f"P = '{PASSWORD}'\n"}, "dropped")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    (repo / "README.md").write_text(f"bot\n{SECRET}\n")
    git(repo, "stash", "-q")
    return repo


def test_the_runs_together_print_exactly_what_one_git_log_prints(busy_repo: Path) -> None:
    one = subprocess.run(
        ["git", *_whole_history_command(busy_repo)], capture_output=True, check=True
    ).stdout
    commits = _all_commits(busy_repo, Coverage())

    for jobs in (1, 2, 3, 7):
        runs = _runs(commits, jobs)
        commands = [GitCommand(_log_command(busy_repo), b"\n".join(r) + b"\n") for r in runs]
        parts: list[list[bytes]] = [[] for _ in commands]
        for source, block in stream_blocks(commands, Coverage()):
            parts[source].append(block)

        assert b"".join(b"".join(p) for p in parts) == one, jobs
    assert one.count(MARK) > 12


def _whole_history_command(repo: Path) -> list[str]:
    """The single-process command the split replaced: every ref, the stash and reflogs."""
    return [
        *_GIT, "-C", str(repo), "log", "--all", "--reflog", "--diff-merges=first-parent",
        f"--format={MARK.decode()}%H %at%n%w(0,4,4)%B", *_PATCH,
    ]  # fmt: skip


def test_every_job_count_finds_the_same_leaks_in_the_same_order(
    busy_repo: Path, secrets: list[Secret]
) -> None:
    single = scan_git_history(busy_repo, secrets, jobs=1)

    for jobs in (2, 3, 4, 50):
        assert scan_git_history(busy_repo, secrets, jobs=jobs) == single, jobs
    where = {(x.location, x.what) for x in single}
    assert {
        ("bot/live.py", "env:BOTGUARD_CANARY_API_KEY"),
        ("settings.py", "binance.api_key"),
    } < where
    assert {"(commit message)", "blob.bin", "refs/tags/v1 (tag message)", "README.md"} < {
        x.location for x in single
    }


def test_runs_are_consecutive_nearly_equal_and_cover_every_commit_once() -> None:
    commits = [str(i).encode() for i in range(10)]

    assert _runs(commits, 3) == [commits[0:4], commits[4:7], commits[7:10]]
    assert _runs(commits, 50) == [[c] for c in commits]
    assert _runs(commits, 0) == [commits]
    assert _runs([], 4) == [[]]
