"""A scan never says "clean" about what it did not read, and every expansion is bounded.

Real files: a sparse 60 MB file, a gzip bomb made here (2 MB on disk, 2 GiB
inflated), a 1,200-level directory tree, globs that would walk the disk.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from botguard.cli import main
from botguard.scan import scan_logs, scan_tree
from botguard.scan.coverage import Coverage, SkipReason
from botguard.scan.globs import Budget, expand_logs
from botguard.secrets.secret import Secret

from .conftest import KEY, KEY_REF, PASSWORD, SECRET, SECRET_REF
from .test_cli import KEY64  # the fake key the repository's own baseline accepts there

SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
BOTGUARD = Path(sys.executable).parent / "botguard"
CONFIG = """
[bot]
name = "gridbot"
logs = {logs}

[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tree with a sparse 60 MB file (over the 50 MiB cap) and a small clean file."""
    monkeypatch.chdir(tmp_path)  # no ./botguard.toml: patterns only
    monkeypatch.delenv("BOTGUARD_CONFIG", raising=False)
    path = tmp_path / "bot"
    path.mkdir()
    (path / "bot.py").write_text("import os\n")
    with (path / "dump.bin").open("wb") as fh:
        fh.truncate(60 * 1000 * 1000)
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_over_the_cap_is_listed_and_the_exit_says_incomplete(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["scan", str(tree), "--format", "json"], capsys)

    doc = json.loads(out)
    assert code == 3
    assert doc["leaks"] == []
    assert doc["complete"] is False
    assert [(s["location"], s["reason"]) for s in doc["skipped"]] == [("dump.bin", "too_large")]
    assert "scan incomplete: dump.bin not read in full (60.0 MB, over the 52 MB cap)" in err


def test_text_report_does_not_say_clean(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["scan", str(tree)], capsys)

    assert code == 3
    assert "No leaks found in what was read." in out
    assert "No leaks found.\n" not in out
    assert "dump.bin" in out


def test_a_leak_in_an_incomplete_scan_still_exits_1(
    tree: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tree / "settings.py").write_text(f"BINANCE_API_KEY = '{KEY64}'\n")
    out_file = tmp_path / "scan.sarif"

    code, _, _ = _run(["scan", str(tree), "-f", "sarif", "-o", str(out_file)], capsys)

    doc = json.loads(out_file.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    [invocation] = doc["runs"][0]["invocations"]
    assert code == 1
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dump.bin"


def test_a_complete_scan_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bot.py").write_text("import os\n")
    code, out, _ = _run(["scan", str(tmp_path), "-f", "json"], capsys)
    assert (code, json.loads(out)["complete"], json.loads(out)["skipped"]) == (0, True, [])


def test_an_unreadable_file_is_listed(tmp_path: Path, secrets: list[Secret]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads a mode-000 file")
    locked = tmp_path / "locked.env"
    locked.write_text("x\n")
    locked.chmod(0)
    coverage = Coverage()

    assert scan_tree(tmp_path, secrets, coverage=coverage) == []
    assert [(s.location, s.reason) for s in coverage.skipped] == [
        ("locked.env", SkipReason.UNREADABLE)
    ]


@pytest.fixture
def deep(tmp_path: Path) -> Iterator[list[Path]]:
    """A chain of 1,200 nested directories, made and removed one level at a time
    (os.makedirs and shutil.rmtree recurse per level: pytest's own cleanup would fail)."""
    chain = [tmp_path / "tree"]
    for _ in range(1200):
        chain.append(chain[-1] / "d")
    for path in chain:
        path.mkdir()
    yield chain
    for path in reversed(chain):
        for child in path.iterdir():
            if not child.is_dir():
                child.unlink()
        path.rmdir()


def test_a_1200_level_tree_is_walked(
    tmp_path: Path, deep: list[Path], secrets: list[Secret]
) -> None:
    (deep[-1] / "bot.log").write_text(f"signed {SECRET}\n")

    tree_leaks = scan_tree(tmp_path / "tree", secrets)
    log_leaks = scan_logs([f"{tmp_path}/tree/**/*.log"], secrets)

    assert [(x.secret_ref, x.location.count("d/")) for x in tree_leaks] == [(SECRET_REF, 1200)]
    assert [x.secret_ref for x in log_leaks] == [SECRET_REF]


def test_a_glob_stops_at_its_bound_and_says_so(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"dir{i}").mkdir()
        (tmp_path / f"dir{i}" / "bot.log").write_text("x\n")
    coverage = Coverage()

    found = expand_logs([f"{tmp_path}/**/**/**/**/*.log"], coverage, budget=Budget(entries=20))

    assert len(found) < 30
    [skip] = coverage.skipped
    assert (skip.reason, skip.detail) == (
        SkipReason.LIMIT,
        "stopped after 20 directory entries; narrow the glob",
    )


def test_repeated_double_stars_match_like_one(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for rel in ("top.log", "a/mid.log", "a/b/low.log", "a/b/low.log.1", "a/.hidden.log"):
        (tmp_path / rel).write_text("x\n")
    coverage = Coverage()

    found = expand_logs([f"{tmp_path}/**/**/**/**/*.log"], coverage)

    rels = sorted(p.relative_to(tmp_path).as_posix() for p in found)
    assert rels == ["a/b/low.log", "a/b/low.log.1", "a/mid.log", "top.log"]
    assert coverage.complete


def test_too_many_log_files_are_capped_and_listed(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"bot{i:02}.log").write_text("x\n")
    coverage = Coverage()

    found = expand_logs([f"{tmp_path}/*.log"], coverage, max_files=10)

    assert [p.name for p in found] == [f"bot{i:02}.log" for i in range(10)]
    assert [s.reason for s in coverage.skipped] == [SkipReason.LIMIT]


def _bomb(path: Path, gib: int) -> None:
    """A gzip file of `gib` GiB of zeros, about 1 MB on disk per GiB: 16 MiB members repeated."""
    member = gzip.compress(b"\0" * (16 << 20), compresslevel=9)
    with path.open("wb") as fh:
        for _ in range(gib * 64):
            fh.write(member)


def _config(tmp_path: Path, logs: list[str]) -> Path:
    config = tmp_path / "botguard.toml"
    config.write_text(CONFIG.format(logs=json.dumps(logs)))
    return config


def _limited(max_bytes: int) -> None:
    """Child process: an address-space cap, so an unbounded read fails instead of swapping."""
    resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


PEAK = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)
"""A parent whose only child is the command: its RUSAGE_CHILDREN peak is the command's (KiB)."""


def test_a_gzip_bomb_among_rotated_logs_is_cut_at_the_cap(tmp_path: Path) -> None:
    """2 GiB inflated from 2 MB: read up to 256 MiB, listed as truncated, memory bounded."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "bot.log").write_text(f"ok\nkey={KEY}\n")
    _bomb(logs / "bot.log.2.gz", gib=2)
    config = _config(tmp_path, [f"{logs}/bot.log"])
    (tmp_path / "empty").mkdir()
    started = time.monotonic()

    proc = subprocess.run(
        [sys.executable, "-c", PEAK, str(BOTGUARD), "scan", "--config", str(config), "--logs",
         str(tmp_path / "empty"), "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: _limited(1536 << 20),
        timeout=120,
    )  # fmt: skip

    peak_mb = int(proc.stderr.splitlines()[-1]) / 1024
    for value in (KEY, SECRET, PASSWORD):
        assert value not in proc.stdout + proc.stderr
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(Path(x["location"]).name, x["secret_ref"]) for x in doc["leaks"]] == [
        ("bot.log", KEY_REF)
    ]
    assert [(Path(s["location"]).name, s["reason"]) for s in doc["skipped"]] == [
        ("bot.log.2.gz", "truncated")
    ]
    assert peak_mb < 600, f"peak {peak_mb:.0f} MB"
    assert time.monotonic() - started < 60


def _bushy(path: Path, depth: int) -> None:
    """A ternary tree of directories `depth` deep, one bot.log in each (9,841 at depth 8)."""
    stack = [(path, depth)]
    while stack:
        directory, left = stack.pop()
        directory.mkdir()
        (directory / "bot.log").write_text("ok\n")
        stack += [(directory / f"d{i}", left - 1) for i in range(3) if left]


def test_audit_with_repeated_double_stars_finishes(tmp_path: Path) -> None:
    """`logs = [".../**/**/**/**/*.log"]` hung audit and `run --check`: glob.glob walked
    this tree once per way to split each path four ways (over 30 s, unfinished)."""
    _bushy(tmp_path / "srv", depth=8)
    config = _config(tmp_path, [f"{tmp_path}/srv/**/**/**/**/*.log"])
    started = time.monotonic()

    proc = subprocess.run(
        [str(BOTGUARD), "audit", "--config", str(config), "--only", "secrets", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    findings = {f["id"]: f for f in json.loads(proc.stdout)["findings"]}
    logs = findings["secrets.not_in_logs"]
    assert (logs["status"], logs["evidence"]) == ("pass", "9841 log file(s) clean")
    assert time.monotonic() - started < 30
