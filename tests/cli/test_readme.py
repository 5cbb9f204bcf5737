"""The README tells the truth about the CLI: commands, help text, check ids, quick start.

A user copies from the README; when a command or check id is added or renamed the
README must follow, so these tests read both the README and the live CLI/registry.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from botguard.audit.registry import CHECKS

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def live_help() -> str:
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-m", "botguard", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return done.stdout


def _section(readme: str, start: str, end: str) -> str:
    return readme.split(start, 1)[1].split(end, 1)[0]


def _commands(help_text: str) -> dict[str, str]:
    """{command: first help line} from the rich Commands box."""
    box = help_text.split("Commands", 1)[1]
    found: dict[str, str] = {}
    for line in box.splitlines():
        match = re.match(r"^│ (\w+)\s{2,}(.+?)\s*│$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_quick_start_is_make_demo_and_make_test(readme: str) -> None:
    block = _section(_section(readme, "## Quick start", "## "), "```sh\n", "```")
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    assert commands == ["make demo", "make test"]


def test_help_block_matches_the_live_cli(readme: str, live_help: str) -> None:
    documented = _commands(_section(readme, "$ botguard --help", "```"))
    assert documented == _commands(live_help), "rerun `botguard --help` into the README"


def test_every_command_has_a_row_in_the_command_table(readme: str, live_help: str) -> None:
    table = _section(readme, "| command | what it does", "\n\n")
    rows = set(re.findall(r"^\| `botguard (\w+)", table, flags=re.MULTILINE))
    assert rows == set(_commands(live_help))


def test_every_check_id_is_in_the_checklist_table(readme: str) -> None:
    table = _section(readme, "| seed's box | check ids |", "\n\n")
    documented = set(re.findall(r"`([a-z]+\.[a-z_]+)`", table))
    assert documented == {check.id for check in CHECKS}


def test_exit_codes_are_documented(readme: str) -> None:
    for code, meaning in (("0", "all good"), ("1", "problem"), ("2", "usage"), ("3", "finish")):
        assert re.search(rf"`{code}` [^`]*{meaning}", readme), code
