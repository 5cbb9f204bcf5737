"""`audit` and `scan` read without typer (cli/early.py) say and exit exactly as typer does.

The early path exists for start-up time (issue 18): typer, every command module and a
pydantic adapter per parameter cost tens of milliseconds before the first request. It
must never be a second CLI: its tables equal typer's parameters, every argv of the
table below gives the same stdout, stderr, exit code and written file both ways, and
any argv it reads is one typer parses to the same values (a property over generated
command lines). Help, root options and every malformed flag are typer's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import botguard.cli
from botguard.cli import early, main
from botguard.cli.commands import app

HOSTS = Path(__file__).resolve().parent.parent / "data" / "hosts"
HARDENED = str(HOSTS / "hardened")
PEM = "-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEowIBAAKCAQEA7vq3" * 4 + "\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A config (no accounts), a clean tree and a tree with a private key in it."""
    (tmp_path / "botguard.toml").write_text(
        f'[bot]\nname = "gridbot"\n\n[state]\ndir = "{tmp_path / "state"}"\n'
    )
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "bot.py").write_text("print('hello')\n")
    (tmp_path / "leaky").mkdir()
    (tmp_path / "leaky" / "id_rsa").write_text(PEM)
    return tmp_path


def _cases() -> Iterator[tuple[list[str], bool]]:
    """(argv with {tmp} for the fixture dir, whether the early path reads it)."""
    cfg = ["-c", "{tmp}/botguard.toml"]
    host = ["--root", HARDENED, "--only", "host"]
    for argv in (
        [*host, "-f", "json"], [*host, "--format=markdown"], [*host, "-f", "sarif"], host,
        ["--root=" + HARDENED, "--only=host", "--skip", "host.firewall_default_deny", "-f",
         "json"],
        [*host, "-o", "{tmp}/report.json", "-f", "json"], [*host, "--output={tmp}/report.md",
         "-f", "markdown"],
        ["--root", HARDENED, "--skip", "host.firewal_default_deny"],
        ["--root", HARDENED, "--only", "hosts"], ["--root", "{tmp}/nowhere"],
        [*host, "-o", "{tmp}/nowhere/report.json"],
    ):  # fmt: skip
        yield ["audit", *cfg, *argv], True
    yield ["audit", "-c", "{tmp}/missing.toml", *host], True
    for argv in (
        ["{tmp}/clean"], ["{tmp}/leaky"], ["{tmp}/leaky", "-f", "json"],
        ["--format=sarif", "{tmp}/leaky"], ["{tmp}/clean", "{tmp}/leaky", "--min-confidence",
        "high"], ["{tmp}/leaky", "--no-patterns"], ["{tmp}/leaky", "-f", "markdown"],
        ["{tmp}/leaky", "--min-confidence", "sure"], ["--staged", "--history", "{tmp}/clean"],
        ["{tmp}/leaky", "--write-baseline", "{tmp}/baseline.json"], ["{tmp}/leaky", "--logs"],
        ["{tmp}/nowhere"], ["{tmp}/leaky", "--host", "--root", "{tmp}/nowhere"],
    ):  # fmt: skip
        yield ["scan", *cfg, *argv], True
    for argv in (
        ["audit", "--bogus"], ["audit", "-f", "yaml"], ["audit", "-f"], ["audit", "--root"],
        ["audit", "extra"], ["audit", "--help"], ["audit", "-fjson"], ["audit", "--only", ""],
        ["audit", "--format", "JSON"], ["-v", "audit", "--root", HARDENED, "--only", "host"],
        ["scan", "--history=yes"], ["scan", "--", "{tmp}/clean"], ["scan", "-x"],
        ["scan", "--log"], ["scan", "--help"], ["scan", "-c"], ["--version"], [],
        ["audits"], ["scan", "", "{tmp}/clean"],
    ):  # fmt: skip
        yield argv, False


CASES = list(_cases())


def _run(
    argv: list[str], tmp: Path, capfd: pytest.CaptureFixture[str]
) -> tuple[int, str, str, str]:
    """main(argv) with {tmp} filled in: exit code, stdout, stderr and any written report."""
    for written in tmp.glob("report.*"):
        written.unlink()
    code = main([a.replace("{tmp}", str(tmp)) for a in argv])
    out, err = capfd.readouterr()
    files = "".join(p.read_text() for p in sorted(tmp.glob("report.*")))
    return code, out, err.replace(str(tmp), "{tmp}"), files


