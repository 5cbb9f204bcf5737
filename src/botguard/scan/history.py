"""Scan git history: every ref, stash and reflog-reachable commit, deleted files included.

`git log -p -U0` (added lines only; deletions are skipped because a deleted
line was scanned in the commit that added it), split across several git
processes: `git rev-list --all --reflog` lists every commit once, the list is
cut into equal runs, and each run goes to its own `git log --no-walk --stdin`,
so a 2-core machine scans faster than one git process can print. The runs'
results are put back in rev-list order, so the findings are exactly those of
one process. Each stream is read in large blocks cut at commit boundaries; one
Hyperscan pass runs over each block, and only a hit is mapped back to its
commit, path and line (the Kingfisher/gitleaks idea, without a per-line loop).

The stream carries each commit's message too (indented by git, so no message
line can pass for a diff line), and names the blob of every binary file; those
blobs, annotated tags' messages and refs that point straight at a blob or a
tree are read afterwards through `git cat-file` (scan/objects.py).
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botguard.errors import BotguardError, UsageError
from botguard.scan.buffer import find_hits
from botguard.scan.coverage import Coverage
from botguard.scan.exact import ExactMatcher
from botguard.scan.git import first_error_line, popen_git, run_git
from botguard.scan.model import Hit, Leak, make_leak
from botguard.scan.objects import BinaryBlob, binary_blobs, scan_objects
from botguard.scan.stream import MARK, GitCommand, git_streams, stream_blocks
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

MAX_JOBS = 4
"""At most this many `git log` processes per history scan (one per core up to it)."""
_GIT = ["-c", "core.quotePath=false", "-c", "diff.noprefix=false"]
_PATCH = ["-p", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=d", "--no-textconv"]
_PATCH += ["--full-index"]  # a binary file's full blob id, to read it with cat-file
_NEWLINE = ord("\n")
MESSAGE = "(commit message)"
"""Location of a leak in a commit message (the commit is in `Leak.commit`)."""


@dataclass(frozen=True, slots=True)
class Stats:
    """What a history scan read, for benchmarks and progress lines."""

    bytes_read: int
    commits: int


def _log_command(repo: Path) -> list[str]:
    """`git log` of exactly the commits named on stdin, in that order, each with its patch."""
    return [
        *_GIT, "-C", str(repo), "log", "--no-walk=unsorted", "--stdin",
        "--diff-merges=first-parent", f"--format={MARK.decode()}%H %at%n%w(0,4,4)%B", *_PATCH,
    ]  # fmt: skip


def default_jobs() -> int:
    """One git process per core, at most MAX_JOBS."""
    return max(1, min(MAX_JOBS, os.cpu_count() or 1))


def split_history(repo: Path, jobs: int, coverage: Coverage) -> list[GitCommand]:
    """At most `jobs` `git log` commands that together print every commit once, in log order."""
    runs = _runs(_all_commits(repo, coverage), jobs)
    return [GitCommand(_log_command(repo), b"\n".join(run) + b"\n") for run in runs if run]


def _all_commits(repo: Path, coverage: Coverage) -> list[bytes]:
    """Every commit reachable from a ref, the stash or a reflog, newest first (git log's order)."""
    args = [*_GIT, "-C", str(repo), "rev-list", "--all", "--reflog"]
    with (
        tempfile.TemporaryFile() as err,
        popen_git(args, stderr=err) as proc,
        coverage.owning(proc),
    ):
        out, _ = proc.communicate()
        coverage.check()
        if proc.returncode != 0:
            raise BotguardError(f"git failed: {first_error_line(err)}")
    return out.split()


def _runs(commits: Sequence[bytes], jobs: int) -> list[Sequence[bytes]]:
    """`commits` cut into at most `jobs` consecutive runs of (nearly) equal length."""
    jobs = max(1, min(jobs, len(commits)))
    size, extra = divmod(len(commits), jobs)
    runs, start = [], 0
    for index in range(jobs):
        end = start + size + (index < extra)
        runs.append(commits[start:end])
        start = end
    return runs


def scan_git_history(
    repo: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
    jobs: int | None = None,
) -> list[Leak]:
    """Leaks added in any commit reachable from a ref, the stash or a reflog.

    Commit messages, binary files, annotated tags' messages and refs that point
    at a blob or a tree are scanned too; blobs over the size cap go to `coverage`.
    `jobs` is how many git processes share the history (default: one per core).
    """
    leaks, _ = scan_git_history_stats(
        repo, secrets, patterns=patterns, min_prefix=min_prefix, coverage=coverage, jobs=jobs
    )
    return leaks


def scan_git_history_stats(
    repo: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
    jobs: int | None = None,
) -> tuple[list[Leak], Stats]:
    """scan_git_history, also returning how many bytes of patch and commits were read."""
    with started_history(
        repo, secrets, patterns=patterns, min_prefix=min_prefix, coverage=coverage, jobs=jobs
    ) as finish:
        return finish()


@contextlib.contextmanager
def started_history(
    repo: Path,
    secrets: Sequence[Secret],
    *,
    patterns: bool = True,
    min_prefix: int = 12,
    coverage: Coverage | None = None,
    jobs: int | None = None,
) -> Iterator[Callable[[], tuple[list[Leak], Stats]]]:
    """A history scan whose git processes start now; call the function it gives to read them.

    `botguard scan --history` scans the working tree meanwhile, so git's start-up
    and first blocks cost nothing. Leaving the block early kills every git.
    """
    coverage = coverage or Coverage()
    _require_repo(repo)
    matcher = ExactMatcher(secrets, min_prefix=min_prefix)
    commands = split_history(repo, jobs or default_jobs(), coverage)
    with git_streams(commands, coverage) as blocks:
        yield lambda: _scan_streams(repo, matcher, blocks, len(commands), patterns, coverage)


def _scan_streams(
    repo: Path,
    matcher: ExactMatcher,
    blocks: Iterator[tuple[int, bytes]],
    runs: int,
    patterns: bool,
    coverage: Coverage,
) -> tuple[list[Leak], Stats]:
    """Leaks in the runs' blocks (put back in run order), then in the objects they name."""
    found: list[list[Leak]] = [[] for _ in range(runs)]
    blobs: list[list[BinaryBlob]] = [[] for _ in range(runs)]
    total = commits = 0
    for source, block in blocks:
        starts = _commit_starts(block)
        total, commits = total + len(block), commits + len(starts)
        hits = find_hits(block, matcher, patterns=patterns)
        found[source] += _leaks_in_patch(block, hits, starts)
        blobs[source] += binary_blobs(block, _commit_at(block, starts))
    # in rev-list order (newest first): the last blob seen is the oldest commit that added it
    binaries = {b.sha: b for run in blobs for b in run}
    leaks = [leak for run in found for leak in run]
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
    for _, block in stream_blocks([GitCommand(cmd)], coverage):
        patch = MARK + b"\n" + block
        hits = find_hits(patch, matcher, patterns=patterns)
        leaks += _leaks_in_patch(patch, hits, [0])
        binaries += binary_blobs(patch, _commit_at(patch, [0]))
    leaks += scan_objects(repo, matcher, binaries, patterns=patterns, coverage=coverage, refs=False)
    return leaks


def _require_repo(repo: Path) -> None:
    proc = run_git(["-C", str(repo), "rev-parse", "--git-dir"])
    if proc.returncode != 0:
        raise UsageError(f"{repo}: not a git repository; --history and --staged need one")


def _leaks_in_patch(patch: bytes, hits: list[Hit], starts: Sequence[int]) -> list[Leak]:
    """Leaks for the hits that lie on an added line or in a message; `starts`: commit offsets.

    In stream order, so the result does not depend on where the stream was cut
    into blocks or runs (ties in author date keep that order).
    """
    leaks = []
    for hit in sorted(hits, key=lambda h: h.start):
        index = bisect.bisect_right(starts, hit.start) - 1
        begin = starts[index] if index >= 0 else 0
        leak = _in_message(patch, hit, begin) or _locate(patch, hit, begin)
        if leak is not None:
            leaks.append(leak)
    return leaks


def _commit_at(
    patch: bytes, starts: Sequence[int]
) -> Callable[[int], tuple[str | None, datetime | None]]:
    """A lookup from an offset in `patch` to the sha and date of the commit around it."""

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
    """Offsets of the commit marks that start a line (one-byte finds: memchr speed)."""
    starts = []
    pos = patch.find(MARK)
    while pos != -1:
        if pos == 0 or patch[pos - 1] == _NEWLINE:
            starts.append(pos)
        pos = patch.find(MARK, pos + 1)
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
