"""Git objects the patch stream cannot show: binary blobs, annotated tags, refs to blobs/trees.

`git log -p` prints "Binary files differ" instead of a binary file's bytes,
never shows an annotated tag's message, and never visits a ref that points
straight at a blob or a tree (`git update-ref refs/x <blob>`). A known value is
an exact byte match, so binary content is searched as it is; each object is
read once through one `git cat-file --batch` process.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO

from botguard.errors import BotguardError
from botguard.scan.buffer import is_binary, leaks_in_buffer
from botguard.scan.coverage import Coverage, SkipReason
from botguard.scan.exact import ExactMatcher
from botguard.scan.git import popen_git, run_git
from botguard.scan.model import Leak
from botguard.scan.tree import MAX_FILE_BYTES

_BINARY = b"\nBinary files "
_DISCARD = 1024 * 1024
MAX_PEEL = 16
"""Tags of tags followed at most this deep."""


@dataclass(frozen=True, slots=True)
class BinaryBlob:
    """A binary file's content as added by a commit (or staged, with no commit)."""

    sha: str
    path: str
    commit: str | None
    author_date: datetime | None


def binary_blobs(
    patch: bytes, commit_at: Callable[[int], tuple[str | None, datetime | None]]
) -> list[BinaryBlob]:
    """Every "Binary files ... differ" in a `--full-index` patch, with its new blob id."""
    blobs = []
    pos = patch.find(_BINARY)
    while pos != -1:
        index_line = patch[patch.rfind(b"\n", 0, pos) + 1 : pos]
        end = patch.find(b"\n", pos + 1)
        names = patch[pos + len(_BINARY) : len(patch) if end == -1 else end]
        shas = index_line.removeprefix(b"index ").split(b" ")[0].split(b"..")
        if index_line.startswith(b"index ") and len(shas) == 2 and names.endswith(b" differ"):
            path = _new_path(names.removesuffix(b" differ").decode(errors="replace"))
            blobs.append(BinaryBlob(shas[1].decode(), path, *commit_at(pos)))
        pos = patch.find(_BINARY, pos + 1)
    return blobs


def _new_path(names: str) -> str:
    """The new side of "a/P and b/P" or "/dev/null and b/P" (P may hold " and ")."""
    if names.startswith("/dev/null and "):
        return names.removeprefix("/dev/null and ").removeprefix("b/")
    half = (len(names) - len("a/ and b/")) // 2
    if half > 0 and names == f"a/{names[-half:]} and b/{names[-half:]}":
        return names[-half:]
    return names.rpartition(" and ")[2].removeprefix("b/")


@dataclass(frozen=True, slots=True)
class GitObject:
    """One object read by cat-file: its type, and its bytes unless over the cap."""

    type: str
    size: int
    data: bytes | None


