"""Scenario files: the accounts, balances, orders, positions and prices a sim starts with.

A scenario is TOML or JSON (or an already-parsed mapping). Symbols use ccxt's unified
names ("BTC/USDT" for spot, "BTC/USDT:USDT" for the USDⓈ-M perpetual) because that is
what the people writing scenarios read in their bots' logs. See examples/scenario.toml.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from botguard.errors import ConfigError

POSITION_MODES = ("one-way", "hedge")
EXCHANGES = ("binance", "okx", "bybit")
"""The wire dialects the sim speaks; an account names the one its key answers on."""
ORDER_TYPES = ("limit", "market", "stop", "stop_market", "take_profit", "take_profit_market")
CONDITIONAL_TYPES = frozenset({"stop", "stop_market", "take_profit", "take_profit_market"})
POSITION_SIDES = ("BOTH", "LONG", "SHORT")


@dataclass(frozen=True, slots=True)
class Permissions:
    """What an API key may do; mirrors the flags of Binance's apiRestrictions."""

    reading: bool = True
    spot: bool = True
    futures: bool = True
    margin: bool = False
    withdraw: bool = False
    universal_transfer: bool = False
    internal_transfer: bool = False


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """An order resting on the book when the sim starts (conditional ones go to the algo book)."""

    symbol: str
    side: str
    type: str
    amount: Decimal
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    reduce_only: bool = False
    close_position: bool = False
    position_side: str | None = None
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class PositionSpec:
    """An open USDⓈ-M position: side "long" or "short", size in base units."""

    symbol: str
    side: str
    amount: Decimal
    entry_price: Decimal
    leverage: int = 10


@dataclass(frozen=True, slots=True)
class HeldSpec:
    """A position in a product the sim lists no market for and never trades (OKX dated
    FUTURES or MARGIN, Bybit USDC-settled linear or inverse): the position reads answer
    it, nothing can close it. It lets a test ask "does the kill read every product?"."""

    product: str
    """One of HELD_PRODUCTS: which read answers it."""
    instrument: str
    """The exchange's own id, e.g. BTC-USD-261225 (OKX) or BTCUSD (Bybit inverse)."""
    side: str
    amount: Decimal


HELD_PRODUCTS = ("okx:FUTURES", "okx:MARGIN", "bybit:linear:USDC", "bybit:inverse:BTC")
"""okx:<instType>; bybit:<category>:<settleCoin>."""


@dataclass(frozen=True, slots=True)
class WithdrawAddressSpec:
    """A saved withdrawal address, as GET /sapi/v1/capital/withdraw/address/list lists it."""

    coin: str
    address: str
    network: str
    name: str = ""
    whitelisted: bool = True
    """Binance's `whiteStatus`: the address is on the withdrawal whitelist."""


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """One exchange account and its single API key."""

    name: str
    api_key: str
    secret: str
    permissions: Permissions = Permissions()
    ip_whitelist: tuple[str, ...] = ()
    position_mode: str = "one-way"
    spot: Mapping[str, Decimal] = field(default_factory=dict)
    futures: Mapping[str, Decimal] = field(default_factory=dict)
    orders: tuple[OrderSpec, ...] = ()
    positions: tuple[PositionSpec, ...] = ()
    trading_expires_ms: int | None = None
    """apiRestrictions' `tradingAuthorityExpirationTime` (ms since the epoch), if set."""
    withdraw_addresses: tuple[WithdrawAddressSpec, ...] = ()
    exchange: str = "binance"
    """Which exchange's API this key answers on (binance, okx, bybit); others refuse it."""
    passphrase: str = ""
    """OKX keys carry a passphrase (OK-ACCESS-PASSPHRASE); unused elsewhere."""
    held: tuple[HeldSpec, ...] = ()
    """Positions in products the sim does not trade, answered by the position reads only."""


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """A tradable market: unified symbol, filters, and the price it starts at."""

    symbol: str
    price: Decimal
    tick_size: Decimal
    step_size: Decimal
    min_notional: Decimal = Decimal(5)

    @property
    def is_swap(self) -> bool:
        """True for the USDⓈ-M perpetual ("BTC/USDT:USDT")."""
        return ":" in self.symbol

    @property
    def base(self) -> str:
        """The base asset ("BTC")."""
        return self.symbol.split("/")[0]

    @property
    def quote(self) -> str:
        """The quote asset ("USDT")."""
        return self.symbol.split("/")[1].split(":")[0]

    @property
    def market_id(self) -> str:
        """Binance's id for the market ("BTCUSDT"), the same for spot and the perpetual."""
        return self.base + self.quote


