"""Render an audit's findings: one module per format, looked up through RENDERERS."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from botguard.findings import Finding
from botguard.formats import Format
from botguard.report import json as json_report
from botguard.report import markdown, sarif, text

__all__ = ["RENDERERS", "Format", "Renderer", "render"]

Renderer = Callable[[Sequence[Finding]], str]


RENDERERS: dict[Format, Renderer] = {
    Format.TEXT: text.render,
    Format.JSON: json_report.render,
    Format.MARKDOWN: markdown.render,
    Format.SARIF: sarif.render,
}
"""One pure renderer per format; a test keeps the keys equal to Format."""


def render(findings: Sequence[Finding], fmt: Format) -> str:
    """Render with the format's renderer."""
    return RENDERERS[fmt](findings)
