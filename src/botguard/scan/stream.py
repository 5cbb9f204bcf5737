"""Stream the output of several git processes at once, in blocks cut at commit boundaries.

One `git log -p` prints about 100 MB/s of patch on one core; the scan itself
(one Hyperscan pass, then Python only where something matched) is faster than
that, so the history is split across several git processes that run on the
other cores while this process scans. Each process has a reader thread that
keeps its pipe drained (a read drops the GIL) and cuts the output just before
a commit mark, so a block never splits a commit.

Every process is registered with the scan's Coverage: cancel() kills them
all, and so does leaving early by an error or a consumer that stops reading.
"""

from __future__ import annotations

import contextlib
import fcntl
import inspect
import queue
import subprocess
import tempfile
import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from botguard.errors import BotguardError
from botguard.scan.coverage import Coverage
from botguard.scan.git import first_error_line, popen_git

MARK = b"\x1e"
"""Record separator that starts each commit header in the stream."""
BLOCK = 4 * 1024 * 1024
PIPE_BYTES = 1024 * 1024
QUEUED_BLOCKS = 8
"""Blocks waiting per process before its reader stops reading (and git stops writing)."""


@dataclass(frozen=True, slots=True)
class GitCommand:
    """One git process to stream: its arguments, and what to write to its stdin (or None)."""

    args: list[str]
    stdin: bytes | None = None


@dataclass(frozen=True, slots=True)
class _Block:
    """A block of one process's output (`data`), or its end (`data` None, and why if it failed)."""

    source: int
    data: bytes | None
    error: Exception | None = None


def stream_blocks(
    commands: Sequence[GitCommand], coverage: Coverage
) -> Iterator[tuple[int, bytes]]:
    """(index of the command, block) as the processes print; each one's blocks in its order.

    Raises BotguardError naming git's first stderr line if any process fails,
    and ScanCancelled (after every process is dead) when the scan is cancelled.
    """
    with git_streams(commands, coverage) as blocks:
        yield from blocks


@contextlib.contextmanager
def git_streams(
    commands: Sequence[GitCommand], coverage: Coverage
) -> Iterator[Iterator[tuple[int, bytes]]]:
    """stream_blocks, with the processes started on entry: git runs (and its output is
    queued) while the caller does other work before it reads the blocks."""
    stop = threading.Event()
    blocks: queue.Queue[_Block] = queue.Queue(maxsize=QUEUED_BLOCKS * max(1, len(commands)))
    with contextlib.ExitStack() as stack:
        procs, errs = [], []
        for command in commands:
            err = stack.enter_context(tempfile.TemporaryFile())
            proc = stack.enter_context(popen_git(command.args, stderr=err, stdin=True))
            stack.enter_context(coverage.owning(proc))
            procs.append(proc)
            errs.append(err)
        readers = [
            threading.Thread(target=_pump, args=(i, proc, c.stdin, blocks, stop), daemon=True)
            for i, (proc, c) in enumerate(zip(procs, commands, strict=True))
        ]
        for reader in readers:
            reader.start()
        gathered = _gather(blocks, len(readers), coverage)
        try:
            yield gathered
        finally:
            stop.set()
        unread = inspect.getgeneratorstate(gathered) != inspect.GEN_CLOSED  # left early: kill git
        for proc in procs if unread else []:
            proc.kill()
        for reader in readers:
            reader.join()
        for proc, err in zip(procs, errs, strict=True):
            if unread:
                proc.wait()
                continue
            proc.wait()
            coverage.check()
            if proc.returncode != 0:
                raise BotguardError(f"git failed: {first_error_line(err)}")


def _gather(
    blocks: queue.Queue[_Block], sources: int, coverage: Coverage
) -> Generator[tuple[int, bytes], None, None]:
    """Blocks from every reader until each has said it is done."""
    running = sources
    while running:
        block = blocks.get()
        coverage.check()
        if block.error is not None:  # the processes are killed on the way out (Coverage.owning)
            raise BotguardError(f"reading git's output failed: {type(block.error).__name__}")
        if block.data is None:
            running -= 1
        else:
            yield block.source, block.data


def _pump(
    source: int,
    proc: subprocess.Popen[bytes],
    stdin: bytes | None,
    blocks: queue.Queue[_Block],
    stop: threading.Event,
) -> None:
    """Reader thread: feed git its stdin, then pass its output on in blocks cut at commit marks.

    Ends with exactly one end block; a failure travels in it, never as a thread traceback.
    """
    error: Exception | None = None
    try:
        _feed(proc.stdin, stdin)
        stdout = proc.stdout
        if stdout is None:  # pragma: no cover - Popen was asked for a pipe
            return
        _widen_pipe(stdout)
        carry = b""
        while not stop.is_set() and (chunk := stdout.read(BLOCK)):
            carry += chunk
            cut = carry.rfind(b"\n" + MARK)
            if cut > 0:
                _put(blocks, _Block(source, carry[: cut + 1]), stop)
                carry = carry[cut + 1 :]
        if carry and not stop.is_set():
            _put(blocks, _Block(source, carry), stop)
    except Exception as exc:  # handed to the consumer, which raises it
        error = exc
    finally:
        _put(blocks, _Block(source, None, error), stop)


def _feed(pipe: IO[bytes] | None, data: bytes | None) -> None:
    """Write git's stdin and close it (git reads all of it before printing: no deadlock)."""
    if pipe is None:  # pragma: no cover - Popen was asked for a pipe
        return
    with contextlib.suppress(OSError):  # git was killed (cancelled) before it read everything
        if data:
            pipe.write(data)
        pipe.close()


def _widen_pipe(pipe: IO[bytes]) -> None:
    """Grow git's pipe to 1 MiB, so git keeps writing while the reader waits for the GIL."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setpipe is None:  # pragma: no cover - not Linux
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), setpipe, PIPE_BYTES)


def _put(blocks: queue.Queue[_Block], block: _Block, stop: threading.Event) -> None:
    """Put unless the consumer has gone (stop set): a full queue must not pin the thread."""
    while not stop.is_set():
        with contextlib.suppress(queue.Full):
            blocks.put(block, timeout=0.1)
            return
