"""`botguard.guard(exchange, policy)`: pre-trade limits around a ccxt exchange.

The guard patches the exchange *instance*, not a proxy around it: ccxt's helpers
(`create_limit_buy_order`, `create_reduce_only_order`, ...) call
`self.create_order`, so only an instance attribute catches every path to the
exchange, and the bot keeps the very object it built (isinstance checks, options
and markets all stay). This module imports neither ccxt nor pydantic at import
time: `import botguard` stays cheap for `botguard kill`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from botguard.clock import Clock
    from botguard.config import Config
    from botguard.guard.engine import Guard, TripAction
    from botguard.guard.policy import Policy

logger = logging.getLogger(__name__)

E = TypeVar("E")

ATTRIBUTE = "botguard"
"""The patched exchange's attribute holding its `Guard`."""


def guard(
    exchange: E,
    policy: Config | Policy | str | Path | None = None,
    *,
    account: str | None = None,
    clock: Clock | None = None,
    on_trip: TripAction | None = None,
) -> E:
    """Check every order `exchange` sends against the `[guard]` policy; returns `exchange`.

    The bot's log handlers then write through the redactor (`attach_redaction`);
    `guard_of(exchange).log_redaction.uninstall()` takes that off again.

    Args:
        exchange: a ccxt exchange, sync or async (ccxt.async_support / ccxt.pro).
        policy: a loaded Config, a path to botguard.toml (None: the default path),
            or a ready `Policy` (then a trip only raises the halt flag).
        account: the `[[account]]` whose kill switch a trip runs (default: the only
            account, or the ones on this exchange, else all).
        on_trip: replaces the default trip action (the kill switch in a thread).
    """
    import inspect

    from botguard.clock import SystemClock
    from botguard.guard.engine import Guard
    from botguard.guard.policy import Policy
    from botguard.guard.wiring import wire
    from botguard.secrets.logging import attach_redaction

    if isinstance(policy, Policy):
        resolved = policy
    else:
        config = _load(policy)
        resolved = Policy.from_config(config)
        accounts = _accounts_for(config, getattr(exchange, "id", ""), account)
        if on_trip is None:
            from botguard.guard.trip import KillOnTrip

            on_trip = KillOnTrip(config, accounts)
        account = account or (accounts[0] if accounts and len(accounts) == 1 else "")
    engine = Guard(
        resolved,
        clock=clock or SystemClock(),
        market_of=_market_lookup(exchange),
        on_trip=on_trip,
        account=account or "",
    )
    ccxt_exchange: Any = exchange
    wire(exchange, engine, is_async=inspect.iscoroutinefunction(ccxt_exchange.create_order))
    setattr(exchange, ATTRIBUTE, engine)
    engine.log_redaction = attach_redaction()
    logger.info("guarding %s with %s", getattr(exchange, "id", "exchange"), resolved)
    return exchange


def guard_of(exchange: object) -> Guard:
    """The `Guard` of a guarded exchange (its state, book and policy)."""
    engine = getattr(exchange, ATTRIBUTE, None)
    if engine is None:
        raise TypeError("this exchange is not guarded; wrap it with botguard.guard() first")
    return engine  # type: ignore[no-any-return]


def _load(policy: Config | str | Path | None) -> Config:
    from botguard.config import Config, load_config

    if isinstance(policy, Config):
        return policy
    return load_config(None if policy is None else Path(policy))


def _accounts_for(config: Config, exchange_id: str, account: str | None) -> list[str] | None:
    """Which accounts a trip kills: the named one, the only one, same exchange, or all."""
    if account is not None:
        return [config.get_account(account).name]
    if len(config.account) == 1:
        return [config.account[0].name]
    same = [a.name for a in config.account if exchange_id.startswith(a.exchange)]
    return same or None


def _market_lookup(exchange: object) -> Callable[[str], Mapping[str, Any] | None]:
    def market_of(symbol: str) -> Mapping[str, Any] | None:
        markets = getattr(exchange, "markets", None) or {}
        found = markets.get(symbol)
        return found if isinstance(found, Mapping) else None

    return market_of
