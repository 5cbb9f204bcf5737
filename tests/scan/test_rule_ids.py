"""Scan rule ids are a contract: this list is frozen, and every hit uses an id from it.

Renaming an id re-opens every finding users accepted in a baseline (the id is
hashed into each fingerprint) and breaks their SARIF history. Add ids here;
never rename or remove one.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.scan import rules
from botguard.scan.render import EXACT_RULE
from botguard.scan.ruleset import BY_ID, RULE_IDS, RULES

FIXED = {
    "coinbase.api_key_name", "coinbase.ec_private_key", "pem.private_key",
    "telegram.bot_token", "gemini.api_key", "wallet.private_key",
}  # fmt: skip
EXCHANGES = (
    "binance", "bybit", "okx", "kucoin", "kraken", "coinbase", "bitget", "gate", "htx",
    "huobi", "bitfinex", "gemini", "bittrex", "mexc", "bitmex", "deribit", "bitstamp",
    "cryptocom", "hyperliquid", "bitmart", "phemex", "poloniex", "generic",
)  # fmt: skip
KINDS = ("api_key", "secret", "token", "passphrase")
FROZEN = FIXED | {f"{exchange}.{kind}" for exchange in EXCHANGES for kind in KINDS}


def test_the_rule_id_list_is_frozen() -> None:
    assert RULE_IDS == FROZEN
    assert len(RULES) == len(RULE_IDS) == 97


def test_ids_are_unique_lowercase_and_dotted() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert all(r.id.count(".") == 1 and r.id == r.id.lower() and r.description for r in RULES)
    assert EXACT_RULE not in RULE_IDS  # the exact-match id lives beside the patterns


def test_every_anchored_rule_and_exchange_has_an_id() -> None:
    anchored = {rule for rule, *_ in rules._ANCHORED}
    normalized = {e.replace("okex", "okx").replace("gateio", "gate") for e in rules.EXCHANGES}
    assert anchored <= RULE_IDS
    assert {f"{e}.{k}" for e in normalized for k in KINDS} <= RULE_IDS
    assert BY_ID["binance.api_key"].id == "binance.api_key"


KEYWORDS = ["api_key", "API_SECRET", "token", "passphrase", "password", "auth_token", "privKey"]


@settings(max_examples=300, deadline=None)
@given(
    exchange=st.sampled_from([*rules.EXCHANGES, "", "somewhere"]),
    keyword=st.sampled_from(KEYWORDS),
    value=st.text(alphabet="abcdefABCDEF0123456789+/=_-.", min_size=6, max_size=90),
    separator=st.sampled_from([" = ", ": ", "=", "='", ' => "']),
)
def test_every_pattern_hit_reports_a_frozen_id(
    exchange: str, keyword: str, value: str, separator: str
) -> None:
    text = (
        f"# {exchange} account\n{exchange}_{keyword}{separator}{value}\n"
        f"secret = {value[::-1]}\npassphrase = {value[:12]}\n"
    )
    assert {h.rule for h in rules.find_patterns(text.encode())} <= RULE_IDS
