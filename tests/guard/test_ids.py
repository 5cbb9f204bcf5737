"""watch knows the bot's ids: client-id prefixes as real bots produce them.

A freqtrade on Binance sends no client id of its own: unmodified ccxt stamps every
order with its broker id (`x-` and 8 characters, e.g. `x-cvBPrNm9` on USD-M futures)
and a random tail. Here that very ccxt places the orders, over HTTP against a sim,
and `botguard watch --once` runs through the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ccxt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.cli import main
from botguard.config import Config, ConfigError, parse_config
from botguard.guard.rules import Rule, check_foreign
from botguard.guard.snapshot import SeenOrder
from botguard.journal import Journal
from botguard.testing.canary import CANARIES
from botguard.testing.sim import SimHandle, run_sim
from botguard.venues.connect import rebase_urls

from .conftest import BTC, scenario

CCXT_FUTURES_BROKER = "x-cvBPrNm9"


def write_config(tmp_path: Path, url: str, bot: str = "") -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "freqbot"
{bot}

[state]
dir = "state"

[[account]]
name = "main"
exchange = "binanceusdm"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
markets = ["swap"]
base_url = "{url}"

[guard]
symbols = ["{BTC}"]
""",
        encoding="utf-8",
    )
    return path


def bot_exchange(sim: SimHandle) -> Any:
    """The bot's own ccxt, as freqtrade builds it: no client id, no broker option."""
    ex = ccxt.binanceusdm(
        {
            "apiKey": CANARIES["BOTGUARD_CANARY_API_KEY"],
            "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        }
    )
    ex.urls["api"] = rebase_urls(ex.urls["api"], sim.url)
    ex.load_markets()
    return ex


def trips(tmp_path: Path) -> list[dict[str, Any]]:
    with Journal(tmp_path / "state") as journal:
        return [t["detail"] for t in journal.events("trip")]


@pytest.mark.sim
@pytest.mark.usefixtures("canary_env")
def test_a_healthy_ccxt_bot_does_not_trip_and_an_unknown_prefix_does(tmp_path: Path) -> None:
    with run_sim(scenario()) as sim:
        ex = bot_exchange(sim)
        order = ex.create_order(BTC, "limit", "buy", 0.1, 19_000)
        assert order["clientOrderId"].startswith(CCXT_FUTURES_BROKER)  # ccxt's own stamp
        config = write_config(
            tmp_path, sim.url, f'client_id_prefixes = ["x-TKT5PX2F", "{CCXT_FUTURES_BROKER}"]'
        )
        assert main(["watch", "--once", "--config", str(config)]) == 0
        assert trips(tmp_path) == []

        ex.create_order(BTC, "limit", "buy", 0.1, 18_000, {"clientOrderId": "web_x1"})
        assert main(["watch", "--once", "--config", str(config)]) == 1
    [trip] = trips(tmp_path)
    assert trip["rule"] == str(Rule.FOREIGN_ORDER)
    assert trip["client_id"] == "web_x1"


@pytest.mark.sim
@pytest.mark.usefixtures("canary_env")
def test_with_the_old_single_prefix_a_ccxt_order_is_foreign(tmp_path: Path) -> None:
    """Why the list exists: `client_id_prefix` alone cannot say `x-cvBPrNm9`."""
    with run_sim(scenario()) as sim:
        bot_exchange(sim).create_order(BTC, "limit", "buy", 0.1, 19_000)
        config = write_config(tmp_path, sim.url, 'client_id_prefix = "bg"')
        assert main(["watch", "--once", "--config", str(config)]) == 1
    assert [t["rule"] for t in trips(tmp_path)] == [str(Rule.FOREIGN_ORDER)]


def load(tmp_path: Path, bot: dict[str, Any]) -> Config:
    raw = {"bot": {"name": "freqbot", **bot}}
    return parse_config(raw, path=tmp_path / "botguard.toml")


def test_client_id_prefix_alone_still_works(tmp_path: Path) -> None:
    assert load(tmp_path, {"client_id_prefix": "gb1"}).bot.id_prefixes == ("gb1",)
    assert load(tmp_path, {}).bot.id_prefixes == ("bg",)


def test_both_keys_together_are_all_the_bots(tmp_path: Path) -> None:
    bot = load(tmp_path, {"client_id_prefix": "gb1", "client_id_prefixes": ["x-TKT5PX2F"]}).bot
    assert bot.id_prefixes == ("gb1", "x-TKT5PX2F")


@pytest.mark.parametrize(
    "bad",
    [
        [""],
        ["x TKT"],
        ["x-\tTKT"],
        ["x-TKT\n"],
        ["x-\u00e9t\u00e9"],
        ["a" * 33],
        ["x-\x1b[31m"],
        "x-TKT5PX2F",
        [f"p{i}" for i in range(17)],
    ],
)
def test_a_bad_prefix_list_is_one_clear_config_error(tmp_path: Path, bad: Any) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"client_id_prefixes": bad})
    assert "bot.client_id_prefixes" in str(info.value)
    assert "Traceback" not in str(info.value)


PREFIX = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1,
                 max_size=32)  # fmt: skip


@given(prefixes=st.lists(PREFIX, min_size=1, max_size=16), tail=st.text(max_size=20))
def test_any_valid_prefix_is_accepted_and_its_ids_are_the_bots(
    prefixes: list[str], tail: str
) -> None:
    bot = parse_config(
        {"bot": {"name": "b", "client_id_prefixes": prefixes}}, path=Path("/x/botguard.toml")
    ).bot
    orders = tuple(
        SeenOrder(str(i), BTC, p + tail, timestamp_ms=None, status="open", filled=0.0, notional=1.0)
        for i, p in enumerate(prefixes)
    )
    assert check_foreign(orders, bot.id_prefixes) is None
