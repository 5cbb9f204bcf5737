"""Scenario files: the documented example loads, bad input is one clear ConfigError line."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from botguard.errors import ConfigError
from botguard.sim.scenario import load_scenario
from botguard.sim.server import SimServer

from .conftest import account, scenario

pytestmark = pytest.mark.sim
EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.toml"


def test_example_scenario_loads_with_orders_positions_and_locks() -> None:
    loaded = load_scenario(EXAMPLE)
    assert [a.name for a in loaded.accounts] == ["gridbot", "watcher"]
    assert loaded.seed == 7
    assert "WIF/USDT" in {m.symbol for m in loaded.markets}
    ex = SimServer(loaded).ex
    grid = ex.accounts["gridbot-key-0123456789"]
    assert grid.spot["USDT"].locked == Decimal(6000)
    assert len(grid.orders) == 2
    assert len(grid.algo) == 1
    assert ex.prices["BTC/USDT"] == Decimal(64000)
    assert ex.accounts["watcher-key-0123456789"].hedge


def test_json_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario(account(name="j"))))
    assert [a.name for a in load_scenario(path).accounts] == ["j"]


def test_builtin_demo_scenario() -> None:
    demo = load_scenario(None)
    spot = [m for m in demo.markets if not m.is_swap]
    perps = [m for m in demo.markets if m.is_swap]
    assert len(spot) >= 30
    assert len(perps) >= 15
    [acct] = demo.accounts
    assert (acct.api_key, acct.secret) == ("demo", "demo-secret")
    assert acct.spot == {"USDT": Decimal(100_000), "BTC": Decimal(2)}
    assert acct.futures == {"USDT": Decimal(100_000)}
    assert acct.permissions.withdraw
    assert acct.ip_whitelist == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"account": [{"name": "x"}]}, r"account\[0\].api_key: expected a non-empty string"),
        ({"account": [account(position_mode="both")]}, "position_mode: expected one of"),
        ({"account": [account(spot={"USDT": "lots"})]}, r"spot.USDT: expected a number"),
        ({"account": [account(spot={"USDT": "-1"})]}, "expected a non-negative number"),
        ({"account": [account(permissions={"trade": True})]}, "permissions.trade"),
        ({"account": [account(api_key="has space")]}, "api_key: expected letters"),
        ({"account": [account(), account()]}, "two accounts share an api_key"),
        ({"prices": {"NOPE/USDT": 1}}, "prices.NOPE/USDT: unknown market"),
        ({"account": [account(orders=[{"symbol": "BTC/USDT", "side": "buy", "amount": 1}])]},
         r"orders\[0\].price: expected a price for a limit order"),
        ({"account": [account(orders=[{"symbol": "BTC/USDT:USDT", "side": "sell",
                                       "type": "stop_market", "amount": 1}])]},
         "trigger_price"),
        ({"account": [account(positions=[{"symbol": "BTC/USDT", "side": "long", "amount": 1,
                                          "entry_price": 1}])]},
         "a perpetual"),
        ({"account": [account(orders=[{"symbol": "BTC/USDT", "side": "buy", "amount": "10",
                                       "price": "60000"}])]},
         r"orders\[0\]: locks 600000 USDT but the spot balance is 50000"),
        ({"market": [{"symbol": "BTCUSDT", "price": 1}]}, r"market\[0\].symbol"),
        ({"sim": {"limits": {"weight": 5}}}, "sim.limits.weight: expected one of"),
        ({"sim": {"seed": "seven"}}, "sim.seed: expected a whole number"),
        ({"sim": {"faults": ["GET /x:503"]}}, "sim.faults: expected a string"),
    ],
)  # fmt: skip
def test_bad_scenarios_name_the_key(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SimServer(load_scenario(data))


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read scenario"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sim\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_scenario(bad)


amounts = st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False)


@given(st.dictionaries(st.sampled_from(["USDT", "BTC", "ETH", "SOL"]), amounts, max_size=4))
def test_balances_round_trip_exactly(balances: dict[str, Decimal]) -> None:
    raw = {k: str(v) for k, v in balances.items()}
    [acct] = load_scenario(scenario(account(spot=raw, futures=raw))).accounts
    assert dict(acct.spot) == balances
    assert dict(acct.futures) == balances


def test_package_docstring_lists_every_endpoint_served() -> None:
    import botguard.sim
    from botguard.sim.routes import all_routes

    documented = {
        tuple(line.split()) for line in (botguard.sim.__doc__ or "").splitlines()
        if line.startswith("    ") and "/" in line
    }  # fmt: skip
    assert documented == set(all_routes())


def test_the_sim_shares_no_code_with_the_client_side() -> None:
    """The sim is the exchange: it must not import ccxt or botguard's venues/kill/guard."""
    import ast

    banned = ("ccxt", "botguard.venues", "botguard.kill", "botguard.guard")
    sim_dir = Path(__file__).parents[2] / "src" / "botguard" / "sim"
    files = [*sim_dir.glob("*.py"), sim_dir.parent / "testing" / "sim.py"]
    imported = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {(path.name, alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.name, node.module))
    assert len(files) > 10
    assert [(f, m) for f, m in imported if m.startswith(banned)] == []


# Any value TOML or JSON can hold, nested a little: what a scenario's author (or a typo) writes.
_leaves = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from(["BTC/USDT", "BTC/USDT:USDT", "1.5", "LONG", "hedge", "limit", "buy"])
)  # fmt: skip
_values = st.recursive(
    _leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_order_keys = ["symbol", "type", "side", "amount", "price", "trigger_price", "reduce_only",
               "close_position", "position_side", "client_id"]  # fmt: skip


@given(
    order=st.dictionaries(st.sampled_from(_order_keys), _values, max_size=6),
    position=st.dictionaries(
        st.sampled_from(["symbol", "side", "amount", "entry_price", "leverage"]), _values
    ),
    extra=st.dictionaries(st.sampled_from(["sim", "market", "prices", "account"]), _values),
)
@example(order={}, position={}, extra={"sim": {"\n": None}})  # a key that was a two-line error
@example(order={}, position={}, extra={"prices": {"A\rB": "1"}})
def test_no_scenario_raises_anything_but_a_config_error(
    order: dict[str, Any], position: dict[str, Any], extra: dict[str, Any]
) -> None:
    raw = {**scenario(account(orders=[order], positions=[position])), **extra}
    try:
        load_scenario(raw)
    except ConfigError as exc:
        problem = str(exc)
    else:
        return
    assert problem.count("\n") == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"5", "(top level): expected an object"),
        (b'["x"]', "(top level): expected an object"),
        (b"[" * 50_000, "nested too deeply"),
        (b'\xff{"sim": {}}', "not UTF-8 text"),
    ],
)
def test_json_scenarios_that_are_not_objects(tmp_path: Path, text: bytes, expected: str) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(text)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_scenario(path)


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ({"symbol": ["BTC/USDT"]}, "orders[0].symbol: expected a market"),
        ({"position_side": 3}, "orders[0].position_side: expected one of BOTH, LONG, SHORT"),
        ({"reduce_only": "yes"}, "orders[0].reduce_only: expected true or false"),
        ({"client_id": 7}, "orders[0].client_id: expected 1 to 36"),
    ],
)
def test_order_fields_of_the_wrong_type(order: dict[str, Any], expected: str) -> None:
    spec = {"symbol": "BTC/USDT:USDT", "side": "buy", "price": "1", "amount": "1", **order}
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_scenario(scenario(account(orders=[spec])))
