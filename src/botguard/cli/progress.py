"""Progress for long work: a live line on a terminal, nothing at all elsewhere.

Logs and CI output stay clean (no spinner frames, no carriage returns); a person
at a terminal sees what is running and for how long. It draws on stderr, so a
report piped from stdout is never mixed with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Update = Callable[[int, int, str], None]
"""Tell the bar (done, total, what just finished)."""


def _ignore(done: int, total: int, what: str) -> None:
    """The update when nobody is watching."""


@contextmanager
def progress(description: str, *, total: int | None = None) -> Iterator[Update]:
    """A transient bar (or spinner while `total` is unknown) on a terminal; else silent."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from botguard.secrets.console import make_console

    console = make_console(stderr=True)
    if not console.is_terminal:
        yield _ignore
        return
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
