"""Every usage error from the installed entry point: one line on stderr, exit 2, no traceback.

Runs `python -m botguard` as a real process, as a user or a cron job would, so the
exceptions typer raises (its own vendored copies of click's) reach the real `main`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.process import botguard


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["kill", "--bogus"], "botguard kill: No such option: --bogus"),
        (["bogus"], "botguard: No such command 'bogus'"),
        (["attest"], "botguard attest: Missing argument"),
        (["kill", "--deadline", "abc"], "botguard kill: Invalid value for '--deadline'"),
        (["kill", "--deadline", "0"], "botguard kill: Invalid value for '--deadline'"),
        (["audit", "--format", "bogus"], "botguard audit: Invalid value for '--format'"),
        (["secrets"], "botguard secrets: Missing command"),
    ],
    ids=[
        "unknown-option",
        "unknown-command",
        "missing-argument",
        "bad-value",
        "below-min",
        "bad-format",
        "missing-subcommand",
    ],
)
def test_usage_error_is_one_line_exit_2(args: list[str], expected: str, tmp_path: Path) -> None:
    proc = botguard(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"botguard: error: {expected}"), proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "--help" in proc.stderr  # says where to look next
    assert proc.stdout == ""


def test_no_arguments_shows_help_like_typer(tmp_path: Path) -> None:
    """typer's no_args_is_help prints the help and exits 2; so does botguard."""
    proc = botguard(cwd=tmp_path)
    assert proc.returncode == 2
    assert "Usage: botguard" in proc.stdout
    assert "kill" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_help_exits_0(tmp_path: Path) -> None:
    proc = botguard("kill", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "--deadline" in proc.stdout
    assert proc.stderr == ""
