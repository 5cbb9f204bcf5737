"""Stop signals while money is being moved: a running kill finishes first, twice abandons.

`botguard kill` and `botguard watch` (the guardian) share one policy:

- The first SIGINT or SIGTERM never cuts a running kill short: it ends by its own
  deadline. `kill` says so ("Ctrl-C again to abandon"); `watch` stops polling at once
  and exits once no kill runs, within `bound_s` (its graceful stop: disarming the
  exchange's dead man's switches, closing the socket and the venues).
- A second SIGINT or SIGTERM exits at once, after writing what was done and what is
  left to stderr and the journal. The run stays open in the journal, so the next
  `botguard kill --yes` resumes it (safe to re-run); the halt flag stays up.
- Exit code 3 (could not finish) for every forced exit.

The bound is kept by a thread of its own, not by asyncio alone: CPython 3.11's asyncio
can lose a cancellation that lands as an inner `wait_for` ends (the demo hit it), and
a loop blocked in a synchronous call (a secret store that never answers) runs no
callback at all. Signal handlers are installed with `signal.signal`, which Python runs
in the main thread between bytecodes, so they work while the loop is blocked too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

logger = logging.getLogger(__name__)

FORCED_EXIT = 3
"""DESIGN.md's "could not finish": the process left before its work was done."""
TICK_S = 0.05
KILL_MARGIN_S = 25.0
"""Past its deadline and grace, how long a kill may still take (its report, the journal,
two alert deliveries of alerts.TIMEOUT_S) before a stop abandons it anyway."""

Busy = Callable[[], float | None]
"""`time.monotonic()` by which the running kill must be over, or None when none runs."""


def kill_bound(deadline_s: float, grace_s: float) -> float:
    """`time.monotonic()` by which a kill starting now is over, however it ends."""
    return time.monotonic() + deadline_s + grace_s + KILL_MARGIN_S


@dataclass(eq=False)
class StopSignals:
    """SIGINT/SIGTERM handling for one money-touching command (see the module docstring).

    Args:
        state_dir: where the journal is (what an abandoned kill leaves is recorded there).
        busy: the running kills' bounds; the latest one counts.
        first: called (in the main thread) on the first signal: print a notice, or ask
            the event loop to stop.
        bound_s: once no kill runs, how long the rest may take before the process exits
            anyway; None when the command ends by itself after its kill (`kill`).
    """

    state_dir: Path
    busy: list[Busy]
    first: Callable[[int], None]
    bound_s: float | None = None
    signals: int = 0
    _first_at: float = 0.0
    _wake: threading.Event = field(default_factory=threading.Event)
    _second: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _previous: dict[int, Any] = field(default_factory=dict)

    def install(self) -> StopSignals:
        """Take SIGINT and SIGTERM (main thread only; elsewhere nothing is installed)."""
        with contextlib.suppress(ValueError):  # not the main thread: a test's main()
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        if self._previous:  # started now: a handler that started a thread could deadlock
            threading.Thread(target=self._keep_bound, name="botguard-stop", daemon=True).start()
        return self

    def close(self) -> None:
        """The command is done: put the old handlers back and end the bound's thread."""
        for signum, handler in self._previous.items():  # first: our handler sets _wake too
            signal.signal(signum, handler)
        self._previous.clear()
        self._done.set()
        self._wake.set()

    def busy_until(self) -> float | None:
        """When the running kill must be over at the latest; None when none runs."""
        bounds = [b for b in (source() for source in self.busy) if b is not None]
        return max(bounds, default=None)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        """Python runs this in the main thread between bytecodes: no logging or buffered
        writes here (the interrupted code may be half-way through one), nor a thread
        started (the code interrupted may hold threading's own lock)."""
        self.signals += 1
        if self.signals > 1:
            self._second.set()
            return
        self._first_at = time.monotonic()
        self._wake.set()
        self.first(signum)

    def _keep_bound(self) -> None:
        """Until the command ends: exit on a second signal, an overrun kill, or a stop
        that takes longer than `bound_s` once no kill runs."""
        self._wake.wait()  # asleep until the first signal (or the command's end)
        idle_since = self._first_at
        while not self._done.wait(TICK_S):
            now, until = time.monotonic(), self.busy_until()
            if self._second.is_set():
                self._exit("a second stop signal", abandoning=until is not None)
            if until is not None:
                if now > until:
                    self._exit("the running kill overran its deadline", abandoning=True)
                idle_since = now
            elif self.bound_s is not None and now - idle_since > self.bound_s:
                self._exit(f"the stop took longer than {self.bound_s:g} s", abandoning=False)

    def _exit(self, why: str, *, abandoning: bool) -> None:
        """Say what is left, journal it, and leave now (no cleanup can hang this)."""
        if abandoning:
            line = f"{why}: abandoning the running kill; {left_behind(self.state_dir)}"
        else:
            line = f"{why}: exiting now; a dead man's switch it armed stays armed"
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        notice(line)
        with contextlib.suppress(Exception):  # a journal we cannot write must not hold us
            record_abandoned(self.state_dir, why, abandoning=abandoning)
        for handler in logging.getLogger().handlers + logging.getLogger("botguard").handlers:
            with contextlib.suppress(Exception):
                handler.flush()
        os._exit(FORCED_EXIT)


