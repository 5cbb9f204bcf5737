"""The report formats: one enum for the CLI's `--format` and the renderers.

Its own tiny module so that the CLI can name the formats at start-up without
importing the renderers (rich tables and all): `botguard kill` starts fast.
botguard.report re-exports it as `Format`, with one renderer per member.
"""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """Report formats of `botguard audit --format` (scan offers text, json, sarif)."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
