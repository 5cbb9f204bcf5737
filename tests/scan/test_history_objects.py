"""What `git log -p` does not show: messages, binary files, tags, refs to blobs and trees.

Each secret lives only where the patch stream never showed it; real repositories.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import botguard.scan.objects as objects
from botguard.scan import scan_git_history, scan_staged
from botguard.scan.coverage import Coverage, SkipReason
from botguard.scan.history import MESSAGE
from botguard.secrets.secret import Secret

from .conftest import KEY, KEY_REF, SECRET, SECRET_REF, Commit, git


def _hash_blob(repo: Path, data: bytes) -> str:
    """Write a blob into the object store (no commit points at it) and return its id."""
    proc = subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-w", "--stdin"],
        input=data,
        capture_output=True,
        check=True,
    )
    return proc.stdout.decode().strip()


def test_secret_in_a_commit_message_is_found_with_its_commit(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    sha = commit({"a.txt": "a\n"}, f"rotate key\n\nold key was {KEY}\n")

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == KEY_REF]

    assert [(x.location, x.line, x.commit) for x in leaks] == [(MESSAGE, 3, sha)]


def test_a_message_cannot_pass_for_a_diff(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    """A message shaped like a patch is still reported as the message it is."""
    message = f"subject\n\ndiff --git a/x b/x\n+++ b/x\n@@ -0,0 +1 @@\n+{SECRET}\n"
    sha = commit({"a.txt": "a\n"}, message)

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == SECRET_REF]

    assert [(x.location, x.line, x.commit) for x in leaks] == [(MESSAGE, 6, sha)]


def test_secret_in_an_annotated_tag_message(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"a.txt": "a\n"})
    git(repo, "tag", "-a", "v1.0", "-m", f"release\n\ndeploy key {SECRET}\n")

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == SECRET_REF]

    assert [(x.location, x.line) for x in leaks] == [("refs/tags/v1.0 (tag message)", 3)]


def test_secret_inside_a_committed_binary_file(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    (repo / "model.bin").write_bytes(b"\x00\x01\x02" * 100 + KEY.encode() + b"\x00\xff" * 50)
    git(repo, "add", "model.bin")
    git(repo, "commit", "-q", "-m", "add model")
    added = git(repo, "rev-parse", "HEAD")
    commit({"model.bin": None}, "drop model")

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == KEY_REF]

    assert [(x.location, x.commit, x.encoding) for x in leaks] == [("model.bin", added, "raw")]


def test_binary_file_with_a_space_and_and_in_its_name(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    (repo / "keys and b").mkdir()
    (repo / "keys and b" / "x and b.bin").write_bytes(b"\x00" + SECRET.encode())
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "odd name")

    leaks = scan_git_history(repo, secrets)

    assert [x.location for x in leaks] == ["keys and b/x and b.bin"]


def test_a_ref_pointing_straight_at_a_blob(
    repo: Path, commit: Commit, secrets: list[Secret]
) -> None:
    commit({"a.txt": "a\n"})
    blob = _hash_blob(repo, f"stashed away: {SECRET}\n".encode())
    git(repo, "update-ref", "refs/x", blob)

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == SECRET_REF]

    assert [(x.location, x.line, x.commit) for x in leaks] == [("refs/x", 1, None)]


def test_a_tag_pointing_at_a_tree(repo: Path, commit: Commit, secrets: list[Secret]) -> None:
    commit({"a.txt": "a\n"})
    blob = _hash_blob(repo, f"K={KEY}\n".encode())
    tree = subprocess.run(
        ["git", "-C", str(repo), "mktree"],
        input=f"100644 blob {blob}\tdeploy.env\n".encode(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    git(repo, "tag", "snapshot", tree.strip())

    leaks = [x for x in scan_git_history(repo, secrets) if x.secret_ref == KEY_REF]

    assert [(x.location, x.line) for x in leaks] == [("refs/tags/snapshot:deploy.env", 1)]


def test_a_blob_over_the_cap_is_listed_as_skipped(
    repo: Path, commit: Commit, secrets: list[Secret], monkeypatch: pytest.MonkeyPatch
) -> None:
    commit({"a.txt": "a\n"})
    blob = _hash_blob(repo, b"\x00" * 4096)
    git(repo, "update-ref", "refs/big", blob)
    coverage = Coverage()
    monkeypatch.setattr(objects, "MAX_FILE_BYTES", 1024)  # a 50 MB blob is slow to make

    assert scan_git_history(repo, secrets, coverage=coverage) == []

    assert [(s.location, s.reason) for s in coverage.skipped] == [
        ("refs/big", SkipReason.TOO_LARGE)
    ]


def test_staged_binary_file_is_scanned(repo: Path, commit: Commit, secrets: list[Secret]) -> None:
    commit({"a.txt": "a\n"})
    (repo / "blob.bin").write_bytes(b"\x00\x00" + KEY.encode())
    git(repo, "add", "blob.bin")

    leaks = scan_staged(repo, secrets)

    assert [(x.location, x.secret_ref, x.commit) for x in leaks] == [("blob.bin", KEY_REF, None)]
