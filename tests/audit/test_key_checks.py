"""The four key.* checks (and exchange.withdrawal_whitelist) from the exchanges' own answers.

Binance is the real `botguard sim` (signatures, IP whitelist and key flags checked as
Binance does). OKX, Bybit, Deribit and Hyperliquid are local aiohttp servers that
stand in for the exchange because no exchange is reachable from the test machine;
each answers its one permission endpoint with the response the exchange documents
(the payloads and signature checks of tests/venues/permissions). Every config
points at the canary secrets, so the canary guard fails a test that leaks one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from botguard.audit import run_audit
from botguard.cli import main
from botguard.config import parse_config
from botguard.findings import Finding, Status
from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim, start_sim
from tests.venues.permissions import test_bybit, test_deribit, test_hyperliquid, test_okx
from tests.venues.permissions.stand_in import StandIn, fixed, serve, serve_in_thread

MASTER, KEY_ADDRESS = test_hyperliquid.MASTER, test_hyperliquid.KEY_ADDRESS
P, F, M, W = Status.PASS, Status.FAIL, Status.MANUAL, Status.WARN
KEY_IDS = ("key.withdrawals_disabled", "key.trading_enabled", "key.transfers_disabled",
           "key.ip_whitelist")  # fmt: skip
Server = Callable[[], AbstractAsyncContextManager[str]]


def sim(**key: Any) -> Server:
    """The sim, with one account whose key is the canary and has these scenario fields."""
    account = {
        "name": "main",
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "permissions": {"spot": True, "futures": True},
        **key,
    }

    @asynccontextmanager
    async def run() -> AsyncIterator[str]:
        async with start_sim({"account": [account]}) as handle:
            yield handle.url

    return run


def stand_in(method: str, path: str, answer: Any, verify: Any) -> Server:
    return lambda: serve(StandIn({(method, path): fixed(answer)}, verify))


def hyperliquid(roles: dict[str, Any]) -> Server:
    agents = [{"address": KEY_ADDRESS.lower(), "validUntil": 1_900_000_000_000}]
    return lambda: serve(StandIn({("POST", "/info"): test_hyperliquid.info(roles, agents)}))


AGENT = {test_hyperliquid.KEY_ADDRESS.lower(): {"role": "agent", "data": {"user": MASTER}}}
BYBIT_RISKY = {**test_bybit.TRADER, "Wallet": ["SubMemberTransfer", "Withdraw"]}
OKX = ("GET", test_okx.PATH)
BYBIT = ("GET", test_bybit.PATH)
DERIBIT = ("GET", test_deribit.PATH)
OKX_LOCKED = test_okx.config("read_only,trade", "203.0.113.7")
OKX_OPEN = test_okx.config("read_only,withdraw", "")
BYBIT_OPEN = test_bybit.query_api(permissions=BYBIT_RISKY, readOnly=1, ips=["*"])
DERIBIT_LOCKED = test_deribit.list_api_keys(
    "account:read trade:read_write wallet:none", ip_whitelist=["203.0.113.7"]
)
DERIBIT_OPEN = test_deribit.list_api_keys("trade:read wallet:read_write", ip_whitelist=[])
BINANCE_OPEN = {"spot": False, "withdraw": True, "universal_transfer": True}
okx_signed, bybit_signed = test_okx.okx_signed, test_bybit.bybit_signed
deribit_signed = test_deribit.deribit_signed

CASES: dict[str, tuple[str, Server, dict[str, Any], tuple[Status, ...]]] = {
    # name: (exchange, server, [[account]] extras, statuses in KEY_IDS order)
    "binance-locked": ("binance", sim(ip_whitelist=["127.0.0.1"]), {}, (P, P, P, P)),
    "binance-open": ("binance", sim(permissions=BINANCE_OPEN), {}, (F, F, F, F)),
    "okx-locked": ("okx", stand_in(*OKX, OKX_LOCKED, okx_signed), {}, (P, P, M, P)),
    "okx-open": ("okx", stand_in(*OKX, OKX_OPEN, okx_signed), {}, (F, F, M, F)),
    "bybit-locked": (
        "bybit",
        stand_in(*BYBIT, test_bybit.query_api(), bybit_signed),
        {},
        (P, P, P, P),
    ),
    "bybit-open": ("bybit", stand_in(*BYBIT, BYBIT_OPEN, bybit_signed), {}, (F, F, F, F)),
    "deribit-locked": (
        "deribit",
        stand_in(*DERIBIT, DERIBIT_LOCKED, deribit_signed),
        {},
        (P, P, P, P),
    ),
    "deribit-open": (
        "deribit",
        stand_in(*DERIBIT, DERIBIT_OPEN, deribit_signed),
        {},
        (F, F, F, F),
    ),
    "hyperliquid-agent": ("hyperliquid", hyperliquid(AGENT), {}, (P, P, P, M)),
    "hyperliquid-master": (
        "hyperliquid",
        hyperliquid({}),
        {"wallet_address": KEY_ADDRESS},
        (F, P, F, M),
    ),
    "hyperliquid-unapproved": ("hyperliquid", hyperliquid({}), {}, (P, F, P, M)),
}


def config_for(tmp_path: Path, accounts: list[dict[str, Any]]) -> Any:
    return parse_config(
        {"bot": {"name": "bot"}, "state": {"dir": str(tmp_path / "state")}, "account": accounts},
        path=tmp_path / "botguard.toml",
    )


def bg_account(exchange: str, url: str, name: str = "main", **extra: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "exchange": exchange,
        "api_key": "env:BOTGUARD_CANARY_API_KEY",
        "secret": "env:BOTGUARD_CANARY_SECRET",
        "base_url": url,
    }
    if exchange == "okx":
        base["password"] = "env:BOTGUARD_CANARY_PASSWORD"
    if exchange == "hyperliquid":
        base.update(private_key="env:HL_KEY", wallet_address=MASTER)
    return {**base, **extra}


async def audit(
    tmp_path: Path, accounts: list[dict[str, Any]], *only: str
) -> dict[tuple[str, str], Finding]:
    report = await run_audit(config_for(tmp_path, accounts), only=only or ("key",))
    return {(f.id, f.subject): f for f in report.findings}


@pytest.fixture(autouse=True)
def _hyperliquid_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HL_KEY", test_hyperliquid.KEY)


@pytest.mark.parametrize("case", list(CASES))
async def test_verdicts_per_exchange(tmp_path: Path, case: str) -> None:
    exchange, server, extra, expected = CASES[case]
    async with server() as url:
        found = await audit(tmp_path, [bg_account(exchange, url, **extra)])
    got = tuple(found[(check_id, "main")].status for check_id in KEY_IDS)
    assert got == expected, {i: found[(i, "main")].evidence for i in KEY_IDS}


async def test_binance_evidence_names_fields_and_lists_ips(tmp_path: Path) -> None:
    async with sim(ip_whitelist=["127.0.0.1", "203.0.113.7"])() as url:
        found = await audit(tmp_path, [bg_account("binance", url)])
    assert found[("key.ip_whitelist", "main")].evidence == "restricted to 127.0.0.1, 203.0.113.7"
    evidence = {i: found[(i, "main")].evidence for i in KEY_IDS}
    assert (
        evidence["key.withdrawals_disabled"] == "withdrawals are disabled (read: enableWithdrawals)"
    )
    assert evidence["key.transfers_disabled"] == (
        "transfers are disabled (read: permitsUniversalTransfer, enableInternalTransfer)"
    )
    assert evidence["key.trading_enabled"] == (
        "trading is enabled, no expiry reported (read: enableSpotAndMarginTrading, enableFutures)"
    )


async def test_five_checks_share_one_request_per_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = {n: CANARIES["BOTGUARD_CANARY_API_KEY"] + n for n in ("a", "b")}
    scenario = {"account": [
        {"name": n, "api_key": key, "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
         "ip_whitelist": ["127.0.0.1"]} for n, key in keys.items()
    ]}  # fmt: skip
    for n, key in keys.items():
        monkeypatch.setenv(f"BG_KEY_{n.upper()}", key)
    async with start_sim(scenario) as handle:
        accounts = [bg_account("binance", handle.url, n, api_key=f"env:BG_KEY_{n.upper()}")
                    for n in keys]  # fmt: skip
        found = await audit(tmp_path, accounts, "key", "exchange")
        calls = [e["path"] for e in handle.log() if e["path"].endswith("apiRestrictions")]
    assert len(calls) == 2  # four key checks and the whitelist check x two accounts
    assert {found[(i, n)].status for i in KEY_IDS for n in keys} == {P}


async def test_futures_off_fails_an_account_that_trades_swaps(tmp_path: Path) -> None:
    async with sim(permissions={"spot": True, "futures": False})() as url:
        found = await audit(tmp_path, [bg_account("binance", url, markets=["spot", "swap"])])
    trading = found[("key.trading_enabled", "main")]
    assert trading.status is F
    assert trading.evidence.startswith("trading is off for swap")


@pytest.mark.parametrize(
    ("days", "status", "words"),
    [(-1, F, "expired on"), (5, W, "days left"), (60, P, "enabled until")],
)
async def test_trading_permission_expiry(
    tmp_path: Path, days: int, status: Status, words: str
) -> None:
    until = datetime.now(UTC) + timedelta(days=days, hours=1)
    async with sim(trading_expires_ms=int(until.timestamp() * 1000))() as url:
        found = await audit(tmp_path, [bg_account("binance", url)])
    trading = found[("key.trading_enabled", "main")]
    assert trading.status is status
    assert words in trading.evidence
    assert f"{until:%Y-%m-%d}" in trading.evidence


async def test_bybit_key_expiry_fails_once_past(tmp_path: Path) -> None:
    answer = test_bybit.query_api(expiredAt="2024-01-01T00:00:00Z")
    async with stand_in(*BYBIT, answer, test_bybit.bybit_signed)() as url:
        found = await audit(tmp_path, [bg_account("bybit", url)])
    assert found[("key.trading_enabled", "main")].status is F


ADDRESS = {"coin": "BTC", "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"}


@pytest.mark.parametrize(
    ("addresses", "status", "words"),
    [
        ([ADDRESS], P, "every saved withdrawal address is whitelisted"),
        (
            [
                ADDRESS,
                {**ADDRESS, "address": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "whitelisted": False},
            ],
            F,
            "not whitelisted (whiteStatus false)",
        ),
        ([], M, "botguard attest exchange.withdrawal_whitelist"),
    ],
)
async def test_binance_withdrawal_whitelist_from_the_address_book(
    tmp_path: Path, addresses: list[dict[str, Any]], status: Status, words: str
) -> None:
    async with sim(withdraw_addresses=addresses)() as url:
        found = await audit(tmp_path, [bg_account("binance", url)], "exchange")
    whitelist = found[("exchange.withdrawal_whitelist", "main" if addresses else "host")]
    assert whitelist.status is status
    assert words in whitelist.evidence


async def test_unsupported_exchange_is_manual_with_the_reason(tmp_path: Path) -> None:
    found = await audit(tmp_path, [bg_account("bitstamp", "http://127.0.0.1:9")])
    for check_id in KEY_IDS:
        finding = found[(check_id, "main")]
        assert finding.status is M
        assert "cannot read bitstamp key permissions" in finding.evidence


async def test_unreachable_exchange_is_one_error_line(tmp_path: Path) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens on `port` now: connection refused
    found = await audit(tmp_path, [bg_account("binance", f"http://127.0.0.1:{port}")])
    for check_id in KEY_IDS:
        finding = found[(check_id, "main")]
        assert finding.status is Status.ERROR
        assert finding.evidence.startswith("cannot reach binance: ")
        assert "\n" not in finding.evidence
        assert "signature" not in finding.evidence
        assert "timestamp=" not in finding.evidence


async def test_a_refused_key_is_an_error_naming_binances_answer(tmp_path: Path) -> None:
    async with sim(secret="not-the-configured-secret")() as url:
        found = await audit(tmp_path, [bg_account("binance", url)])
    finding = found[("key.withdrawals_disabled", "main")]
    assert finding.status is Status.ERROR
    assert finding.evidence.startswith("binance refused the key: ")
    assert "Signature for this request is not valid" in finding.evidence


def write_config(tmp_path: Path, exchange: str, url: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "gridbot"\n\n[state]\ndir = "{tmp_path / "state"}"\n\n'
        f'[[account]]\nname = "main"\nexchange = "{exchange}"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'base_url = "{url}"\n'
    )
    return path


def test_cli_audit_only_key_exits_1_on_a_withdrawal_enabled_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = {"name": "main", "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
           "secret": CANARIES["BOTGUARD_CANARY_SECRET"], "ip_whitelist": ["127.0.0.1"],
           "permissions": {"spot": True, "withdraw": True}}  # fmt: skip
    with run_sim({"account": [key]}) as handle:
        config = write_config(tmp_path, "binance", handle.url)
        code = main(["audit", "--only", "key", "--format", "json", "--config", str(config)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    by_id = {f["id"]: f for f in doc["findings"]}
    assert set(by_id) == set(KEY_IDS)
    withdraw = by_id["key.withdrawals_disabled"]
    assert (withdraw["status"], withdraw["subject"]) == ("fail", "main")
    assert withdraw["evidence"].startswith("withdrawals are enabled (read: enableWithdrawals")
    assert withdraw["remedy"] == "edit the key on the exchange: untick Withdrawals"
    assert by_id["key.ip_whitelist"]["evidence"] == "restricted to 127.0.0.1"


def test_deribit_secrets_of_every_listed_key_stay_out_of_the_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """list_api_keys answers every key's client_secret (ours and two others, one a canary)."""
    answer = test_deribit.list_api_keys("trade:read_write wallet:read_write")
    server = StandIn({DERIBIT: fixed(answer)}, test_deribit.deribit_signed)
    with serve_in_thread(server) as url:
        config = write_config(tmp_path, "deribit", url)
        code = main(["audit", "--only", "key", "--format", "json", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1  # wallet:read_write: the key can withdraw
    assert json.loads(out)["findings"][0]["status"] == "fail"
    for value in (*CANARIES.values(), test_deribit.OTHER_SECRET, "client_secret"):
        assert value not in out + err


async def test_a_hyperliquid_account_without_wallet_address_says_what_to_set(
    tmp_path: Path,
) -> None:
    account = bg_account("hyperliquid", "http://127.0.0.1:9")
    del account["wallet_address"]
    found = await audit(tmp_path, [account])
    finding = found[("key.withdrawals_disabled", "main")]
    assert finding.status is Status.ERROR
    assert finding.evidence == "hyperliquid: set wallet_address (the master wallet) on this account"