@dataclass(frozen=True, slots=True)
class Limits:
    """Rate limits per minute (request weight) and per 10 s (new orders), as Binance has them."""

    weight_per_minute: int = 6000
    orders_per_10s: int = 100
    ban_after_429s: int = 5
    """Requests answered 429 in one window before the sender is banned with 418."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything a sim starts from."""

    markets: tuple[MarketSpec, ...]
    accounts: tuple[AccountSpec, ...]
    spread_bps: Decimal = Decimal(2)
    spot_fee: Decimal = Decimal("0.001")
    futures_taker_fee: Decimal = Decimal("0.0005")
    futures_maker_fee: Decimal = Decimal("0.0002")
    partial_fill: Decimal = Decimal("0.5")
    """Share of a market order filled when a `partial` fault hits it."""
    limits: Limits = Limits()
    faults: str | None = None
    seed: int = 0
    recv_window_max_ms: int = 60_000


def load_scenario(source: Mapping[str, Any] | Path | str | None = None) -> Scenario:
    """Load a scenario from a TOML/JSON file or a mapping; None gives the built-in demo.

    Markets are the built-in catalogue (30+ spot, 15 perpetuals) plus any `[[market]]`
    entries; `[prices]` moves any of them. Errors name the key and what was expected.
    """
    from botguard.sim.catalogue import DEMO_ACCOUNT, catalogue_markets

    if source is None:
        return Scenario(markets=catalogue_markets(), accounts=(DEMO_ACCOUNT,))
    data, where = _read(source)
    try:
        return _parse(data, where, catalogue_markets())
    except RecursionError:  # a mapping handed in directly, nested without bound
        raise ConfigError(f"{where}: nested too deeply; a scenario is a few tables deep") from None


def _read(source: Mapping[str, Any] | Path | str) -> tuple[Mapping[str, Any], str]:
    if isinstance(source, Mapping):
        return source, "scenario"
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read scenario ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the scenario as UTF-8") from None
    kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
    try:
        data = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply; a scenario is a few tables deep") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid {kind}: {exc}") from None
    if not isinstance(data, Mapping):
        shape = "an object" if kind == "JSON" else "a table"
        raise ConfigError(f"{path}: (top level): expected {shape} of sim, account ... tables")
    return data, str(path)


_KEYS = {
    "": ("sim", "market", "prices", "account"),
    "sim": ("spread_bps", "faults", "seed", "limits"),
    "market": ("symbol", "price", "tick_size", "step_size", "min_notional"),
    "account": ("name", "api_key", "secret", "permissions", "ip_whitelist", "position_mode",
                "spot", "futures", "orders", "positions", "trading_expires_ms",
                "withdraw_addresses", "exchange", "passphrase", "held"),
    "order": ("symbol", "type", "side", "amount", "price", "trigger_price", "reduce_only",
              "close_position", "position_side", "client_id"),
    "position": ("symbol", "side", "amount", "entry_price", "leverage"),
    "withdraw_address": ("coin", "address", "network", "name", "whitelisted"),
    "held": ("product", "instrument", "side", "amount"),
}  # fmt: skip
"""The keys each table may hold: a misspelt key is an error, not a silent default."""


