"""Progress for long work: a live line on a terminal, nothing at all elsewhere.

Logs and CI output stay clean (no spinner frames, no carriage returns); a person
at a terminal sees what is running and for how long. It draws on stderr, so a
report piped from stdout is never mixed with it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

Update = Callable[[int, int, str], None]
"""Tell the bar (done, total, what just finished)."""


def _ignore(done: int, total: int, what: str) -> None:
    """The update when nobody is watching."""


_FORCING = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
"""Variables with which rich treats a pipe as a terminal: then rich decides."""


def _surely_not_a_terminal() -> bool:
    """stderr is no terminal and nothing tells rich to draw anyway: no bar, so rich (about
    25 ms of a piped audit's start-up) is not imported to ask."""
    isatty = getattr(sys.stderr, "isatty", None)
    piped = isatty is None or not isatty()
    return piped and not any(os.environ.get(name) for name in _FORCING)


@contextmanager
def progress(description: str, *, total: int | None = None) -> Iterator[Update]:
    """A transient bar (or spinner while `total` is unknown) on a terminal; else silent."""
    if _surely_not_a_terminal():
        yield _ignore
        return
    from botguard.secrets.console import make_console

    console = make_console(stderr=True)
    if not console.is_terminal:
        yield _ignore
        return
    from rich.progress import (  # only for a terminal: a piped run never draws
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())  # fmt: skip
    # No redirect: the console's stream looks sys.stderr up at write time, so rich's
    # stderr proxy would feed the bar its own output, forever.
    with Progress(
        *columns, console=console, transient=True, redirect_stdout=False, redirect_stderr=False
    ) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{description}: {what}")

        yield update


@contextmanager
def kill_progress(state_dir: Path, deadline_s: float) -> Iterator[None]:
    """While a kill runs: the deadline as a bar and what the kill has journaled so far
    (cancels, closes, sells, verify rounds per account). Terminal only.

    It reads the journal read-only from a thread, so it never takes a lock the kill
    needs and never changes what the kill does.
    """
    if _surely_not_a_terminal():
        yield
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from botguard.journal import JOURNAL_NAME  # not at the top: it imports the config (pydantic)
    from botguard.secrets.console import make_console

    console = make_console(stderr=True)
    if not console.is_terminal:
        yield
        return
    stop = threading.Event()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
        transient=True, redirect_stdout=False, redirect_stderr=False,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"kill (deadline {deadline_s:g} s)", total=deadline_s)
        started = time.monotonic()

        def follow() -> None:
            while not stop.wait(0.25):
                seen = journaled_so_far(state_dir / JOURNAL_NAME, since=started_at)
                done = f"kill (deadline {deadline_s:g} s): {seen}" if seen else None
                bar.update(task, completed=time.monotonic() - started, description=done)

        started_at = datetime.now(UTC).isoformat()
        thread = threading.Thread(target=follow, name="kill-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def journaled_so_far(journal: Path, *, since: str) -> str:
    """`3 cancel, 2 close, 1 sell; flat-check: main 1` for the newest kill run since `since`."""
    import sqlite3
    from collections import Counter

    try:
        db = sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=0.1)
    except sqlite3.Error:
        return ""
    try:
        rows = db.execute(
            "SELECT s.action, s.key, s.status FROM steps s JOIN runs r ON r.id = s.run_id "
            "WHERE r.kind = 'kill' AND r.started_at >= ? ORDER BY s.seq",
            (since,),
        ).fetchall()
    except sqlite3.Error:
        return ""
    finally:
        db.close()
    actions = Counter(a for a, _, st in rows if st == "ok" and a in {"cancel", "close", "sell"})
    rounds = Counter(k.rpartition(":")[0] for a, k, _ in rows if a == "round")
    done = ", ".join(f"{n} {a}" for a, n in sorted(actions.items()))
    checks = ", ".join(f"{acct} {n}" for acct, n in sorted(rounds.items()))
    return "; ".join(p for p in (done, f"verify rounds: {checks}" if checks else "") if p)
