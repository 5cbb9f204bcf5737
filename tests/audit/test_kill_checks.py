"""kill.configured and kill.drilled_recently, from the config and a real journal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from botguard.audit import run_audit
from botguard.config import Config
from botguard.findings import Finding, Status
from botguard.journal import Journal


async def _kill(config: Config) -> dict[str, Finding]:
    report = await run_audit(config, root=Path("/nonexistent"), only=["kill"])
    return {f.id: f for f in report.findings}


def _drill(state: Path, status: str, days_ago: float = 0) -> None:
    at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    with Journal(state) as journal:
        run_id = f"drill-{status}-{days_ago}"
        journal.start_run(run_id, "drill")
        journal.finish_run(run_id, status, {})
        journal.db.execute("UPDATE runs SET started_at = ? WHERE id = ?", (at, run_id))


async def test_account_and_service_is_configured(config_for: Callable[..., Config]) -> None:
    found = (await _kill(config_for(service="bot")))["kill.configured"]
    assert found.status is Status.PASS
    assert found.evidence.startswith("1 account(s), halt by service bot")


@pytest.mark.parametrize(
    ("accounts", "bot", "words"),
    [([], {"service": "bot"}, "no [[account]]"), (None, {}, "no [bot] service or pidfile")],
)
async def test_missing_halves_fail(
    config_for: Callable[..., Config],
    accounts: list[object] | None,
    bot: dict[str, str],
    words: str,
) -> None:
    found = (await _kill(config_for(accounts=accounts, **bot)))["kill.configured"]
    assert found.status is Status.FAIL
    assert words in found.evidence


async def test_recent_flat_drill_passes(config_for: Callable[..., Config], tmp_path: Path) -> None:
    _drill(tmp_path / "state", "flat", days_ago=3)
    found = (await _kill(config_for()))["kill.drilled_recently"]
    assert found.status is Status.PASS
    assert found.evidence.endswith("ended flat")


@pytest.mark.parametrize(
    ("drills", "words"),
    [
        ([], "no drill in the journal"),
        ([("flat", 31)], "31 days ago"),
        ([("flat", 10), ("residual", 1)], "ended residual"),
    ],
)
async def test_old_failed_or_missing_drill_fails(
    config_for: Callable[..., Config], tmp_path: Path, drills: list[tuple[str, float]], words: str
) -> None:
    """A drill that left exposure proves the switch does not work, however recent."""
    for status, days in drills:
        _drill(tmp_path / "state", status, days)
    found = (await _kill(config_for()))["kill.drilled_recently"]
    assert found.status is Status.FAIL
    assert words in found.evidence


async def test_recent_drill_that_cancelled_as_configured_passes(
    config_for: Callable[..., Config], tmp_path: Path
) -> None:
    """`[kill] flatten = false`: a drill verified every order cancelled, as configured."""
    _drill(tmp_path / "state", "cancelled", days_ago=3)
    found = (await _kill(config_for()))["kill.drilled_recently"]
    assert found.status is Status.PASS
    assert found.evidence.endswith("ended cancelled")
