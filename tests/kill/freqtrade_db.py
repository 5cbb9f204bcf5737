"""A freqtrade trades database, made with freqtrade's own table layout, for kill tests.

The CREATE TABLE is freqtrade's `trades` table as its SQLAlchemy model creates it
(freqtrade/persistence/trade_model.py, `Trade`, as of freqtrade 2024.10; the column
list its migrations copy in migrations.py; the Enum column trading_mode holds the
member's name, "SPOT" or "FUTURES", as SQLAlchemy stores it). botguard reads only
pair, base_currency, amount, is_short, trading_mode, contract_size and is_open, and
must work against the real layout.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

TRADES_TABLE = """
CREATE TABLE trades (
    id INTEGER NOT NULL, exchange VARCHAR(25) NOT NULL, pair VARCHAR(25) NOT NULL,
    base_currency VARCHAR(25), stake_currency VARCHAR(25), is_open BOOLEAN NOT NULL,
    fee_open FLOAT NOT NULL, fee_open_cost FLOAT, fee_open_currency VARCHAR(25),
    fee_close FLOAT, fee_close_cost FLOAT, fee_close_currency VARCHAR(25),
    open_rate FLOAT NOT NULL, open_rate_requested FLOAT, open_trade_value FLOAT,
    close_rate FLOAT, close_rate_requested FLOAT, realized_profit FLOAT, close_profit FLOAT,
    close_profit_abs FLOAT, stake_amount FLOAT NOT NULL, max_stake_amount FLOAT,
    amount FLOAT NOT NULL, amount_requested FLOAT, open_date DATETIME NOT NULL,
    close_date DATETIME, stop_loss FLOAT, stop_loss_pct FLOAT, initial_stop_loss FLOAT,
    initial_stop_loss_pct FLOAT, is_stop_loss_trailing BOOLEAN NOT NULL, max_rate FLOAT,
    min_rate FLOAT, exit_reason VARCHAR(255), exit_order_status VARCHAR(100),
    strategy VARCHAR(100), enter_tag VARCHAR(255), timeframe INTEGER,
    trading_mode VARCHAR(7), amount_precision FLOAT, price_precision FLOAT,
    precision_mode INTEGER, precision_mode_price INTEGER, contract_size FLOAT,
    leverage FLOAT, is_short BOOLEAN NOT NULL, liquidation_price FLOAT,
    interest_rate FLOAT NOT NULL, funding_fees FLOAT, funding_fee_running FLOAT,
    PRIMARY KEY (id)
)
"""


@dataclass(frozen=True)
class Trade:
    """One row: what the kill reads, the rest filled as freqtrade would."""

    pair: str
    amount: float
    is_open: bool = True
    is_short: bool = False
    futures: bool = False
    contract_size: float = 1.0
    """Base units per contract, as freqtrade stores it for futures (OKX BTC swap: 0.01)."""


def make_db(path: Path, trades: list[Trade]) -> Path:
    """A freqtrade database at `path` holding these trades."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(TRADES_TABLE)
        conn.execute("CREATE INDEX ix_trades_pair ON trades (pair)")
        conn.execute("CREATE INDEX ix_trades_is_open ON trades (is_open)")
        for i, t in enumerate(trades, 1):
            base, quote = t.pair.split("/")[0], t.pair.split("/")[1].split(":")[0]
            conn.execute(
                "INSERT INTO trades (id, exchange, pair, base_currency, stake_currency, is_open,"
                " fee_open, open_rate, stake_amount, amount, open_date, is_stop_loss_trailing,"
                " trading_mode, contract_size, leverage, is_short, interest_rate)"
                " VALUES (?, 'binance', ?, ?, ?, ?, 0.001, 100.0, 50.0, ?, '2026-12-05 04:00:00',"
                " 0, ?, ?, 1.0, ?, 0.0)",
                (i, t.pair, base, quote, t.is_open, t.amount,
                 "FUTURES" if t.futures else "SPOT", t.contract_size if t.futures else None,
                 t.is_short),
            )  # fmt: skip
    conn.close()
    return path
