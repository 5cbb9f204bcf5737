"""Property tests for the guard's book and the dead man's switch capability table."""

from __future__ import annotations

from datetime import date

import ccxt.async_support as ccxt_async
import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.guard.book import Book
from botguard.venues.deadman import has_dead_man

DAY = date(2026, 11, 28)
fills = st.lists(
    st.tuples(
        st.floats(min_value=-10, max_value=10, allow_nan=False).filter(lambda q: abs(q) > 1e-6),
        st.floats(min_value=1, max_value=100_000, allow_nan=False),
    ),
    max_size=30,
)


@given(fills)
def test_position_is_the_sum_of_fills(trades: list[tuple[float, float]]) -> None:
    book = Book()
    for qty, price in trades:
        book.apply_fill("X", qty, price, DAY)
    assert book.positions.get("X", 0.0) == pytest.approx(sum(q for q, _ in trades), abs=1e-6)


@given(fills, st.floats(min_value=1, max_value=100_000, allow_nan=False))
def test_trading_at_one_price_realises_nothing(
    trades: list[tuple[float, float]], price: float
) -> None:
    book = Book()
    for qty, _ in trades:
        book.apply_fill("X", qty, price, DAY)
    assert float(book.realised) == pytest.approx(0.0, abs=1e-6 * price)


@given(st.floats(min_value=0.01, max_value=10), st.floats(min_value=100, max_value=50_000))
def test_a_round_trip_realises_the_price_difference(qty: float, entry: float) -> None:
    book = Book()
    book.apply_fill("X", qty, entry, DAY)
    book.apply_fill("X", -qty, entry * 0.9, DAY)
    assert book.loss_today(DAY) == pytest.approx(qty * entry * 0.1, rel=1e-9)
    assert book.loss_today(date(2026, 11, 29)) == 0


@pytest.mark.parametrize(
    ("exchange_id", "markets", "armed"),
    [
        ("binance", ["spot"], False),
        ("binance", ["spot", "swap"], True),
        ("binanceusdm", ["swap"], True),
        ("okx", ["swap"], True),
        ("bybit", ["swap"], True),
        ("kraken", ["spot"], True),
        ("hyperliquid", ["swap"], True),
        ("coinbase", ["spot"], False),
    ],
)
async def test_which_exchanges_have_a_dead_mans_switch(
    exchange_id: str, markets: list[str], armed: bool
) -> None:
    exchange = getattr(ccxt_async, exchange_id)()
    try:
        assert has_dead_man(exchange, markets) is armed
    finally:
        await exchange.close()