class ObjectReader:
    """One `git cat-file --batch` process, asked for one object at a time."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc

    def read(self, sha: str, *, limit: int) -> GitObject:
        """The object named `sha`; data is None when it is missing or larger than `limit`."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        if stdin is None or stdout is None:  # pragma: no cover - Popen was asked for pipes
            raise BotguardError("git cat-file has no pipes")
        stdin.write(sha.encode() + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3:  # "<sha> missing", or git died (cancelled)
            return GitObject("missing", 0, None)
        size = int(header[2])
        if size > limit:
            _discard(stdout, size + 1)
            return GitObject(header[1].decode(), size, None)
        data = stdout.read(size)
        stdout.read(1)
        return GitObject(header[1].decode(), size, data)


@contextlib.contextmanager
def open_objects(repo: Path, coverage: Coverage) -> Iterator[ObjectReader]:
    """An ObjectReader whose git is killed on cancel or error, and reaped on exit."""
    args = ["-C", str(repo), "cat-file", "--batch"]
    with (
        tempfile.TemporaryFile() as err,
        popen_git(args, stderr=err, stdin=True) as proc,
        coverage.owning(proc),
    ):
        yield ObjectReader(proc)


def _discard(stdout: IO[bytes], count: int) -> None:
    while count > 0 and (chunk := stdout.read(min(count, _DISCARD))):
        count -= len(chunk)


@dataclass(frozen=True, slots=True)
class _Scan:
    """What every object scan needs: the matcher, patterns on/off, where skips go."""

    reader: ObjectReader
    matcher: ExactMatcher
    patterns: bool
    coverage: Coverage

    def blob(self, sha: str, location: str, *, commit: str | None = None) -> list[Leak]:
        obj = self.reader.read(sha, limit=MAX_FILE_BYTES)
        if obj.data is None:
            if obj.type != "missing":
                where = f"{location} in commit {commit[:12]}" if commit else location
                mb = f"{obj.size / 1e6:.1f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB cap"
                self.coverage.skip(where, SkipReason.TOO_LARGE, mb)
            return []
        leaks = leaks_in_buffer(obj.data, location, self.matcher, patterns=self.patterns)
        return [replace(k, line=None) for k in leaks] if is_binary(obj.data) else leaks


def scan_objects(
    repo: Path,
    matcher: ExactMatcher,
    binaries: Sequence[BinaryBlob],
    *,
    patterns: bool,
    coverage: Coverage,
    refs: bool,
) -> list[Leak]:
    """Leaks in binary blobs, and (with refs) in tags' messages and refs to blobs or trees."""
    targets = _ref_targets(repo) if refs else []
    if not binaries and not targets:
        return []  # no cat-file process for the usual repository
    leaks: list[Leak] = []
    with open_objects(repo, coverage) as reader:
        scan = _Scan(reader, matcher, patterns, coverage)
        for blob in binaries:
            coverage.check()
            found = scan.blob(blob.sha, blob.path, commit=blob.commit)
            leaks += [replace(k, commit=blob.commit, author_date=blob.author_date) for k in found]
        for sha, kind, ref in targets:
            coverage.check()
            leaks += _scan_ref(repo, scan, sha, kind, ref)
    return leaks


def _ref_targets(repo: Path) -> list[tuple[str, str, str]]:
    """(sha, type, refname) of every ref that is not a commit: tags, blobs, trees."""
    proc = run_git(
        ["-C", str(repo), "for-each-ref", "--format=%(objectname) %(objecttype) %(refname)"]
    )
    if proc.returncode != 0:
        return []
    rows = [line.split(" ", 2) for line in proc.stdout.decode(errors="replace").splitlines()]
    return [(r[0], r[1], r[2]) for r in rows if len(r) == 3 and r[1] != "commit"]


def _scan_ref(repo: Path, scan: _Scan, sha: str, kind: str, ref: str) -> list[Leak]:
    """Follow a ref through tags (scanning each message) to the blob or tree it names."""
    leaks: list[Leak] = []
    for _ in range(MAX_PEEL):
        if kind == "blob":
            return leaks + scan.blob(sha, ref)
        if kind == "tree":
            return leaks + _scan_tree_object(repo, scan, sha, ref)
        if kind != "tag":
            return leaks
        obj = scan.reader.read(sha, limit=MAX_FILE_BYTES)
        if obj.data is None:
            return leaks
        head, _, message = obj.data.partition(b"\n\n")
        where = f"{ref} (tag message)"
        leaks += leaks_in_buffer(message, where, scan.matcher, patterns=scan.patterns)
        fields = dict(line.split(b" ", 1) for line in head.split(b"\n") if b" " in line)
        sha, kind = fields.get(b"object", b"").decode(), fields.get(b"type", b"").decode()
    return leaks


def _scan_tree_object(repo: Path, scan: _Scan, sha: str, ref: str) -> list[Leak]:
    """Every blob of a tree a ref points at, located as REF:PATH."""
    proc = run_git(["-C", str(repo), "ls-tree", "-r", "-z", "--full-tree", sha])
    leaks: list[Leak] = []
    for entry in proc.stdout.split(b"\0"):
        meta, _, path = entry.partition(b"\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == b"blob":
            scan.coverage.check()
            leaks += scan.blob(fields[2].decode(), f"{ref}:{path.decode(errors='replace')}")
    return leaks
