"""OKX v5 wire shapes: the answer envelope, error codes, instrument ids and contract values.

Every answer is `{"code": "0", "msg": "", "data": [...]}`; a refusal keeps the shape with
its own code (https://www.okx.com/docs-v5/en/#error-code). Auth and rate-limit refusals
come with HTTP 401 / 429, everything else with HTTP 200, which is why ccxt reads the code
and not the status (okx.handle_errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from botguard.sim.scenario import MarketSpec

Json = dict[str, Any]

CONTRACT_VALUES: dict[str, Decimal] = {
    "BTC": Decimal("0.01"), "ETH": Decimal("0.1"), "BNB": Decimal("0.01"), "SOL": Decimal(1),
    "XRP": Decimal(100), "DOGE": Decimal(1000), "ADA": Decimal(100), "AVAX": Decimal(1),
    "LINK": Decimal(1), "DOT": Decimal(1), "LTC": Decimal(1), "BCH": Decimal("0.1"),
    "SUI": Decimal(1), "ARB": Decimal(10), "OP": Decimal(1),
}  # fmt: skip
"""`ctVal` of the USDT-margined swaps, as OKX lists them (public/instruments, 2025)."""


class OkxError(Exception):
    """A refusal: `{"code", "msg", "data"}` with an HTTP status (401/429 or 200)."""

    def __init__(self, code: str, msg: str, *, status: int = 200, reason: str = "") -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
        self.reason = reason or msg
        """Why the sim refused, for its log only."""

    def body(self) -> Json:
        """The JSON OKX sends."""
        return {"code": self.code, "msg": self.msg, "data": []}


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused entry of a batch: its `sCode` and `sMsg`."""

    code: str
    msg: str


def ok(data: list[Any]) -> Json:
    """The success envelope."""
    return {"code": "0", "msg": "", "data": data}


def fmt(value: Decimal) -> str:
    """A decimal as OKX prints it: plain digits, no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def inst_id(market: MarketSpec) -> str:
    """OKX's instrument id: BTC-USDT (spot), BTC-USDT-SWAP (perpetual)."""
    return f"{market.base}-{market.quote}" + ("-SWAP" if market.is_swap else "")


def inst_type(market: MarketSpec) -> str:
    """SPOT or SWAP."""
    return "SWAP" if market.is_swap else "SPOT"


def ct_val(market: MarketSpec) -> Decimal:
    """Base units per contract (1 for spot, where sizes are in base units)."""
    return CONTRACT_VALUES.get(market.base, Decimal(1)) if market.is_swap else Decimal(1)


def lot_size(market: MarketSpec) -> Decimal:
    """`lotSz`: the size step, in contracts for swaps (so base step / ctVal)."""
    return market.step_size / ct_val(market)


def min_size(market: MarketSpec) -> Decimal:
    """`minSz`: one lot for swaps; for spot the smallest lot worth about 1 USDT (OKX has
    no notional filter, only a minimum size)."""
    lot = lot_size(market)
    if market.is_swap:
        return lot
    lots = (Decimal(1) / market.price / lot).to_integral_value(rounding=ROUND_CEILING)
    return max(lots, Decimal(1)) * lot


def to_base(market: MarketSpec, sz: Decimal) -> Decimal:
    """An OKX size (contracts for swaps) in base units, the unit the sim's books keep."""
    return sz * ct_val(market)


def to_sz(market: MarketSpec, qty: Decimal) -> Decimal:
    """Base units as an OKX size (contracts for swaps)."""
    return qty / ct_val(market)


def instrument(market: MarketSpec) -> Json:
    """One entry of GET /api/v5/public/instruments.

    https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments
    """
    swap = market.is_swap
    return {
        "instType": inst_type(market), "instId": inst_id(market),
        "uly": f"{market.base}-USDT" if swap else "",
        "instFamily": f"{market.base}-USDT" if swap else "", "baseCcy": "" if swap else market.base,
        "quoteCcy": "" if swap else market.quote, "settleCcy": "USDT" if swap else "",
        "ctVal": fmt(ct_val(market)) if swap else "", "ctMult": "1" if swap else "",
        "ctValCcy": market.base if swap else "", "ctType": "linear" if swap else "",
        "lotSz": fmt(lot_size(market)), "minSz": fmt(min_size(market)),
        "tickSz": fmt(market.tick_size), "maxLmtSz": "100000000", "maxMktSz": "1000000",
        "lever": "100" if swap else "10",
        "state": "live", "listTime": "1606468572000", "expTime": "", "optType": "", "stk": "",
        "alias": "", "category": "1", "ruleType": "normal",
    }  # fmt: skip
