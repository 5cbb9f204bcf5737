"""Baselines: fingerprints of accepted findings, suppressed on later scans (detect-secrets style).

The file holds fingerprints, locations and reference/rule names: never a value.
It carries a format version and the name of the fingerprint scheme; an older
file is migrated step by step on load (detect-secrets' upgrade path), a newer
one is refused with a line that says to upgrade botguard.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from botguard.errors import UsageError
from botguard.scan.model import Leak

VERSION = 2
"""2 names the fingerprint scheme; 1 had none (its fingerprints are the same scheme)."""
FINGERPRINT = "sha256-unsalted(location, rule or reference, value)/128"
"""The scheme of Leak.fingerprint: a new scheme means a new version and a migration."""


def _from_1(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "version": 2, "fingerprint": FINGERPRINT}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _from_1}
"""version -> the step that turns a document of that version into the next one."""


def write_baseline(path: Path, leaks: Sequence[Leak]) -> None:
    """Record every leak as accepted."""
    entries = sorted(
        {(leak.fingerprint, leak.location, leak.what) for leak in leaks},
    )
    doc = {
        "version": VERSION,
        "fingerprint": FINGERPRINT,
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
    doc = _migrate(path, doc)
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


def _migrate(path: Path, doc: object) -> dict[str, Any]:
    """The document upgraded to VERSION, or a UsageError naming what is wrong with it."""
    version = doc.get("version") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or not isinstance(version, int) or version < 1:
        raise UsageError(f"{path}: not a botguard baseline (no version field)")
    if version > VERSION:
        raise UsageError(
            f"{path}: baseline version {version} was written by a newer botguard "
            f"(this one reads up to {VERSION}); upgrade botguard"
        )
    while version < VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["version"]
    if doc.get("fingerprint") != FINGERPRINT:
        raise UsageError(f"{path}: unknown fingerprint scheme {doc.get('fingerprint')!r}")
    return doc
