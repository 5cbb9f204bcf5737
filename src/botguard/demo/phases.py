"""How long each phase of a kill took, read back from the kill's own journal.

The kill journals every step with a UTC timestamp as it happens, so the phases are
measured by the thing being measured, not by a stopwatch around it:

    halt     run start -> halt step (flag raised, bot stopped)
    read     halt -> first execution round (every book and balance read, plan made)
    cancel   -> last cancel acknowledged (resting and stop orders)
    flatten  -> last close/sell acknowledged
    verify   -> run finished (a fresh read showed the account flat)
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from botguard.journal import Journal


def _last_at(steps: list[dict[str, Any]], actions: tuple[str, ...]) -> datetime | None:
    times = [s["at"] for s in steps if s["action"] in actions and s["status"] == "ok"]
    return datetime.fromisoformat(max(times)) if times else None


def kill_phases(state_dir: Path, run_id: str) -> list[tuple[str, float]]:
    """(phase, seconds) in order, then ("total", seconds); phases that did not run are omitted."""
    with Journal(state_dir) as journal:
        run = next((r for r in journal.runs() if r.id == run_id), None)
        steps = journal.steps(run_id)
    if run is None or run.finished_at is None:
        return []
    marks = [
        ("halt", _last_at(steps, ("halt",))),
        ("read", _first_round(steps)),
        ("cancel", _last_at(steps, ("cancel",))),
        ("flatten", _last_at(steps, ("close", "sell"))),
        ("verify", run.finished_at),
    ]
    phases: list[tuple[str, float]] = []
    previous = run.started_at
    for name, at in marks:
        if at is None or at < previous:
            continue
        phases.append((name, (at - previous).total_seconds()))
        previous = at
    phases.append(("total", (run.finished_at - run.started_at).total_seconds()))
    return phases


def _first_round(steps: list[dict[str, Any]]) -> datetime | None:
    times = [s["at"] for s in steps if s["action"] == "round"]
    return datetime.fromisoformat(min(times)) if times else None
