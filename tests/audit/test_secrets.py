"""Secrets checks on real git repositories, real files and fixture host trees.

The canaries are planted in files on purpose (the checks must find them), so the
canary guard skips tmp files here and still checks all output.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path
from typing import Any

import pytest

from botguard.audit import run_audit
from botguard.config import Config, parse_config
from botguard.findings import Finding, Status
from botguard.testing.canary import CANARIES
from tests.scan.conftest import git

pytestmark = pytest.mark.plants_canaries
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]


def _config(tmp_path: Path, *, bot: dict[str, Any] | None = None, **account: str) -> Config:
    raw: dict[str, Any] = {
        "bot": {"name": "bot", **(bot or {})},
        "state": {"dir": str(tmp_path / "state")},
        "account": [
            {
                "name": "main",
                "exchange": "binance",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": "env:BOTGUARD_CANARY_SECRET",
                **account,
            }
        ],
    }
    return parse_config(raw, path=tmp_path / "botguard.toml")


async def _check(config: Config, check_id: str, root: Path) -> Finding:
    report = await run_audit(config, root=root, only=["secrets"])
    found = next(f for f in report.findings if f.id == check_id)
    for value in CANARIES.values():
        assert value not in found.evidence
        assert value not in found.subject
    return found


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A git repository for the bot's source, with .env ignored."""
    path = tmp_path / "bot"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / ".gitignore").write_text(".env\n")
    (path / "main.py").write_text("import os\nKEY = os.environ['EX_API_KEY']\n")
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "start")
    return path


async def test_secret_in_a_deleted_commit_fails_history(tmp_path: Path, workdir: Path) -> None:
    """The classic leak: committed, then deleted in the next commit; still in history."""
    (workdir / "config.py").write_text(f"SECRET = '{SECRET}'\n")
    git(workdir, "add", "config.py")
    git(workdir, "commit", "-q", "-m", "oops")
    leaked = git(workdir, "rev-parse", "HEAD")
    git(workdir, "rm", "-q", "config.py")
    git(workdir, "commit", "-q", "-m", "remove secret")
    config = _config(tmp_path, bot={"workdir": str(workdir)})

    history = await _check(config, "secrets.not_in_git_history", tmp_path)
    code = await _check(config, "secrets.not_in_code", tmp_path)

    assert history.status is Status.FAIL
    assert leaked[:12] in history.evidence
    assert "env:BOTGUARD_CANARY_SECRET in config.py:1" in history.evidence
    assert code.status is Status.PASS


async def test_secret_only_on_a_side_branch_fails_history(tmp_path: Path, workdir: Path) -> None:
    git(workdir, "checkout", "-q", "-b", "experiment")
    (workdir / "keys.txt").write_text(KEY + "\n")
    git(workdir, "add", "keys.txt")
    git(workdir, "commit", "-q", "-m", "wip")
    git(workdir, "checkout", "-q", "main")
    config = _config(tmp_path, bot={"workdir": str(workdir)})

    found = await _check(config, "secrets.not_in_git_history", tmp_path)

    assert found.status is Status.FAIL
    assert "env:BOTGUARD_CANARY_API_KEY in keys.txt" in found.evidence


async def test_clean_history_passes(tmp_path: Path, workdir: Path) -> None:
    config = _config(tmp_path, bot={"workdir": str(workdir)})
    assert (await _check(config, "secrets.not_in_git_history", tmp_path)).status is Status.PASS


async def test_secret_in_source_fails_even_base64_encoded(tmp_path: Path, workdir: Path) -> None:
    encoded = base64.b64encode(SECRET.encode()).decode()
    (workdir / "settings.py").write_text(f"# config\nBLOB = '{encoded}'\n")
    config = _config(tmp_path, bot={"workdir": str(workdir)})

    found = await _check(config, "secrets.not_in_code", tmp_path)

    assert found.status is Status.FAIL
    assert "settings.py:2 (base64)" in found.evidence
    assert found.subject == str(workdir / "settings.py")


async def test_secret_in_ignored_env_is_where_it_belongs(tmp_path: Path, workdir: Path) -> None:
    (workdir / ".env").write_text(f"EX_API_SECRET={SECRET}\n")
    (workdir / ".env").chmod(0o600)
    config = _config(tmp_path, bot={"workdir": str(workdir)})

    assert (await _check(config, "secrets.not_in_code", tmp_path)).status is Status.PASS
    assert (await _check(config, "secrets.env_ignored", tmp_path)).status is Status.PASS


