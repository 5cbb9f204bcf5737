"""Baselines: fingerprints of accepted findings, suppressed on later scans (detect-secrets style).

The file holds fingerprints, locations and reference/rule names: never a value.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from botguard.errors import UsageError
from botguard.scan.model import Leak

VERSION = 1


def write_baseline(path: Path, leaks: Sequence[Leak]) -> None:
    """Record every leak as accepted."""
    entries = sorted(
        {(leak.fingerprint, leak.location, leak.what) for leak in leaks},
    )
    doc = {
        "version": VERSION,
        "generated_by": "botguard scan --write-baseline",
        "accepted": [{"fingerprint": f, "location": loc, "what": w} for f, loc, w in entries],
    }
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def load_baseline(path: Path) -> frozenset[str]:
    """Accepted fingerprints; a UsageError naming the file when it is not a baseline."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"{path}: baseline not found; create one with --write-baseline {path}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UsageError(
            f"{path}: not a botguard baseline ({type(exc).__name__}); "
            "write one with `botguard scan --write-baseline FILE`"
        ) from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise UsageError(f"{path}: not a botguard baseline (expected version {VERSION})")
    accepted = doc.get("accepted", [])
    if not isinstance(accepted, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in accepted
    ):
        raise UsageError(f"{path}: 'accepted' must be a list of {{fingerprint: ...}} entries")
    return frozenset(e["fingerprint"] for e in accepted)


def apply_baseline(leaks: Sequence[Leak], accepted: frozenset[str]) -> tuple[list[Leak], int]:
    """Leaks not in the baseline, and how many were suppressed."""
    kept = [leak for leak in leaks if leak.fingerprint not in accepted]
    return kept, len(leaks) - len(kept)
