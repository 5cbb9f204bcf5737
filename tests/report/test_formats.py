"""Every Format has a renderer, and every renderer copes with every status."""

from __future__ import annotations

import pytest

from botguard.cli.app import OutputFormat
from botguard.findings import Finding, Status
from botguard.report import RENDERERS, Format, render

from .conftest import finding


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(Format)


def test_cli_formats_are_the_report_formats() -> None:
    """`--format` offers exactly what the renderers can do: the same enum, not a copy."""
    assert OutputFormat is Format


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("status", list(Status))
def test_each_renderer_shows_each_status(fmt: Format, status: Status) -> None:
    out = render([finding("host.non_root_user", status, evidence="User=bot")], fmt)
    assert "host.non_root_user" in out
    assert status.value in out


@pytest.mark.parametrize("fmt", list(Format))
def test_empty_report_renders(fmt: Format, findings: list[Finding]) -> None:
    assert render([], fmt).endswith("\n")
    assert render(findings, fmt) != render([], fmt)
