"""ccxt's broker ids, read from the installed ccxt (never a copied list)."""

from __future__ import annotations

import ccxt

from botguard.venues.broker import broker_prefixes, is_exchange


def test_binance_ids_come_from_ccxts_own_options() -> None:
    broker = ccxt.binance().options["broker"]
    assert broker_prefixes("binance", ["spot"]) == (broker["spot"],)
    assert broker_prefixes("binance", ["swap"]) == (broker["swap"],)
    assert broker_prefixes("binance", ["spot", "swap"]) == (broker["spot"], broker["swap"])


def test_okx_puts_its_broker_id_in_front_of_clordid() -> None:
    assert broker_prefixes("okx", ["swap"]) == (ccxt.okx().options["brokerId"],)


def test_the_bots_own_option_wins_and_exchanges_without_a_prefix_have_none() -> None:
    assert broker_prefixes("binance", ["spot"], {"spot": "x-MINE1234"}) == ("x-MINE1234",)
    assert broker_prefixes("bybit", ["spot"]) == ()  # ccxt sends bybit's as a header


def test_only_ids_ccxt_has_are_exchanges() -> None:
    assert is_exchange("binance")
    assert not is_exchange("nosuchexchange")
