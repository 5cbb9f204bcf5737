"""Every venue quirk is a fact some code acts on: a flag nothing reads only misleads."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import botguard
from botguard.venues.base import Quirks


def test_every_quirk_is_read_by_some_code() -> None:
    src = Path(botguard.__file__).parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py"))
    unread = [f.name for f in fields(Quirks) if f"quirks.{f.name}" not in text]
    assert unread == []