def running_run(state_dir: Path) -> tuple[str, list[dict[str, Any]]] | None:
    """The kill run the journal shows in progress, with its steps so far."""
    from botguard.journal import Journal

    with Journal(state_dir) as journal:
        run = next((r for r in journal.runs("kill") if r.status == "running"), None)
        return None if run is None else (run.id, journal.steps(run.id))


def left_behind(state_dir: Path) -> str:
    """One line: what the running kill did so far and what to do about the rest."""
    try:
        found = running_run(state_dir)
    except Exception:  # a journal we cannot read: say so, and still leave
        found = None
    rerun = "run `botguard kill --yes` to finish it (safe to re-run"
    if found is None:
        return f"orders and positions may remain; {rerun})"
    run_id, steps = found
    return (
        f"run {run_id} did: {done_summary(steps)}; not verified flat: orders and positions "
        f"may remain, the halt flag stays up; {rerun}: it resumes run {run_id})"
    )


SAID = {"sending": "sent, unconfirmed"}
"""A step journaled before its order went out: it may or may not have landed."""


def done_summary(steps: list[dict[str, Any]]) -> str:
    """`halt ok, cancel 3 ok, close sent, unconfirmed`: the journaled steps, counted."""
    counts: dict[tuple[str, str], int] = {}
    for step in steps:
        if step["action"] == "round":
            continue
        key = (str(step["action"]), SAID.get(str(step["status"]), str(step["status"])))
        counts[key] = counts.get(key, 0) + 1
    if not counts:
        return "nothing yet"
    return ", ".join(
        f"{action} {status}" if n == 1 else f"{action} {n} {status}"
        for (action, status), n in counts.items()
    )


def record_abandoned(state_dir: Path, why: str, *, abandoning: bool) -> None:
    """A `stop_forced` event in the journal (the run itself stays open, to be resumed)."""
    from botguard.journal import Journal

    found = running_run(state_dir) if abandoning else None
    detail = {"why": why, "pid": os.getpid(), "run_id": found[0] if found else ""}
    with Journal(state_dir) as journal:
        journal.add_event("stop_forced", detail)


def notice(line: str) -> None:
    """`botguard: line` on stderr, unbuffered: safe from a signal handler or any thread."""
    with contextlib.suppress(OSError):
        os.write(2, f"botguard: {line}\n".encode(errors="replace"))


def cancel_soon(loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any]) -> Callable[[int], None]:
    """A `first` that cancels `task` from the loop's own thread (safe from a handler)."""

    def stop() -> None:
        logger.warning("stopping (a running kill finishes first; signal again to abandon it)")
        task.cancel()

    def first(signum: int) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(stop)

    return first


def finish_first(signum: int) -> None:
    """`botguard kill`'s `first`: the kill goes on; say so, and how to abandon it."""
    how = "Ctrl-C" if signum == signal.SIGINT else "signal"
    notice(
        f"kill in progress: it finishes first (by its deadline); {how} again to abandon it "
        "(orders may remain)"
    )
