"""The canary guard catches planted leaks (and stays quiet on clean output)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from botguard.testing.canary import CANARIES, find_canaries, scan_tree

VALUE = CANARIES["BOTGUARD_CANARY_SECRET"]

pytest_plugins = ["pytester"]


@pytest.mark.parametrize(
    ("planted", "form"),
    [
        (f"secret={VALUE}", "raw"),
        (f"s={quote_plus('/' + VALUE + ' x')}", "raw"),
        (f"q={quote_plus(VALUE + '&')}", "raw"),
        (base64.b64encode(b"user:" + VALUE.encode()).decode(), "base64"),
        (base64.b64encode(b"ab" + VALUE.encode()).decode(), "base64"),
        (base64.b64encode(b"a" + VALUE.encode()).decode(), "base64"),
        ("dump " + VALUE.encode().hex().upper(), "hex"),
        (json.dumps({"k": VALUE})[3:], "raw"),
    ],
)
def test_find_canaries_in_each_encoding(planted: str, form: str) -> None:
    hits = find_canaries(planted, "planted")
    assert hits, planted.replace(VALUE, "<canary>")
    assert {hit.form for hit in hits} >= {form}
    assert hits[0].name == "BOTGUARD_CANARY_SECRET"


def test_clean_text_has_no_hits() -> None:
    assert find_canaries("nothing to see [REDACTED] cnry", "clean") == []


def test_scan_tree_finds_a_planted_file_and_skips_huge_ones(tmp_path: Path) -> None:
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    planted = sub / "leak.log"
    planted.write_text(VALUE.encode().hex())
    huge = tmp_path / "huge.bin"
    huge.write_bytes(b"\0" * (5 * 1024 * 1024 + 1))
    hits = scan_tree(tmp_path)
    assert [(h.form, h.where) for h in hits] == [("hex", str(planted))]
    planted.unlink()  # keep this test itself clean for the guard


CONFTEST = (Path(__file__).parents[1] / "conftest.py").read_text()


LEAKS = [
    ("print(os.environ['BOTGUARD_CANARY_API_KEY'])", "stdout"),
    ("sys.stderr.write(os.environ['BOTGUARD_CANARY_PASSWORD'].encode().hex())", "stderr"),
    (
        "(tmp_path / 'r.json').write_text(json.dumps(os.environ['BOTGUARD_CANARY_SECRET']))",
        "r.json",
    ),
    ("print(os.environ['BOTGUARD_CANARY_API_KEY']); capsys.readouterr()", "capsys"),
]
"""A leak through each channel the guard watches, and the channel its failure names."""


@pytest.mark.parametrize(("body", "where"), LEAKS)
def test_guard_fails_a_test_that_leaks(pytester: pytest.Pytester, body: str, where: str) -> None:
    """A planted leak in a real pytest run fails that test and names the channel."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        "import json, os, sys\n"
        f"def test_leaks(tmp_path, capsys):\n    {body}\n"
        "def test_clean(tmp_path):\n    print('hello')\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--show-capture=no")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 1
    assert "::test_leaks - " in result.stdout.str()
    assert "::test_clean" not in result.stdout.str()
    assert "canary secret leaked" in result.stdout.str()
    assert where in result.stdout.str()


def test_plants_canaries_marker_skips_files_only(pytester: pytest.Pytester) -> None:
    """A leak scanner's test may plant canaries in its files, but still not print them."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        "import os, pytest\n"
        "@pytest.mark.plants_canaries\n"
        "def test_plants(tmp_path):\n"
        "    (tmp_path / '.env').write_text(os.environ['BOTGUARD_CANARY_SECRET'])\n"
        "@pytest.mark.plants_canaries\n"
        "def test_plants_and_prints(tmp_path):\n"
        "    print(os.environ['BOTGUARD_CANARY_SECRET'])\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--show-capture=no")
    result.assert_outcomes(passed=1, failed=1)
    assert "FAILED test_plants_canaries_marker_skips_files_only.py::test_plants_and_prints" in (
        result.stdout.str()
    )
    assert "canary secret leaked: BOTGUARD_CANARY_SECRET (raw) in Captured stdout call" in (
        result.stdout.str()
    )


def test_guard_catches_each_leak_in_every_xdist_worker(pytester: pytest.Pytester) -> None:
    """`make test` runs the suite in xdist workers: the guard must work in each of them.

    Every channel leaks in its own test, beside a clean twin, across two workers (a real
    `pytest -n 2` process); exactly the leaking tests fail, each naming its channel."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    tests = [
        f"def test_leaks_{i}(tmp_path, capsys):\n    {body}\n"
        f"def test_clean_{i}(tmp_path):\n    print('hello')\n"
        for i, (body, _) in enumerate(LEAKS)
    ]
    pytester.makepyfile("import json, os, sys\n" + "".join(tests))

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--show-capture=no", "-n", "2")

    out = result.stdout.str()
    assert "2 workers" in out
    outcomes = result.parseoutcomes()  # a file leak fails at teardown: an error, not a failure
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == len(LEAKS), out
    for i, (_, where) in enumerate(LEAKS):
        header = rf"_ (?:ERROR at teardown of )?test_leaks_{i} _+\n\[gw\d\][^\n]*\n"
        assert re.search(header + rf"canary secret leaked: [^\n]*{re.escape(where)}", out), out
    assert not re.search(r"_ (?:ERROR at teardown of )?test_clean_\d _", out), out