async def test_tracked_env_fails_env_ignored(tmp_path: Path, workdir: Path) -> None:
    (workdir / ".env").write_text("EX_API_KEY=placeholder\n")
    git(workdir, "add", "-f", ".env")
    config = _config(tmp_path, bot={"workdir": str(workdir)})

    found = await _check(config, "secrets.env_ignored", tmp_path)

    assert found.status is Status.FAIL
    assert found.evidence == ".env is tracked by git"


async def test_no_env_at_all_is_skipped_not_failed(tmp_path: Path, workdir: Path) -> None:
    """A bot whose secrets live elsewhere (freqtrade's config.json, systemd credentials) has
    no .env to ignore: that is not a finding. SKIP, not PASS: the title ".env is git-ignored"
    would be false, and the evidence says a future .env needs ignoring."""
    (workdir / ".gitignore").write_text("__pycache__/\n")
    config = _config(tmp_path, bot={"workdir": str(workdir)})

    found = await _check(config, "secrets.env_ignored", tmp_path)

    assert found.status is Status.SKIP
    assert (
        found.evidence
        == "no .env in the workdir: nothing to ignore (add .env to .gitignore before creating one)"
    )


async def test_absent_but_ignored_env_passes(tmp_path: Path, workdir: Path) -> None:
    config = _config(tmp_path, bot={"workdir": str(workdir)})
    assert (await _check(config, "secrets.env_ignored", tmp_path)).status is Status.PASS


async def test_secret_in_rotated_gzipped_log_fails(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "bot.log").write_text("started\n")
    with gzip.open(logs / "bot.log.2.gz", "wt") as fh:
        fh.write(f"request headers: X-MBX-APIKEY: {KEY}\n")
    config = _config(tmp_path, bot={"logs": [str(logs / "*.log")]})

    found = await _check(config, "secrets.not_in_logs", tmp_path)

    assert found.status is Status.FAIL
    assert found.subject == str(logs / "bot.log.2.gz")


async def test_clean_logs_pass_and_no_logs_skip(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "bot.log").write_text("started\n")
    clean = _config(tmp_path, bot={"logs": [str(logs / "*.log")]})
    none = _config(tmp_path)

    assert (await _check(clean, "secrets.not_in_logs", tmp_path)).status is Status.PASS
    assert (await _check(none, "secrets.not_in_logs", tmp_path)).status is Status.SKIP


async def test_secret_on_a_crontab_line_fails(tmp_path: Path) -> None:
    root = tmp_path / "host"
    (root / "etc/cron.d").mkdir(parents=True)
    (root / "etc/cron.d/bot").write_text(f"* * * * * bot /opt/bot/run --secret {SECRET}\n")
    config = _config(tmp_path)

    found = await _check(config, "secrets.not_on_command_line", root)

    assert found.status is Status.FAIL
    assert "/etc/cron.d/bot:1" in found.evidence


async def test_clean_host_passes_command_line(tmp_path: Path) -> None:
    root = tmp_path / "host"
    (root / "etc/systemd/system").mkdir(parents=True)
    (root / "etc/systemd/system/bot.service").write_text("[Service]\nExecStart=/opt/bot/run\n")

    found = await _check(_config(tmp_path), "secrets.not_on_command_line", root)

    assert found.status is Status.PASS


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "sarif"])
def test_found_leaks_never_reach_the_report(
    tmp_path: Path, workdir: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every format of a failing secrets audit names the reference and place, never the value.

    The canary guard checks this test's output too, in raw and encoded forms.
    """
    from botguard.cli import main

    (workdir / "keys.py").write_text(f"KEY = '{KEY}'\nSECRET = '{SECRET}'\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "bot.log").write_text(f"signed with {SECRET}\n")
    config = tmp_path / "botguard.toml"
    config.write_text(
        f'[bot]\nname = "bot"\nworkdir = "{workdir}"\nlogs = ["{logs}/*.log"]\n'
        f'[state]\ndir = "{tmp_path / "state"}"\n[[account]]\nname = "main"\n'
        'exchange = "binance"\napi_key = "env:BOTGUARD_CANARY_API_KEY"\n'
        'secret = "env:BOTGUARD_CANARY_SECRET"\nbase_url = "http://127.0.0.1:9"\n'
    )

    code = main(["audit", "--config", str(config), "--only", "secrets", "-f", fmt])
    out = capsys.readouterr().out

    assert code == 1
    assert "keys.py" in out
    assert "env:BOTGUARD_CANARY_SECRET" in out
    for value in CANARIES.values():
        assert value not in out
