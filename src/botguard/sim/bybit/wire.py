"""Bybit v5 wire shapes: the envelope, retCodes, symbols and filters.

Every answer is HTTP 200 `{"retCode", "retMsg", "result", "retExtInfo", "time"}`, errors
included (https://bybit-exchange.github.io/docs/v5/error), which is why ccxt reads the
retCode (bybit.handle_errors) and a kill must too.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from botguard.sim.scenario import MarketSpec
from botguard.sim.state import now_ms

Json = dict[str, Any]
SPOT_MIN_AMOUNT = Decimal(1)
"""`minOrderAmt`: Bybit spot refuses orders under about 1 USDT (170140)."""
LINEAR_MIN_NOTIONAL = Decimal(5)
"""`minNotionalValue` of the USDT perpetuals (110094 below it unless reduce-only)."""


class BybitError(Exception):
    """A refusal: retCode and retMsg with HTTP 200 (or the status given)."""

    def __init__(self, code: int, msg: str, *, status: int = 200, reason: str = "") -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
        self.reason = reason or msg
        self.headers: dict[str, str] = {}

    def body(self) -> Json:
        """The JSON Bybit sends."""
        return {"retCode": self.code, "retMsg": self.msg, "result": {}, "retExtInfo": {},
                "time": now_ms()}  # fmt: skip


def ok(result: Any, ext: Json | None = None) -> Json:
    """The success envelope."""
    return {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": ext or {},
            "time": now_ms()}  # fmt: skip


def fmt(value: Decimal) -> str:
    """A decimal as plain digits, no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def category(market: MarketSpec) -> str:
    """spot or linear (the USDT perpetuals)."""
    return "linear" if market.is_swap else "spot"


def min_qty(market: MarketSpec) -> Decimal:
    """`minOrderQty`: one step for perps; for spot the smallest step worth ~1 USDT."""
    if market.is_swap:
        return market.step_size
    steps = (SPOT_MIN_AMOUNT / market.price / market.step_size).to_integral_value(ROUND_CEILING)
    return max(steps, Decimal(1)) * market.step_size


def instrument(market: MarketSpec) -> Json:
    """One entry of GET /v5/market/instruments-info.

    https://bybit-exchange.github.io/docs/v5/market/instrument
    """
    if not market.is_swap:
        return {
            "symbol": market.market_id, "baseCoin": market.base, "quoteCoin": market.quote,
            "innovation": "0", "status": "Trading", "marginTrading": "utaOnly",
            "stTag": "0", "lotSizeFilter": {
                "basePrecision": fmt(market.step_size), "quotePrecision": "0.00000001",
                "minOrderQty": fmt(min_qty(market)), "maxOrderQty": "10000000",
                "minOrderAmt": fmt(SPOT_MIN_AMOUNT), "maxOrderAmt": "10000000"},
            "priceFilter": {"tickSize": fmt(market.tick_size)},
            "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.05"},
        }  # fmt: skip
    return {
        "symbol": market.market_id, "contractType": "LinearPerpetual", "status": "Trading",
        "baseCoin": market.base, "quoteCoin": market.quote, "settleCoin": "USDT",
        "launchTime": "1585526400000", "deliveryTime": "0", "deliveryFeeRate": "",
        "priceScale": str(max(0, -market.tick_size.normalize().as_tuple().exponent)),  # type: ignore[operator]
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": fmt(market.tick_size), "maxPrice": "1999999.80",
                        "tickSize": fmt(market.tick_size)},
        "lotSizeFilter": {"maxOrderQty": "1190", "minOrderQty": fmt(market.step_size),
                          "qtyStep": fmt(market.step_size), "postOnlyMaxOrderQty": "1190",
                          "maxMktOrderQty": "500", "minNotionalValue": fmt(LINEAR_MIN_NOTIONAL)},
        "unifiedMarginTrade": True, "fundingInterval": 480, "copyTrading": "both",
        "upperFundingRate": "0.00375", "lowerFundingRate": "-0.00375", "isPreListing": False,
    }  # fmt: skip
