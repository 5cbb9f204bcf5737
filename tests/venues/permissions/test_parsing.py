"""Property tests for the field parsers of the Binance, OKX, Bybit and Deribit readers.

Pure functions over the exchanges' documented field formats: whatever values an
answer carries, a parser returns the same facts or "not reported", never raises.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from botguard.venues.permissions import binance, bybit, deribit, hyperliquid, okx

ips = st.lists(st.ip_addresses().map(str), max_size=6)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
moments = st.datetimes(  # hypothesis takes naive bounds and adds the timezone itself
    min_value=datetime(2001, 1, 1),  # noqa: DTZ001
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda d: d.replace(microsecond=0))
SCOPES = [f"{area}:{level}" for area in ("account", "trade", "wallet", "block_trade")
          for level in ("read", "read_write", "none")]  # fmt: skip


@given(ips)
def test_okx_ip_list_round_trips(addresses: list[str]) -> None:
    assert okx._ips(",".join(addresses)) == tuple(addresses)
    assert okx._ips(" , ".join(addresses)) == tuple(addresses)


@given(ips)
def test_bybit_star_means_any_address(addresses: list[str]) -> None:
    assert bybit._ips(addresses) == tuple(addresses)
    assert bybit._ips([*addresses, "*"]) == ()


@given(moments)
def test_bybit_expiry_round_trips(when: datetime) -> None:
    assert bybit._when(when.strftime("%Y-%m-%dT%H:%M:%SZ")) == when


@given(moments)
def test_binance_expiry_round_trips_in_any_json_form(when: datetime) -> None:
    ms = int(when.timestamp() * 1000)
    assert binance._ms_to_utc(ms) == binance._ms_to_utc(str(ms)) == when


@given(json_values)
def test_parsers_never_raise_on_unexpected_values(value: object) -> None:
    okx._ips(value)
    bybit._ips(value)
    bybit._when(value)
    binance._ms_to_utc(value)
    hyperliquid._ms_to_utc(value)


@given(st.lists(st.sampled_from(SCOPES), unique=True), st.booleans())
def test_deribit_scope_decides_withdraw_transfer_and_trade(scopes: list[str], on: bool) -> None:
    perms = deribit._permissions({"max_scope": " ".join(scopes), "enabled": on})
    assert perms.withdraw is perms.transfer is ("wallet:read_write" in scopes)
    assert perms.trade is ("trade:read_write" in scopes and on)
    assert perms.ip_whitelist is None
