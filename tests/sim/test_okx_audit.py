"""The audit's key checks for an OKX account against the sim's OKX dialect (real signing,
real account/config), not a one-endpoint stand-in."""

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

P, F, M = Status.PASS, Status.FAIL, Status.MANUAL
KEY_IDS = ("key.withdrawals_disabled", "key.trading_enabled", "key.transfers_disabled",
           "key.ip_whitelist")  # fmt: skip


@pytest.fixture(autouse=True)
def canary_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)


def okx_key(**key: Any) -> dict[str, Any]:
    return {
        "name": "main", "exchange": "okx", "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "passphrase": CANARIES["BOTGUARD_CANARY_PASSWORD"], **key,
    }  # fmt: skip


async def audit(tmp_path: Path, url: str, **extra: Any) -> dict[str, Any]:
    account = {
        "name": "main", "exchange": "okx", "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET", "password": "env:BOTGUARD_CANARY_PASSWORD",
        "base_url": url, **extra,
    }  # fmt: skip
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
         (P, P, M, P)),  # trade only, bound to this host; OKX reports no transfer right
        ({"permissions": {"spot": False, "futures": False, "withdraw": True}},
         (F, F, M, F)),  # withdraw on, cannot trade, bound to no IP
    ],
)  # fmt: skip
async def test_okx_key_checks_read_account_config(
    tmp_path: Path, key: dict[str, Any], expected: tuple[Status, ...]
) -> None:
    async with start_sim({"account": [okx_key(**key)]}) as sim:
        found = await audit(tmp_path, sim.url)
        log = sim.log()
    got = tuple(found[i].status for i in KEY_IDS)
    assert got == expected, {i: found[i].evidence for i in KEY_IDS}
    assert [e["path"] for e in log if e["path"] == "/api/v5/account/config"]


async def test_a_wrong_passphrase_is_an_error_naming_okx_answer(tmp_path: Path) -> None:
    async with start_sim({"account": [okx_key(passphrase="another-one")]}) as sim:
        found = await audit(tmp_path, sim.url)
    outcome = found["key.withdrawals_disabled"]
    assert outcome.status is Status.ERROR
    assert "50105" in outcome.evidence