@pytest.mark.parametrize(
    ("argv", "is_early"), CASES, ids=[" ".join(a).replace(HARDENED, "{hardened}") for a, _ in CASES]
)
def test_the_early_path_and_typer_agree(
    argv: list[str],
    is_early: bool,
    tree: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BOTGUARD_CONFIG", raising=False)
    typer_calls: list[list[str]] = []
    typer_main = botguard.cli._typer_main

    def spy(args: list[str]) -> int:
        typer_calls.append(args)
        return typer_main(args)

    monkeypatch.setattr(botguard.cli, "_typer_main", spy)
    fast = _run(argv, tree, capfd)
    assert bool(typer_calls) is not is_early  # the row is read where the table says
    monkeypatch.setattr(early, "run_early", lambda _argv: None)
    slow = _run(argv, tree, capfd)
    assert fast == slow
    assert slow[0] in (0, 1, 2, 3)


def test_botguard_config_is_the_config_default_both_ways(
    tree: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["audit", "--root", HARDENED, "--only", "host", "-f", "json"]
    monkeypatch.setenv("BOTGUARD_CONFIG", str(tree / "missing.toml"))
    fast = _run(argv, tree, capfd)
    monkeypatch.setattr(early, "run_early", lambda _argv: None)
    assert fast == _run(argv, tree, capfd)
    assert fast[0] == 2
    assert "missing.toml" in fast[2]


def test_a_bad_botguard_log_is_the_same_one_line_both_ways(
    tree: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["scan", "-c", "{tmp}/botguard.toml", "{tmp}/clean"]
    monkeypatch.setenv("BOTGUARD_LOG", "loud")
    fast = _run(argv, tree, capfd)
    monkeypatch.setattr(early, "run_early", lambda _argv: None)
    assert fast == _run(argv, tree, capfd)
    assert fast[0] == 2
    assert fast[2].count("\n") == 1


def _typer_params(command: str) -> dict[str, tuple[str, bool, bool]]:
    """typer's {option string: (keyword, is a flag, repeatable)} for one command."""
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return {
        opt: (p.name, bool(getattr(p, "is_flag", False)), p.multiple)
        for p in click_command.params
        for opt in p.opts
        if opt.startswith("-")
    }


@pytest.mark.parametrize(("command", "table"), [("audit", early.AUDIT), ("scan", early.SCAN)])
def test_the_early_tables_are_typers_options(command: str, table: Any) -> None:
    mine = {
        name: (o.dest, o.kind is early.Kind.FLAG, o.kind is early.Kind.REPEATED)
        for name, o in table.items()
    }
    assert mine == _typer_params(command)


_VALUES = st.sampled_from(["json", "text", "sarif", "markdown", "host", "key", "a b", "x=y",
                           "/tmp/t", "medium", "-v", "", "--root", "ü"])  # fmt: skip


def _argv(table: Any, positional: bool) -> st.SearchStrategy[list[str]]:
    names = sorted(table)
    spelled = st.one_of(
        st.tuples(st.sampled_from(names), _VALUES).map(list),
        st.tuples(st.sampled_from([n for n in names if n.startswith("--")]), _VALUES).map(
            lambda t: [f"{t[0]}={t[1]}"]
        ),
        st.sampled_from(names).map(lambda n: [n]),
        st.sampled_from(["--help", "-h", "--", "-fjson", "--nope"]).map(lambda n: [n]),
        *([_VALUES.map(lambda v: [v])] if positional else []),
    )
    return st.lists(spelled, max_size=6).map(lambda parts: [t for p in parts for t in p])


def _typer_parse(command: str, args: list[str]) -> dict[str, Any]:
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    ctx = click_command.make_context(command, list(args))
    return {k: list(v) if isinstance(v, list | tuple) else v for k, v in ctx.params.items()}


def _check_against_typer(command: str, table: Any, args: list[str], positional: bool) -> None:
    mine = early.parse_plain(args, table, positional="paths" if positional else None)
    if mine is None:
        return  # typer parses it, and says what is wrong
    theirs = _typer_parse(command, args)
    for key, value in theirs.items():
        default = [] if isinstance(value, list) else _typer_parse(command, [])[key]
        assert mine.get(key, default) == value, (key, args)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=_argv(early.AUDIT, positional=False))
def test_any_audit_argv_read_early_is_read_the_same_by_typer(args: list[str]) -> None:
    _check_against_typer("audit", early.AUDIT, args, positional=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=_argv(early.SCAN, positional=True))
def test_any_scan_argv_read_early_is_read_the_same_by_typer(args: list[str]) -> None:
    _check_against_typer("scan", early.SCAN, args, positional=True)


_WITH_MODULES = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("botguard", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    ("argv", "absent"),
    [
        (["audit", "-c", "{tmp}/botguard.toml", "--root", HARDENED, "--only", "host", "-f",
          "json"], {"typer", "click", "rich"}),
        (["scan", "-c", "{tmp}/botguard.toml", "{tmp}/leaky", "-f", "json"],
         {"typer", "click", "rich"}),
        # no config named or present (a pre-commit hook): patterns only, so no pydantic
        (["scan", "{tmp}/leaky", "-f", "sarif"], {"typer", "click", "rich", "pydantic"}),
    ],
    ids=["audit", "scan", "scan-without-config"],
)  # fmt: skip
def test_a_plain_audit_or_scan_process_imports_only_what_it_uses(
    tree: Path, argv: list[str], absent: set[str]
) -> None:
    modules_file = tree / "modules.json"
    proc = subprocess.run(
        [sys.executable, "-c", _WITH_MODULES, str(modules_file),
         *(a.replace("{tmp}", str(tree)) for a in argv)],
        capture_output=True, text=True, check=False, cwd=tree / "clean", timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)  # the report was printed
    modules = set(json.loads(modules_file.read_text()))
    assert not {m for m in modules if m.split(".")[0] in absent}
    assert "botguard.cli.commands" not in modules  # no other command module either


def test_scan_names_the_configs_default_path_as_the_config_does() -> None:
    from botguard.cli.scanning import DEFAULT_CONFIG
    from botguard.config import DEFAULT_CONFIG as CONFIGS

    assert DEFAULT_CONFIG == CONFIGS
