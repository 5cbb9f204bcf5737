"""Scan git history: every ref, stash and reflog-reachable commit, deleted files included.

One streaming `git log -p -U0` pass (added lines only; deletions are skipped
because a deleted line was scanned in the commit that added it). The patch
stream is read in large blocks cut at commit boundaries; the matchers run once
over each block at C speed, and only a hit is mapped back to its commit, path
and line. This is the Kingfisher/gitleaks idea without a per-line Python loop.

The stream carries each commit's message too (indented by git, so no message
line can pass for a diff line), and names the blob of every binary file; those
blobs, annotated tags' messages and refs that point straight at a blob or a
tree are read afterwards through `git cat-file` (scan/objects.py).
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import logging
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from botguard.errors import BotguardError, UsageError
from botguard.scan.buffer import find_hits
from botguard.scan.coverage import Coverage
from botguard.scan.exact import ExactMatcher
from botguard.scan.git import first_error_line, popen_git, run_git
from botguard.scan.model import Hit, Leak, make_leak
from botguard.scan.objects import BinaryBlob, binary_blobs, scan_objects
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

MARK = b"\x1e"
"""Record separator that starts each commit header in the stream."""
BLOCK = 4 * 1024 * 1024
PIPE_BYTES = 1024 * 1024
_GIT = ["-c", "core.quotePath=false", "-c", "diff.noprefix=false"]
_PATCH = ["-p", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=d", "--no-textconv"]
_PATCH += ["--full-index"]  # a binary file's full blob id, to read it with cat-file
MESSAGE = "(commit message)"
"""Location of a leak in a commit message (the commit is in `Leak.commit`)."""


@dataclass(frozen=True, slots=True)
class Stats:
    """What a history scan read, for benchmarks and progress lines."""

    bytes_read: int
    commits: int


def _log_command(repo: Path) -> list[str]:
    return [
        *_GIT, "-C", str(repo), "log", "--all", "--reflog", "--diff-merges=first-parent",
        f"--format={MARK.decode()}%H %at%n%w(0,4,4)%B", *_PATCH,
    ]  # fmt: skip


def scan_git_history(
    repo: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
) -> list[Leak]:
    """Leaks added in any commit reachable from a ref, the stash or a reflog.

    Commit messages, binary files, annotated tags' messages and refs that point
    at a blob or a tree are scanned too; blobs over the size cap go to `coverage`.
    """
    leaks, _ = scan_git_history_stats(
        repo, secrets, patterns=patterns, min_prefix=min_prefix, coverage=coverage
    )
    return leaks


def scan_git_history_stats(
    repo: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
) -> tuple[list[Leak], Stats]:
    """scan_git_history, also returning how many bytes of patch and commits were read."""
    coverage = coverage or Coverage()
    _require_repo(repo)
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    leaks: list[Leak] = []
    binaries: dict[str, BinaryBlob] = {}
    total = commits = 0
    for block in _stream(_log_command(repo), coverage):
        total += len(block)
        commits += block.count(b"\n" + MARK) + block.startswith(MARK)
        leaks += _leaks_in_patch(block, find_hits(block, matcher, patterns=patterns))
        # newest commit first: the last blob seen is the oldest commit that added it
        binaries.update((b.sha, b) for b in binary_blobs(block, _commit_at(block)))
    leaks += scan_objects(
        repo, matcher, list(binaries.values()), patterns=patterns, coverage=coverage, refs=True
    )
    return _oldest_first(leaks), Stats(total, commits)


def scan_staged(
    repo: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
) -> list[Leak]:
    """Leaks in the lines a commit would add now (`git diff --cached`): the pre-commit hook."""
    coverage = coverage or Coverage()
    _require_repo(repo)
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    cmd = [*_GIT, "-C", str(repo), "diff", "--cached", *_PATCH[1:]]
    leaks: list[Leak] = []
    binaries: list[BinaryBlob] = []
    for block in _stream(cmd, coverage):
        patch = MARK + b"\n" + block
        leaks += _leaks_in_patch(patch, find_hits(patch, matcher, patterns=patterns))
        binaries += binary_blobs(patch, _commit_at(patch))
    leaks += scan_objects(repo, matcher, binaries, patterns=patterns, coverage=coverage, refs=False)
    return leaks


def _require_repo(repo: Path) -> None:
    proc = run_git(["-C", str(repo), "rev-parse", "--git-dir"])
    if proc.returncode != 0:
        raise UsageError(f"{repo}: not a git repository; --history and --staged need one")


def _widen_pipe(pipe: IO[bytes]) -> None:
    """Grow git's pipe to 1 MiB, so git keeps writing while the reader waits for the GIL."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setpipe is None:  # pragma: no cover - not Linux
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), setpipe, PIPE_BYTES)


def _read_into(stdout: IO[bytes], chunks: queue.Queue[bytes], stop: threading.Event) -> None:
    """Reader thread: keeps git's pipe drained while the main thread scans (I/O drops the GIL)."""
    while not stop.is_set() and (chunk := stdout.read(BLOCK)):
        _put(chunks, chunk, stop)
    _put(chunks, b"", stop)