def _parse(data: Mapping[str, Any], where: str, base: tuple[MarketSpec, ...]) -> Scenario:
    reader = _Reader(where)
    reader.known(data, "", "")
    sim = reader.table(data, "sim")
    reader.known(sim, "sim", "sim")
    markets = {m.symbol: m for m in base}
    for i, raw in enumerate(reader.tables(data, "market")):
        spec = reader.market(raw, f"market[{i}]")
        markets[spec.symbol] = spec
    for symbol, value in reader.table(data, "prices").items():
        if symbol not in markets:
            raise ConfigError(f"{where}: prices.{symbol}: unknown market (use e.g. 'BTC/USDT')")
        markets[symbol] = _replace_price(markets[symbol], reader.decimal(value, f"prices.{symbol}"))
    accounts = tuple(
        reader.account(raw, f"account[{i}]", markets)
        for i, raw in enumerate(reader.tables(data, "account"))
    )
    if len({a.api_key for a in accounts}) != len(accounts):
        raise ConfigError(f"{where}: account: two accounts share an api_key")
    limits = reader.table(sim, "limits")
    unknown = set(limits) - set(Limits.__dataclass_fields__)
    if unknown:
        raise reader.fail(
            f"sim.limits.{sorted(unknown)[0]}", "one of " + ", ".join(Limits.__dataclass_fields__)
        )
    return Scenario(
        markets=tuple(markets.values()),
        accounts=accounts,
        spread_bps=reader.decimal(sim.get("spread_bps", 2), "sim.spread_bps"),
        faults=reader.text(sim.get("faults"), "sim.faults"),
        seed=reader.integer(sim.get("seed", 0), "sim.seed"),
        limits=Limits(**{k: reader.integer(v, f"sim.limits.{k}") for k, v in limits.items()}),
    )


def _replace_price(market: MarketSpec, price: Decimal) -> MarketSpec:
    return MarketSpec(market.symbol, price, market.tick_size, market.step_size, market.min_notional)


