"""Render an audit's findings: one module per format, looked up through RENDERERS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import import_module

from botguard.findings import Finding
from botguard.formats import Format

__all__ = ["RENDERERS", "Format", "Renderer", "render"]

Renderer = Callable[[Sequence[Finding]], str]


def _lazy(module: str) -> Renderer:
    """The module's `render`, imported on first use: a JSON audit never loads rich."""

    def render(findings: Sequence[Finding]) -> str:
        renderer: Renderer = import_module(f"botguard.report.{module}").render
        return renderer(findings)

    render.__qualname__ = render.__name__ = f"{module}.render"
    return render


RENDERERS: dict[Format, Renderer] = {
    Format.TEXT: _lazy("text"),
    Format.JSON: _lazy("json"),
    Format.MARKDOWN: _lazy("markdown"),
    Format.SARIF: _lazy("sarif"),
}
"""One pure renderer per format (its module imported only when used); a test keeps the
keys equal to Format."""


def render(findings: Sequence[Finding], fmt: Format) -> str:
    """Render with the format's renderer."""
    return RENDERERS[fmt](findings)
