"""The built-in markets and the demo account the sim serves without a scenario file.

Prices and filters are in the range Binance showed in 2025 so that ccxt's precision
handling, min-notional checks and the kill switch's rounding meet realistic numbers.
"""

from __future__ import annotations

from decimal import Decimal

from botguard.sim.scenario import AccountSpec, MarketSpec, Permissions

# base asset: (price in USDT, tick size, step size)
_SPOT: dict[str, tuple[str, str, str]] = {
    "BTC": ("65000.00", "0.01", "0.00001"),
    "ETH": ("3200.00", "0.01", "0.0001"),
    "BNB": ("580.00", "0.01", "0.001"),
    "SOL": ("150.00", "0.01", "0.001"),
    "XRP": ("0.5200", "0.0001", "1"),
    "DOGE": ("0.12000", "0.00001", "1"),
    "ADA": ("0.4500", "0.0001", "0.1"),
    "TRX": ("0.1200", "0.0001", "0.1"),
    "AVAX": ("28.00", "0.01", "0.01"),
    "LINK": ("14.00", "0.01", "0.01"),
    "DOT": ("6.000", "0.001", "0.01"),
    "POL": ("0.4000", "0.0001", "0.1"),
    "LTC": ("75.00", "0.01", "0.001"),
    "BCH": ("380.0", "0.1", "0.001"),
    "UNI": ("8.000", "0.001", "0.01"),
    "ATOM": ("7.000", "0.001", "0.01"),
    "XLM": ("0.1000", "0.0001", "1"),
    "ETC": ("22.00", "0.01", "0.01"),
    "FIL": ("4.500", "0.001", "0.01"),
    "APT": ("8.00", "0.01", "0.01"),
    "ARB": ("0.7000", "0.0001", "0.1"),
    "OP": ("1.700", "0.001", "0.01"),
    "NEAR": ("5.000", "0.001", "0.1"),
    "ICP": ("9.000", "0.001", "0.01"),
    "SUI": ("1.2000", "0.0001", "0.1"),
    "AAVE": ("140.00", "0.01", "0.001"),
    "INJ": ("22.00", "0.01", "0.01"),
    "TON": ("5.50", "0.01", "0.01"),
    "SHIB": ("0.00001800", "0.00000001", "1"),
    "PEPE": ("0.00001000", "0.00000001", "1"),
    "SEI": ("0.4000", "0.0001", "0.1"),
    "TIA": ("6.000", "0.001", "0.01"),
}

# perpetuals: base asset: (price in USDT, tick size, step size), Binance-like contract filters
_PERPS: dict[str, tuple[str, str, str]] = {
    "BTC": ("65010.0", "0.1", "0.001"),
    "ETH": ("3201.00", "0.01", "0.001"),
    "BNB": ("580.10", "0.01", "0.01"),
    "SOL": ("150.02", "0.01", "1"),
    "XRP": ("0.5201", "0.0001", "0.1"),
    "DOGE": ("0.120010", "0.000010", "1"),
    "ADA": ("0.45010", "0.00010", "1"),
    "AVAX": ("28.010", "0.001", "1"),
    "LINK": ("14.005", "0.001", "0.01"),
    "DOT": ("6.001", "0.001", "0.1"),
    "LTC": ("75.01", "0.01", "0.001"),
    "BCH": ("380.05", "0.01", "0.001"),
    "SUI": ("1.20010", "0.00010", "0.1"),
    "ARB": ("0.70010", "0.00010", "0.1"),
    "OP": ("1.7001", "0.0001", "0.1"),
}


def catalogue_markets() -> tuple[MarketSpec, ...]:
    """Every built-in market: USDT spot pairs first, then the USDⓈ-M perpetuals."""
    spot = [
        MarketSpec(f"{base}/USDT", Decimal(p), Decimal(t), Decimal(s), Decimal(5))
        for base, (p, t, s) in _SPOT.items()
    ]
    perps = [
        MarketSpec(f"{base}/USDT:USDT", Decimal(p), Decimal(t), Decimal(s), Decimal(5))
        for base, (p, t, s) in _PERPS.items()
    ]
    return (*spot, *perps)


DEMO_ACCOUNT = AccountSpec(
    name="demo",
    api_key="demo",
    secret="demo-secret",  # noqa: S106 - the published demo key of a local simulator
    permissions=Permissions(
        reading=True, spot=True, futures=True, withdraw=True, universal_transfer=True
    ),
    ip_whitelist=(),
    position_mode="one-way",
    spot={"USDT": Decimal(100_000), "BTC": Decimal(2)},
    futures={"USDT": Decimal(100_000)},
)
"""The demo's key: funded, and deliberately bad (withdrawals on, no IP whitelist)."""