def _put(chunks: queue.Queue[bytes], chunk: bytes, stop: threading.Event) -> None:
    """Put unless the consumer has gone (stop set): a full queue must not pin the thread."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            chunks.put(chunk, timeout=0.1)
            return


def _stream(cmd: list[str], coverage: Coverage) -> Iterator[bytes]:
    """git's output in blocks that each end at a commit boundary; git runs ahead on its core.

    git is killed (and reaped) when the scan is cancelled or its consumer stops early.
    """
    stop = threading.Event()
    with (
        tempfile.TemporaryFile() as err,
        popen_git(cmd, stderr=err) as proc,
        coverage.owning(proc),
    ):
        stdout = proc.stdout
        if stdout is None:  # pragma: no cover - Popen was asked for a pipe
            raise BotguardError("git produced no output pipe")
        _widen_pipe(stdout)
        chunks: queue.Queue[bytes] = queue.Queue(maxsize=8)
        reader = threading.Thread(target=_read_into, args=(stdout, chunks, stop), daemon=True)
        reader.start()
        try:
            yield from _blocks(chunks, coverage)
        finally:
            stop.set()
        reader.join()
        proc.wait()
        coverage.check()
        if proc.returncode != 0:
            raise BotguardError(f"git failed: {first_error_line(err)}")


def _blocks(chunks: queue.Queue[bytes], coverage: Coverage) -> Iterator[bytes]:
    """Chunks regrouped into blocks cut just before a commit mark."""
    carry = b""
    while chunk := chunks.get():
        coverage.check()
        carry += chunk
        cut = carry.rfind(b"\n" + MARK)
        if cut > 0:
            yield carry[: cut + 1]
            carry = carry[cut + 1 :]
    if carry:
        yield carry


def _leaks_in_patch(patch: bytes, hits: list[Hit]) -> list[Leak]:
    if not hits:
        return []
    starts = _commit_starts(patch)
    leaks = []
    for hit in hits:
        index = bisect.bisect_right(starts, hit.start) - 1
        begin = starts[index] if index >= 0 else 0
        leak = _in_message(patch, hit, begin) or _locate(patch, hit, begin)
        if leak is not None:
            leaks.append(leak)
    return leaks


def _commit_at(patch: bytes) -> Callable[[int], tuple[str | None, datetime | None]]:
    """A lookup from an offset in `patch` to the sha and date of the commit around it."""
    starts = _commit_starts(patch)

    def lookup(pos: int) -> tuple[str | None, datetime | None]:
        index = bisect.bisect_right(starts, pos) - 1
        return _commit_header(patch, starts[index] if index >= 0 else 0)

    return lookup


def _in_message(patch: bytes, hit: Hit, begin: int) -> Leak | None:
    """The Leak for a hit in the commit message (between the header and the first diff)."""
    header_end = patch.find(b"\n", begin)
    if not header_end < hit.start or patch.find(b"\ndiff --git ", begin, hit.start) != -1:
        return None
    line = patch.count(b"\n", header_end + 1, hit.start) + 1
    commit, date = _commit_header(patch, begin)
    if commit is None:
        return None
    return make_leak(hit, patch, location=MESSAGE, line=line, commit=commit, author_date=date)


def _commit_starts(patch: bytes) -> list[int]:
    starts = [0] if patch.startswith(MARK) else []
    pos = patch.find(b"\n" + MARK)
    while pos != -1:
        starts.append(pos + 1)
        pos = patch.find(b"\n" + MARK, pos + 1)
    return starts


def _locate(patch: bytes, hit: Hit, begin: int) -> Leak | None:
    """The Leak for a hit on an added line of the commit starting at `begin`, else None."""
    line_start = patch.rfind(b"\n", begin, hit.start) + 1
    if patch[line_start : line_start + 1] != b"+" or patch.startswith(b"+++ ", line_start):
        return None
    hunk = patch.rfind(b"\n@@ ", begin, line_start)
    header = patch.rfind(b"\n+++ ", begin, line_start)
    if hunk == -1 or header == -1 or header > hunk:
        return None
    path = patch[header + 5 : patch.find(b"\n", header + 1)].decode(errors="replace")
    path = path.removeprefix("b/")
    hunk_end = patch.find(b"\n", hunk + 1)
    first = int(patch[hunk:hunk_end].split(b"+", 1)[1].split(b" ")[0].split(b",")[0])
    added = sum(1 for ln in patch[hunk_end + 1 : line_start].split(b"\n") if ln.startswith(b"+"))
    commit, date = _commit_header(patch, begin)
    return make_leak(hit, patch, location=path, line=first + added, commit=commit, author_date=date)


def _commit_header(patch: bytes, begin: int) -> tuple[str | None, datetime | None]:
    fields = patch[begin + 1 : patch.find(b"\n", begin)].split()
    if len(fields) != 2:
        return None, None
    return fields[0].decode(), datetime.fromtimestamp(int(fields[1]), UTC)


def _oldest_first(leaks: list[Leak]) -> list[Leak]:
    """One Leak per fingerprint: the commit that introduced it (oldest author date)."""
    best: dict[str, Leak] = {}
    for leak in leaks:
        kept = best.get(leak.fingerprint)
        if kept is None or (leak.author_date or datetime.max.replace(tzinfo=UTC)) < (
            kept.author_date or datetime.max.replace(tzinfo=UTC)
        ):
            best[leak.fingerprint] = leak
    return sorted(best.values(), key=lambda k: k.author_date or datetime.min.replace(tzinfo=UTC))
