"""A freqtrade strategy for botguard's end-to-end test: enters every pair at once.

Run by freqtrade (its own venv), never imported by botguard. Entries stop when the
environment has E2E_NO_ENTRIES, so a restarted bot shows only what it inherited.
ETH's entry is a limit order at half the price: it rests unfilled (a zero-amount trade,
which the kill's cancel leaves freqtrade holding).
"""

import os

from freqtrade.strategy import IStrategy
from pandas import DataFrame


class E2EAlwaysBuy(IStrategy):
    """Long on every candle; never exits by itself (only the kill closes its trades)."""

    INTERFACE_VERSION = 3
    timeframe = "1m"
    minimal_roi = {"0": 100}  # noqa: RUF012 - freqtrade reads it as a class attribute
    stoploss = -0.99
    startup_candle_count = 0
    process_only_new_candles = False

    def populate_indicators(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        return dataframe

    def populate_entry_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["enter_long"] = 0 if os.environ.get("E2E_NO_ENTRIES") else 1
        return dataframe

    def custom_entry_price(self, pair: str, proposed_rate: float, **kwargs: object) -> float:
        return proposed_rate / 2 if pair.startswith("ETH/") else proposed_rate

    def populate_exit_trend(self, dataframe: DataFrame, metadata: dict) -> DataFrame:
        dataframe["exit_long"] = 0
        return dataframe
