"""botguard.audit: the seed's security checklist as concurrent checks."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from botguard.audit.runner import AuditReport, Progress
from botguard.clock import Clock
from botguard.config import Config
from botguard.errors import UsageError

__all__ = ["AuditReport", "run_audit"]


async def run_audit(
    config: Config,
    *,
    root: Path = Path("/"),
    only: Iterable[str] = (),
    skip: Iterable[str] = (),
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Run the checks selected by category (only) minus ids (skip).

    Args:
        root: the host tree to audit (`/`, or a fixture tree).
        clock: the local clock the clock-skew check compares with the exchange's.
        progress: told (done, total, check id) as each check ends (the CLI's progress bar).
    """
    from botguard.audit.registry import CHECKS
    from botguard.audit.runner import run_checks

    only_set, skip_set = set(only), set(skip)
    known = {c.category for c in CHECKS}
    ids = {c.id for c in CHECKS}
    for cat in sorted(only_set - known):
        raise UsageError(f"--only {cat!r} is not a category; use one of {', '.join(sorted(known))}")
    for cid in sorted(skip_set - ids):
        near = difflib.get_close_matches(cid, ids, n=1)
        hint = f"did you mean {near[0]}?" if near else "the ids are in `botguard audit -f json`"
        raise UsageError(f"--skip {cid!r} is not a check id; {hint}")
    chosen = tuple(
        c for c in CHECKS if (not only_set or c.category in only_set) and c.id not in skip_set
    )
    return await run_checks(chosen, config, root, clock, progress)
