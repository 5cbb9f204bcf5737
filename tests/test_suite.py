"""The suite's own settings: what `make test` relies on to stay green on a loaded box."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()


def test_a_slow_hypothesis_example_is_not_a_failure(pytester: pytest.Pytester) -> None:
    """CI runs the suite in parallel under coverage on a loaded 2-core box, where any
    example can take many times its usual time: hypothesis's 200 ms deadline per example
    would fail parsers' property tests for load alone (a sleep stands in for the load)."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        "import time\n"
        "from hypothesis import given, settings, strategies as st\n"
        "@settings(max_examples=2)\n"
        "@given(st.integers())\n"
        "def test_slow(n):\n"
        "    time.sleep(0.3)\n"
    )

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)


def test_each_test_keeps_credentials_dirs_out_of_the_shared_dev_shm() -> None:
    """Kills in other workers remove unlocked credentials dirs where they look: never here."""
    from botguard.harden.creds_dir import credentials_base

    base = credentials_base()
    assert base != Path("/dev/shm")
    assert base.stat().st_mode & 0o777 == 0o700
    assert list(base.iterdir()) == []


def test_output_is_as_wide_as_in_a_pipe_whatever_runs_the_suite() -> None:
    """xdist workers inherit COLUMNS=80: tables the tests read must not narrow to it."""
    import os

    from botguard.secrets.console import PIPE_WIDTH, make_console

    assert os.environ.get("COLUMNS") is None
    assert make_console().width == PIPE_WIDTH
