"""`botguard scan` end to end through main(): exit codes, formats, baselines, the hook."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from botguard.cli import main

from .conftest import KEY, PASSWORD, SECRET, Commit, git

KEY64 = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"
MISSING_LINE = 'password = "env:BOTGUARD_MISSING_PASSPHRASE"\n'
SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
CONFIG = """
[bot]
name = "gridbot"
workdir = "{workdir}"
logs = ["{logs}/*.log"]

[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
password = "env:BOTGUARD_MISSING_PASSPHRASE"
"""


@pytest.fixture
def config(
    tmp_path: Path, repo: Path, canary_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("COLUMNS", "200")  # rich's table width when stdout is not a terminal
    logs = tmp_path / "logs"
    logs.mkdir()
    path = tmp_path / "botguard.toml"
    path.write_text(CONFIG.format(workdir=repo, logs=logs))
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    for value in (KEY, SECRET, PASSWORD):
        assert value not in out + err
    return code, out, err


def test_clean_repo_exits_0(
    config: Path, commit: Commit, capsys: pytest.CaptureFixture[str]
) -> None:
    commit({"bot.py": "import os\n"})
    code, out, err = run(["scan", "--config", str(config), "--history"], capsys)
    assert (code, out.strip()) == (0, "No leaks found.")
    assert "BOTGUARD_MISSING_PASSPHRASE" in err
    assert "patterns only" in err


def test_leak_in_history_exits_1_with_a_masked_table(
    config: Path, commit: Commit, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = commit({"cfg.py": f"X = '{KEY}'\n"})
    commit({"cfg.py": "X = None\n"})
    code, out, _ = run(["scan", "--config", str(config), "--history"], capsys)
    assert code == 1
    assert "cfg.py:1" in out
    assert sha[:10] in out
    assert "env:BOTGUARD_CANARY_API_KEY" in out
    assert KEY[:4] + "…" in out


def test_json_report_fields(
    config: Path, commit: Commit, capsys: pytest.CaptureFixture[str]
) -> None:
    commit({".gitignore": ".env\n"})
    (config.parent / "bot" / ".env").write_text(f"SECRET={SECRET}\n")
    code, out, _ = run(["scan", "--config", str(config), "--format", "json"], capsys)
    [leak] = json.loads(out)["leaks"]
    assert code == 1
    assert leak["location"] == ".env"
    assert leak["ignored"] is True
    assert leak["secret_ref"] == "env:BOTGUARD_CANARY_SECRET"
    assert leak["line"] == 1


def test_sarif_validates_against_the_schema(
    config: Path, commit: Commit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    commit({"a.py": f"K = '{KEY}'\n", "b.env": f"BINANCE_API_KEY={KEY64}\n"})
    out_file = tmp_path / "scan.sarif"
    code, _, _ = run(
        ["scan", "--config", str(config), "--format", "sarif", "--output", str(out_file)], capsys
    )
    doc = json.loads(out_file.read_text())
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    rules = {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert code == 1
    assert rules == {"secret.known_value", "binance.api_key"}


def test_baseline_suppresses_accepted_findings_only(
    config: Path, commit: Commit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    commit({"old.txt": f"{KEY}\n"})
    baseline = tmp_path / "baseline.json"
    code, _, _ = run(["scan", "-c", str(config), "--write-baseline", str(baseline)], capsys)
    assert code == 0
    assert KEY not in baseline.read_text()

    code, out, _ = run(["scan", "-c", str(config), "--baseline", str(baseline)], capsys)
    assert code == 0
    assert "1 accepted in the baseline" in out

    (config.parent / "bot" / "new.txt").write_text(f"{SECRET}\n")
    code, out, _ = run(["scan", "-c", str(config), "--baseline", str(baseline)], capsys)
    assert code == 1
    assert "new.txt" in out
    assert "old.txt" not in out


def test_logs_from_the_config(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (config.parent / "logs" / "bot.log").write_text(f"key={KEY[:16]}…\n")
    code, out, _ = run(["scan", "-c", str(config), "--logs", "--format", "json"], capsys)
    [leak] = json.loads(out)["leaks"]
    assert code == 1
    assert leak["encoding"] == "prefix"


def test_a_log_inside_the_tree_counts_each_leak_once_per_line(
    config: Path, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read as a file and as a log, with a value twice on a line: still one leak per line.

    freqtrade keeps its logs in its tree: 2 secrets came out as 78 leaks.
    """
    logs = repo / "user_data" / "logs"
    logs.mkdir(parents=True)
    key64 = base64.b64encode(KEY.encode()).decode()
    (logs / "freqtrade.log").write_text(
        f"INFO start\nDEBUG key={KEY} auth={key64} again={KEY}\nDEBUG secret={SECRET}\n"
    )
    glob = str(logs / "*.log")

    code, out, _ = run(["scan", "-c", str(config), "--log", glob, "-f", "json"], capsys)

    leaks = json.loads(out)["leaks"]
    assert code == 1
    assert [(x["location"], x["line"], x["secret_ref"], x["encoding"]) for x in leaks] == [
        ("user_data/logs/freqtrade.log", 2, "env:BOTGUARD_CANARY_API_KEY", "raw"),
        ("user_data/logs/freqtrade.log", 3, "env:BOTGUARD_CANARY_SECRET", "raw"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "markdown"], "--format 'markdown' is not supported"),
        (["--baseline", "/nonexistent/b.json"], "baseline not found"),
        (["--history", "--staged"], "do not go together"),
        (["--logs"], "--logs needs"),
        (["/nonexistent/tree"], "no such file or directory"),
        (["--min-confidence", "sure"], "--min-confidence 'sure'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOTGUARD_CONFIG", raising=False)
    code, _, err = run(["scan", *args], capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_no_config_means_patterns_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOTGUARD_CONFIG", raising=False)
    (tmp_path / "raw.txt").write_text(f"{KEY}\n")
    assert run(["scan"], capsys)[0] == 0
    (tmp_path / ".env").write_text(
        "KRAKEN_SECRET=" + base64.b64encode(bytes(range(7, 71))).decode() + "\n"
    )
    code, out, _ = run(["scan", "--format", "json"], capsys)
    assert code == 1
    assert [x["rule"] for x in json.loads(out)["leaks"]] == ["kraken.secret"]


def test_pre_commit_hook_refuses_a_commit_that_adds_a_secret(
    repo: Path, commit: Commit, canary_env: dict[str, str], tmp_path: Path
) -> None:
    """Run the hook's own entry (from .pre-commit-hooks.yaml) as git's pre-commit hook."""
    hooks = Path(__file__).parents[2] / ".pre-commit-hooks.yaml"
    entry = next(
        line.split(":", 1)[1].strip() for line in hooks.read_text().splitlines() if "entry:" in line
    )
    botguard = Path(sys.executable).with_name("botguard")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {botguard} {entry.removeprefix('botguard ')}\n")
    hook.chmod(0o755)
    (repo / "botguard.toml").write_text(
        CONFIG.format(workdir=repo, logs=tmp_path).replace(MISSING_LINE, "")
    )
    commit({"botguard.toml": (repo / "botguard.toml").read_text(), "bot.py": "import os\n"})

    (repo / "bot.py").write_text(f"import os\nKEY = '{KEY}'\n")
    git(repo, "add", "bot.py")
    env = {**os.environ, "HOME": str(tmp_path), "GIT_AUTHOR_NAME": "d", "GIT_AUTHOR_EMAIL": "d@x",
           "GIT_COMMITTER_NAME": "d", "GIT_COMMITTER_EMAIL": "d@x"}  # fmt: skip
    refused = subprocess.run(
        ["git", "-C", str(repo), "commit", "-m", "add key"], capture_output=True, text=True, env=env
    )
    assert refused.returncode != 0
    shown = refused.stdout + refused.stderr  # git sends a hook's stdout to stderr
    assert "bot.py:2" in shown
    assert KEY[:4] + "…" in shown
    assert KEY not in shown

    (repo / "bot.py").write_text("import os\nKEY = os.environ['EX_API_KEY']\n")
    git(repo, "add", "bot.py")
    accepted = subprocess.run(
        ["git", "-C", str(repo), "commit", "-m", "use env"], capture_output=True, text=True, env=env
    )
    assert accepted.returncode == 0, accepted.stdout


def test_host_scan_of_a_fixture_root(
    config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "host"
    (root / "etc" / "cron.d").mkdir(parents=True)
    (root / "etc" / "cron.d" / "bot").write_text(f"@reboot bot /opt/bot/run {SECRET}\n")
    args = ["scan", "-c", str(config), "--host", "--root", str(root), "--format", "json"]
    code, out, _ = run(args, capsys)
    host = [x for x in json.loads(out)["leaks"] if x["location"].startswith("/etc")]
    assert code == 1
    assert [(x["location"], x["secret_ref"]) for x in host] == [
        ("/etc/cron.d/bot", "env:BOTGUARD_CANARY_SECRET")
    ]
