"""Baseline files: versioned, migrated from older versions, refused from newer ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from botguard.errors import UsageError
from botguard.scan.baseline import FINGERPRINT, VERSION, load_baseline, write_baseline
from botguard.scan.model import fingerprint


def test_the_fingerprint_scheme_is_frozen() -> None:
    """Changing it re-opens every accepted finding: it needs a new version and a migration."""
    value = b"not-a-real-key-0123456789"
    assert fingerprint("config.py", "binance.api_key", value) == "f93e062b7cbe9a2357202d02a4aa5bc5"


def test_a_version_1_baseline_is_migrated_on_load(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    entry = {"fingerprint": "ab" * 16, "location": "a.py", "what": "env:K"}
    path.write_text(json.dumps({"version": 1, "accepted": [entry]}))

    assert load_baseline(path) == frozenset({"ab" * 16})


def test_a_written_baseline_names_its_version_and_scheme(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    write_baseline(path, [])
    doc = json.loads(path.read_text())
    assert (doc["version"], doc["fingerprint"]) == (VERSION, FINGERPRINT) == (2, FINGERPRINT)
    assert load_baseline(path) == frozenset()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"version": 3, "accepted": []}, "written by a newer botguard"),
        ({"accepted": []}, "no version field"),
        ([1, 2], "no version field"),
        ({"version": 2, "fingerprint": "md5", "accepted": []}, "unknown fingerprint scheme"),
    ],
)
def test_baselines_it_cannot_read_are_refused_in_one_line(
    tmp_path: Path, doc: object, message: str
) -> None:
    path = tmp_path / "b.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(UsageError, match=message):
        load_baseline(path)
