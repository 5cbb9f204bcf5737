"""The audit's key checks for a Bybit account against the sim's Bybit dialect (real
signing, the real /v5/user/query-api answer), not a one-endpoint stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from botguard.audit import run_audit
from botguard.config import parse_config
from botguard.findings import Status
from botguard.testing.canary import CANARIES
from botguard.testing.sim import start_sim

pytestmark = pytest.mark.sim

P, F = Status.PASS, Status.FAIL
KEY_IDS = ("key.withdrawals_disabled", "key.trading_enabled", "key.transfers_disabled",
           "key.ip_whitelist")  # fmt: skip


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def bybit_key(**key: Any) -> dict[str, Any]:
    return {"name": "main", "exchange": "bybit", "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"], **key}  # fmt: skip


async def audit(tmp_path: Path, url: str) -> dict[str, Any]:
    account = {"name": "main", "exchange": "bybit", "api_key": "env:BOTGUARD_CANARY_API_KEY",
               "secret": "env:BOTGUARD_CANARY_SECRET", "base_url": url}  # fmt: skip
    config = parse_config(
        {"bot": {"name": "bot"}, "state": {"dir": str(tmp_path / "state")}, "account": [account]},
        path=tmp_path / "botguard.toml",
    )
    report = await run_audit(config, only=("key",))
    return {f.id: f for f in report.findings if f.subject == "main"}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ({"permissions": {"spot": True, "futures": True}, "ip_whitelist": ["127.0.0.1"]},
         (P, P, P, P)),
        ({"permissions": {"spot": False, "futures": False, "withdraw": True,
                          "universal_transfer": True}},
         (F, F, F, F)),  # read-only key that can withdraw and move funds, bound to no IP
    ],
)  # fmt: skip
async def test_bybit_key_checks_read_query_api(
    tmp_path: Path, key: dict[str, Any], expected: tuple[Status, ...]
) -> None:
    async with start_sim({"account": [bybit_key(**key)]}) as sim:
        found = await audit(tmp_path, sim.url)
        log = sim.log()
    got = tuple(found[i].status for i in KEY_IDS)
    assert got == expected, {i: found[i].evidence for i in KEY_IDS}
    assert any(e["path"] == "/v5/user/query-api" for e in log)


async def test_a_wrong_secret_is_an_error_naming_bybit_answer(tmp_path: Path) -> None:
    async with start_sim({"account": [bybit_key(secret="another-secret")]}) as sim:
        found = await audit(tmp_path, sim.url)
    outcome = found["key.withdrawals_disabled"]
    assert outcome.status is Status.ERROR
    assert "10004" in outcome.evidence
