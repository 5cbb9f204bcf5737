"""botguard's own small exchange types; everything above venues/ speaks these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    """Order side."""

    BUY = "buy"
    SELL = "sell"


class PositionSide(StrEnum):
    """Direction of a derivatives position."""

    LONG = "long"
    SHORT = "short"


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    """What an API key may do, as the exchange reports it; None means "not reported"."""

    trade: bool | None = None
    withdraw: bool | None = None
    transfer: bool | None = None
    """Universal/internal transfer that can move funds to another account."""
    futures: bool | None = None
    ip_whitelist: tuple[str, ...] | None = None
    """The IPs the key is locked to; () means unrestricted, None not reported."""
    expires_at: datetime | None = None
    withdrawal_whitelist: bool | None = None
    """Withdrawals may only go to pre-approved addresses."""
    is_master_wallet: bool | None = None
    """Hyperliquid: the configured private key is the master wallet's."""
    raw_fields: tuple[str, ...] = ()
    """Names (never values) of the response fields the verdict was read from."""
    sources: tuple[tuple[str, str], ...] = ()
    """(attribute, response field) pairs such as ("withdraw", "enableWithdrawals"), so
    each check's evidence names its own fields; raw_fields stands in where empty."""


@dataclass(frozen=True, slots=True)
class Order:
    """An open order."""

    id: str
    symbol: str
    market: str
    """spot, swap or future."""
    side: Side
    amount: Decimal
    price: Decimal | None = None
    client_id: str | None = None
    conditional: bool = False
    """A stop/take-profit order living in a separate (algo) book."""
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class LandedOrder:
    """An order found by its client id: the answer to "did a send whose reply was lost land?"."""

    id: str
    status: str
    """The exchange's own word for it (closed, filled, open, ...)."""
    filled: str
    """Filled amount as the exchange wrote it ("0" when it did not say)."""


@dataclass(frozen=True, slots=True)
class Position:
    """An open derivatives position."""

    symbol: str
    market: str
    side: PositionSide
    contracts: Decimal
    """Size in contracts, always positive."""
    entry_price: Decimal | None = None
    notional: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    hedged: bool = False
    """True when the account is in hedge (dual-side) mode."""


@dataclass(frozen=True, slots=True)
class Balance:
    """A spot balance of one asset."""

    asset: str
    free: Decimal
    used: Decimal

    @property
    def total(self) -> Decimal:
        """free + used."""
        return self.free + self.used


@dataclass(frozen=True, slots=True)
class Exposure:
    """Everything on an account that can lose money: what kill must remove."""

    account: str
    orders: tuple[Order, ...] = ()
    balances: tuple[Balance, ...] = ()
    positions: tuple[Position, ...] = ()
    prices: dict[str, Decimal] = field(default_factory=dict)
    """Last price per symbol, for notional and dust decisions."""
    unchecked: tuple[str, ...] = ()
    """What this read could not see, each named with why (e.g. "swap positions: ccxt
    kraken has no fetchPositions"): an account read with gaps is never reported flat."""
    futures_refused: str | None = None
    """The exchange's refusal when this key may not read futures (read as empty): the
    kill reports the account residual, never flat, and says why."""


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """What kill needs to know to size an order: precision steps and minimums."""

    symbol: str
    market: str
    """spot, swap or future."""
    base: str
    quote: str
    amount_step: Decimal | None = None
    min_amount: Decimal | None = None
    min_notional: Decimal | None = None
    contract_size: Decimal | None = None
    """Base units per contract where amounts are contracts (OKX swaps); None: base units."""
