"""Canary secrets: known fake values the test suite loads and then hunts for.

Tests point configs at these environment variables (e.g. `env:BOTGUARD_CANARY_SECRET`);
the suite's canary guard fails any test whose output, logs or files contain a value,
raw or encoded. Bot authors can use the same guard in their own suites:
`find_canaries(text)` and `scan_tree(path)` say which canary leaked, and how.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botguard.secrets.forms import encoded_forms

CANARIES: dict[str, str] = {
    "BOTGUARD_CANARY_API_KEY": "cnryKEYq7Zt3Vb9Xw2Lm5Np8Rs4Ty6Uv1Oa0Ic3Ed7Gh9Jk2Fl5",
    "BOTGUARD_CANARY_SECRET": "cnrySECj4Hk8Lm2Nq6Rs9Tv3Wx7Yz1Ab5Cd0Ef4Gh8Ij2Kl6Mn",
    "BOTGUARD_CANARY_PASSWORD": "cnryPASSw0rdX9y8Z7",
}
"""Environment variable name -> canary value."""

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Files larger than this under a test's tmp dir are not scanned (keeps the guard fast)."""


@dataclass(frozen=True, slots=True)
class CanaryHit:
    """One canary found somewhere it should not be."""

    name: str
    """The canary's environment variable."""
    form: str
    """The encoded form that matched (raw, url, base64, hex, json)."""
    where: str


def _form_table() -> dict[bytes, tuple[str, str]]:
    table: dict[bytes, tuple[str, str]] = {}
    for name, value in CANARIES.items():
        for form in encoded_forms(value):
            table.setdefault(form.encode(), (name, _kind(form, value)))
    return table


def _kind(form: str, value: str) -> str:
    if form == value:
        return "raw"
    if "%" in form or ("+" in form and "+" not in value):
        return "url"
    if re.fullmatch(r"[0-9a-fA-F]+", form) and len(form) == 2 * len(value.encode()):
        return "hex"
    if "\\" in form:
        return "json"
    return "base64"


_FORMS = _form_table()
_PATTERN = re.compile(b"|".join(re.escape(f) for f in sorted(_FORMS, key=len, reverse=True)))


def find_canaries(data: str | bytes, where: str) -> list[CanaryHit]:
    """Every canary form in `data` (one hit per canary and form)."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    hits: dict[bytes, CanaryHit] = {}
    for match in _PATTERN.finditer(raw):
        name, kind = _FORMS[match.group()]
        hits.setdefault(match.group(), CanaryHit(name, kind, where))
    return list(hits.values())


def scan_tree(root: Path) -> list[CanaryHit]:
    """Canary hits in every regular file under `root` up to MAX_FILE_BYTES."""
    hits: list[CanaryHit] = []
    if not root.is_dir():
        return hits
    for path in root.rglob("*"):
        try:
            if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            hits += find_canaries(path.read_bytes(), str(path))
        except OSError:
            continue
    return hits


def register_canaries() -> None:
    """Register every canary with the process-wide redactor."""
    from botguard.secrets.redact import get_redactor

    for value in CANARIES.values():
        get_redactor().register(value)


def describe(hits: list[CanaryHit]) -> str:
    """A failure message naming each leak (canary name, form, place), never the value."""
    return "canary secret leaked: " + "; ".join(
        f"{hit.name} ({hit.form}) in {hit.where}" for hit in hits
    )


def report_hits(sections: list[tuple[str, str]]) -> list[CanaryHit]:
    """Canary hits in a pytest report's captured sections (stdout, stderr, log)."""
    return [hit for title, text in sections for hit in find_canaries(text, title)]


def record_capture_reads() -> None:
    """Remember what each test reads through capsys/capfd, so the guard checks it too.

    A test that calls `capsys.readouterr()` takes that output out of pytest's
    report; this wraps `CaptureFixture.readouterr` (once per process) to keep a
    copy in the test item's stash, read back by `capture_reads(item)`.
    """
    import pytest

    original = pytest.CaptureFixture.readouterr
    if getattr(original, "_botguard_recording", False):
        return

    def readouterr(self: pytest.CaptureFixture[Any]) -> Any:
        result = original(self)
        if isinstance(result.out, str):
            node = self.request.node
            node.stash.setdefault(_READS, []).extend(
                [("capsys/capfd out", result.out), ("capsys/capfd err", result.err)]
            )
        return result

    readouterr._botguard_recording = True  # type: ignore[attr-defined]
    pytest.CaptureFixture.readouterr = readouterr  # type: ignore[method-assign]


def capture_reads(node: Any) -> list[tuple[str, str]]:
    """What this test item read through capsys/capfd (see record_capture_reads)."""
    return list(node.stash.get(_READS, []))


def _reads_key() -> Any:
    import pytest

    return pytest.StashKey[list[tuple[str, str]]]()


_READS = _reads_key()
