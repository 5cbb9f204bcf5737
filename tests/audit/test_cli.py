"""`botguard audit` and `botguard attest` through main(argv): exit codes, output, alerts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from botguard.cli import main
from botguard.journal import Journal
from botguard.report import json as json_report

from .conftest import HOSTS

SARIF_SCHEMA = Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json"
Run = Callable[..., tuple[int, str, str]]


def _toml(tmp_path: Path, *, alerts: str = "") -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        '[bot]\nname = "gridbot"\nservice = "bot.service"\n\n'
        f'[state]\ndir = "{tmp_path / "state"}"\n' + alerts
    )
    return path


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """main([...]) with this test's config; returns (exit code, stdout, stderr)."""

    def _run(*args: str, config: Path | None = None) -> tuple[int, str, str]:
        code = main([*args, "--config", str(config or _toml(tmp_path))])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def _json(out: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(out)
    jsonschema.validate(doc, json_report.schema())
    return doc


def test_hardened_host_exits_0_with_valid_json(run: Run) -> None:
    code, out, _ = run("audit", "--root", str(HOSTS / "hardened"), "--only", "host", "-f", "json")
    doc = _json(out)
    assert code == 0
    assert {f["category"] for f in doc["findings"]} == {"host"}
    assert "fail" not in {f["status"] for f in doc["findings"]}


def test_a_failing_check_exits_1(run: Run) -> None:
    code, out, _ = run("audit", "--root", str(HOSTS / "unit_root"), "--only", "host", "-f", "json")
    failed = {f["id"] for f in _json(out)["findings"] if f["status"] == "fail"}
    assert code == 1
    assert "host.non_root_user" in failed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--skip", "host.firewal_default_deny"], "did you mean host.firewall_default_deny?"),
        (["--skip", "nothing"], "is not a check id"),
        (["--only", "hosts"], "--only 'hosts' is not a category; use one of exchange, host,"),
    ],
)
def test_unknown_ids_exit_2_with_one_line(run: Run, args: list[str], message: str) -> None:
    code, out, err = run("audit", "--root", str(HOSTS / "hardened"), *args)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert message in err


def test_bad_config_exits_2(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[bot]\nname = "x"\n[[account]]\nname = "a"\nexchange = "binance"\n')
    code, _, err = run("audit", config=bad)
    assert code == 2
    assert "api_key: required key is missing" in err


def test_skip_and_only_select_checks(run: Run) -> None:
    args = ["--only", "host", "--only", "kill", "--skip", "host.clock_synced", "-f", "json"]
    code, out, _ = run("audit", "--root", str(HOSTS / "hardened"), *args)
    ids = [f["id"] for f in _json(out)["findings"]]
    assert "host.clock_synced" not in ids
    assert {i.split(".")[0] for i in ids} == {"host", "kill"}
    assert code == 1  # kill.configured: no account


def test_text_is_the_default_and_sarif_goes_to_a_file(run: Run, tmp_path: Path) -> None:
    root = str(HOSTS / "unit_root")
    code, out, _ = run("audit", "--root", root, "--only", "host")
    target = tmp_path / "audit.sarif"
    run("audit", "--root", root, "--only", "host", "-f", "sarif", "-o", str(target))
    assert code == 1
    assert "host.non_root_user" in out
    assert "fail" in out.splitlines()[-2]  # the counts, then the next step
    assert out.splitlines()[-1].startswith("next: ")
    jsonschema.validate(json.loads(target.read_text()), json.loads(SARIF_SCHEMA.read_text()))


def _exchange(run: Run) -> dict[str, dict[str, Any]]:
    _, out, _ = run("audit", "--only", "exchange", "-f", "json")
    return {f["id"]: f for f in _json(out)["findings"]}


def test_attest_records_and_the_check_passes(run: Run, tmp_path: Path) -> None:
    assert _exchange(run)["exchange.two_factor"]["status"] == "manual"

    code, out, _ = run("attest", "exchange.two_factor", "--note", "yubikey on the account")
    found = _exchange(run)

    assert code == 0
    assert "attested exchange.two_factor" in out
    assert found["exchange.two_factor"]["status"] == "pass"
    assert "yubikey on the account" in found["exchange.two_factor"]["evidence"]
    assert found["exchange.alerts"]["status"] == "manual"


def test_attestation_expires_after_90_days(run: Run, tmp_path: Path) -> None:
    run("attest", "exchange.alerts", "--note", "e-mail alerts on")
    old = (datetime.now(UTC) - timedelta(days=91)).isoformat()
    with Journal(tmp_path / "state") as journal:
        journal.db.execute("UPDATE attestations SET at = ?", (old,))

    found = _exchange(run)["exchange.alerts"]

    assert found["status"] == "manual"
    assert "expired (90 days)" in found["evidence"]


def test_attest_unknown_id_exits_2(run: Run) -> None:
    code, _, err = run("attest", "host.clock_synced")
    assert code == 2
    assert "cannot be attested" in err


async def test_failures_go_to_the_alert_urls(
    run: Run,
    tmp_path: Path,
    webhook: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """main() runs its own event loop, so it runs in a thread while the webhook serves here."""
    url, received = webhook
    monkeypatch.setenv("BG_ALERT_URL", url)
    config = _toml(tmp_path, alerts='\n[alerts]\nurls = ["env:BG_ALERT_URL"]\n')
    root = ["--root", str(HOSTS / "unit_root"), "--only", "host"]

    code, _, _ = await asyncio.to_thread(run, "audit", *root, config=config)
    clean = ["--root", str(HOSTS / "hardened"), "--only", "host"]
    clean_code, _, _ = await asyncio.to_thread(run, "audit", *clean, config=config)

    assert (code, clean_code) == (1, 0)
    (alert,) = received
    assert alert["title"].startswith("botguard audit (gridbot): ")
    assert "host.non_root_user [high] bot.service: bot.service: no User=" in alert["message"]
    assert alert["type"] == "warning"
