"""Git history: every ref, stash and reflog, deleted files; real repositories."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest

from botguard.errors import UsageError
from botguard.scan import scan_git_history, scan_staged
from botguard.secrets.secret import Secret

from .conftest import KEY, KEY_REF, SECRET, SECRET_REF, Commit, git


def refs_found(leaks: list) -> set[str | None]:
    return {leak.secret_ref for leak in leaks}


def test_committed_then_deleted_is_found_at_the_commit_that_added_it(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"README.md": "bot\n"}, date="2024-01-01T10:00:00+00:00")
    added = commit(
        {".env": f"# exchange\nEX_API_KEY={KEY}\n"}, "add env", date="2024-02-03T04:05:06+00:00"
    )
    commit({".env": None}, "remove env")

    leaks = scan_git_history(repo, secrets)

    [leak] = [x for x in leaks if x.secret_ref == KEY_REF]
    assert (leak.location, leak.line, leak.commit) == (".env", 2, added)
    assert leak.author_date == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert leak.encoding == "raw"
    assert leak.confidence == "certain"
    assert KEY not in repr(leak)
    assert leak.preview == KEY[:4] + "…"


def test_secret_only_on_a_side_branch(repo: Path, commit: Commit, secrets: list[Secret]) -> None:
    commit({"bot.py": "print('hi')\n"})
    git(repo, "checkout", "-q", "-b", "experiment")
    side = commit({"bot.py": f"print('hi')\nSECRET = '{SECRET}'\n"}, "try a key")
    git(repo, "checkout", "-q", "main")

    leaks = scan_git_history(repo, secrets)

    assert [(x.commit, x.line) for x in leaks if x.secret_ref == SECRET_REF] == [(side, 2)]


def test_secret_only_in_a_stash(repo: Path, commit: Commit, secrets: list[Secret]) -> None:
    commit({"config.py": "KEY = None\n"})
    (repo / "config.py").write_text(f"KEY = '{KEY}'\n")
    git(repo, "stash", "-q")
    assert KEY not in (repo / "config.py").read_text()

    leaks = scan_git_history(repo, secrets)

    assert {(x.location, x.line) for x in leaks if x.secret_ref == KEY_REF} == {("config.py", 1)}


def test_secret_only_in_a_dropped_branch_still_in_the_reflog(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"a.txt": "a\n"})
    leaked = commit({"a.txt": f"a\n{SECRET}\n"}, "oops")
    git(repo, "reset", "-q", "--hard", "HEAD~1")

    leaks = scan_git_history(repo, secrets)

    assert [x.commit for x in leaks if x.secret_ref == SECRET_REF] == [leaked]


def test_base64_in_a_committed_config_at_every_alignment(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    lines = [
        base64.b64encode(pad.encode() + SECRET.encode() + b"}").decode() for pad in ("", "x", "xy")
    ]
    commit({"deploy/auth.yaml": "".join(f"token{i}: {b64}\n" for i, b64 in enumerate(lines))})

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == SECRET_REF]

    assert sorted((x.line, x.encoding) for x in leaks) == [
        (1, "base64"),
        (2, "base64"),
        (3, "base64"),
    ]


def test_pattern_found_in_history_without_known_values(repo: Path, commit: Commit) -> None:
    key = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"
    commit({"settings.py": f"BINANCE_API_KEY = '{key}'\n"})
    commit({"settings.py": "import os\nBINANCE_API_KEY = os.environ['BINANCE_API_KEY']\n"})

    [leak] = scan_git_history(repo, [])

    assert (leak.rule, leak.confidence, leak.line) == ("binance.api_key", "high", 1)


def test_clean_history_has_no_leaks(repo: Path, commit: Commit, secrets: list[Secret]) -> None:
    commit({"bot.py": "import os\nkey = os.environ['EX_API_KEY']\n"})
    assert scan_git_history(repo, secrets) == []


def test_not_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a git repository"):
        scan_git_history(tmp_path, [])


def test_staged_scan_sees_only_what_the_commit_would_add(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"old.py": f"K = '{KEY}'\n"}, "already leaked")
    (repo / "new.py").write_text(f"x = 1\nS = '{SECRET}'\n")
    git(repo, "add", "new.py")

    leaks = scan_staged(repo, secrets)

    assert [(x.location, x.line, x.secret_ref, x.commit) for x in leaks] == [
        ("new.py", 2, SECRET_REF, None)
    ]