def _one_line(message: str) -> str:
    """`message` with its control characters escaped: a key in a scenario can hold a
    newline, and a bad-input error is one line (hypothesis found `{"sim": {"\\n": 1}}`)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


class _Reader:
    """Field readers that turn a bad value into one ConfigError line naming the key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, expected: str) -> ConfigError:
        return ConfigError(_one_line(f"{self.where}: {key}: expected {expected}"))

    def known(self, raw: Mapping[str, Any], key: str, kind: str) -> None:
        """Fail on the first key that `kind` tables do not have (a typo or a wrong level)."""
        unknown = sorted(str(k) for k in set(raw) - set(_KEYS[kind]))
        if unknown:
            name = f"{key}.{unknown[0]}" if key else unknown[0]
            raise ConfigError(
                _one_line(f"{self.where}: {name}: unknown key; use one of {', '.join(_KEYS[kind])}")
            )

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "a table")
        return value

    def tables(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise self.fail(key, "an array of tables ([[" + key + "]])")
        return value

    def decimal(self, value: Any, key: str) -> Decimal:
        if isinstance(value, bool):
            raise self.fail(key, "a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, 'a number such as "0.5"') from None
        if not number.is_finite() or number < 0:
            raise self.fail(key, "a non-negative number")
        return number

    def integer(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(key, "a whole number >= 0")
        return value

    def text(self, value: Any, key: str) -> str | None:
        if value is not None and not isinstance(value, str):
            raise self.fail(key, "a string")
        return value

    def choice(self, value: Any, key: str, options: tuple[str, ...]) -> str:
        if value not in options:
            raise self.fail(key, "one of " + ", ".join(options))
        return str(value)

    def market(self, raw: Mapping[str, Any], key: str) -> MarketSpec:
        self.known(raw, key, "market")
        symbol = raw.get("symbol")
        if not isinstance(symbol, str) or "/" not in symbol:
            raise self.fail(f"{key}.symbol", "a ccxt symbol such as 'BTC/USDT' or 'BTC/USDT:USDT'")
        return MarketSpec(
            symbol=symbol,
            price=self.decimal(raw.get("price"), f"{key}.price"),
            tick_size=self.decimal(raw.get("tick_size", "0.01"), f"{key}.tick_size"),
            step_size=self.decimal(raw.get("step_size", "0.001"), f"{key}.step_size"),
            min_notional=self.decimal(raw.get("min_notional", 5), f"{key}.min_notional"),
        )

    def balances(self, raw: Mapping[str, Any], key: str) -> dict[str, Decimal]:
        return {str(k): self.decimal(v, f"{key}.{k}") for k, v in raw.items()}

    def account(
        self, raw: Mapping[str, Any], key: str, markets: Mapping[str, MarketSpec]
    ) -> AccountSpec:
        self.known(raw, key, "account")
        for field_name in ("name", "api_key", "secret"):
            if not isinstance(raw.get(field_name), str) or not raw[field_name]:
                raise self.fail(f"{key}.{field_name}", "a non-empty string")
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,256}", raw["api_key"]):
            raise self.fail(f"{key}.api_key", "letters, digits, '-', '_' or '.' (as Binance keys)")
        perms = self.table(raw, "permissions")
        unknown = set(perms) - set(Permissions.__dataclass_fields__)
        if unknown:
            raise self.fail(f"{key}.permissions.{sorted(unknown)[0]}", "a known permission name")
        whitelist = raw.get("ip_whitelist", [])
        if not isinstance(whitelist, list):
            raise self.fail(f"{key}.ip_whitelist", "a list of IP addresses")
        return AccountSpec(
            name=raw["name"],
            api_key=raw["api_key"],
            secret=raw["secret"],
            permissions=Permissions(**{k: bool(v) for k, v in perms.items()}),
            ip_whitelist=tuple(str(ip) for ip in whitelist),
            position_mode=self.choice(
                raw.get("position_mode", "one-way"), f"{key}.position_mode", POSITION_MODES
            ),
            spot=self.balances(self.table(raw, "spot"), f"{key}.spot"),
            futures=self.balances(self.table(raw, "futures"), f"{key}.futures"),
            orders=tuple(
                self.order(o, f"{key}.orders[{i}]", markets)
                for i, o in enumerate(self.tables(raw, "orders"))
            ),
            positions=tuple(
                self.position(p, f"{key}.positions[{i}]", markets)
                for i, p in enumerate(self.tables(raw, "positions"))
            ),
            trading_expires_ms=None
            if raw.get("trading_expires_ms") is None
            else self.integer(raw["trading_expires_ms"], f"{key}.trading_expires_ms"),
            withdraw_addresses=tuple(
                self.withdraw_address(a, f"{key}.withdraw_addresses[{i}]")
                for i, a in enumerate(self.tables(raw, "withdraw_addresses"))
            ),
            exchange=self.choice(raw.get("exchange", "binance"), f"{key}.exchange", EXCHANGES),
            passphrase=self.text(raw.get("passphrase"), f"{key}.passphrase") or "",
            held=tuple(
                self.held(h, f"{key}.held[{i}]") for i, h in enumerate(self.tables(raw, "held"))
            ),
        )

    def held(self, raw: Mapping[str, Any], key: str) -> HeldSpec:
        self.known(raw, key, "held")
        instrument = self.text(raw.get("instrument"), f"{key}.instrument")
        if not instrument:
            raise self.fail(f"{key}.instrument", "the exchange's instrument id")
        return HeldSpec(
            product=self.choice(raw.get("product"), f"{key}.product", HELD_PRODUCTS),
            instrument=instrument,
            side=self.choice(raw.get("side"), f"{key}.side", ("long", "short")),
            amount=self.decimal(raw.get("amount"), f"{key}.amount"),
        )

    def withdraw_address(self, raw: Mapping[str, Any], key: str) -> WithdrawAddressSpec:
        self.known(raw, key, "withdraw_address")
        for name in ("coin", "address"):
            if not isinstance(raw.get(name), str) or not raw[name]:
                raise self.fail(f"{key}.{name}", "a non-empty string")
        whitelisted = raw.get("whitelisted", True)
        if not isinstance(whitelisted, bool):
            raise self.fail(f"{key}.whitelisted", "true or false")
        return WithdrawAddressSpec(
            coin=raw["coin"],
            address=raw["address"],
            network=self.text(raw.get("network"), f"{key}.network") or raw["coin"],
            name=self.text(raw.get("name"), f"{key}.name") or "",
            whitelisted=whitelisted,
        )

    def symbol(self, raw: Mapping[str, Any], key: str, markets: Mapping[str, MarketSpec]) -> str:
        symbol = raw.get("symbol")
        if not isinstance(symbol, str) or symbol not in markets:
            raise self.fail(f"{key}.symbol", "a market of the sim such as 'BTC/USDT'")
        return str(symbol)

    def order(
        self, raw: Mapping[str, Any], key: str, markets: Mapping[str, MarketSpec]
    ) -> OrderSpec:
        self.known(raw, key, "order")
        symbol = self.symbol(raw, key, markets)
        kind = self.choice(raw.get("type", "limit"), f"{key}.type", ORDER_TYPES)
        price = raw.get("price")
        trigger = raw.get("trigger_price")
        if kind in ("limit", "stop", "take_profit") and price is None:
            raise self.fail(f"{key}.price", f"a price for a {kind} order")
        if kind in CONDITIONAL_TYPES and trigger is None:
            raise self.fail(f"{key}.trigger_price", f"a trigger price for a {kind} order")
        return OrderSpec(
            symbol=symbol,
            side=self.choice(raw.get("side"), f"{key}.side", ("buy", "sell")),
            type=kind,
            amount=self.decimal(raw.get("amount", 0), f"{key}.amount"),
            price=None if price is None else self.decimal(price, f"{key}.price"),
            trigger_price=None
            if trigger is None
            else self.decimal(trigger, f"{key}.trigger_price"),
            reduce_only=self.flag(raw.get("reduce_only", False), f"{key}.reduce_only"),
            close_position=self.flag(raw.get("close_position", False), f"{key}.close_position"),
            position_side=None
            if raw.get("position_side") is None
            else self.side_of_position(raw["position_side"], f"{key}.position_side"),
            client_id=self.client_id(raw.get("client_id"), f"{key}.client_id"),
        )

    def side_of_position(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or value.upper() not in POSITION_SIDES:
            raise self.fail(key, "one of " + ", ".join(POSITION_SIDES))
        return value.upper()

    def flag(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, "true or false")
        return value

    def client_id(self, value: Any, key: str) -> str | None:
        if value is not None and not (
            isinstance(value, str) and re.fullmatch(r"[.A-Za-z0-9_:/-]{1,36}", value)
        ):
            raise self.fail(key, "1 to 36 of letters, digits and . _ : / - (Binance's rule)")
        return value

    def position(
        self, raw: Mapping[str, Any], key: str, markets: Mapping[str, MarketSpec]
    ) -> PositionSpec:
        self.known(raw, key, "position")
        symbol = self.symbol(raw, key, markets)
        if not markets[symbol].is_swap:
            raise self.fail(f"{key}.symbol", "a perpetual such as 'BTC/USDT:USDT'")
        return PositionSpec(
            symbol=symbol,
            side=self.choice(raw.get("side"), f"{key}.side", ("long", "short")),
            amount=self.decimal(raw.get("amount"), f"{key}.amount"),
            entry_price=self.decimal(raw.get("entry_price"), f"{key}.entry_price"),
            leverage=self.integer(raw.get("leverage", 10), f"{key}.leverage") or 1,
        )
