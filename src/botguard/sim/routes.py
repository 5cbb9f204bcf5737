"""The endpoint table: path, weight, security and permission of every Binance call served."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botguard.sim.auth import Permission, Security

if TYPE_CHECKING:
    import asyncio

    from botguard.sim.state import Account, Exchange


@dataclass(slots=True)
class Call:
    """What a handler gets: the exchange, the caller's account and the merged parameters."""

    ex: Exchange
    account: Account | None
    params: Mapping[str, str]
    fault: str | None
    loop: asyncio.AbstractEventLoop

    @property
    def me(self) -> Account:
        """The authenticated account (signed endpoints only)."""
        assert self.account is not None  # noqa: S101 - the table marks these SIGNED
        return self.account


Handler = Callable[[Call], Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One Binance endpoint the sim answers."""

    handler: Handler
    weight: int = 1
    security: Security = Security.NONE
    permission: Permission = Permission.READ
    places_order: bool = False
    """Counts against the order rate limit; `partial`/`reject` faults apply."""
    weight_all: int = 0
    """Weight when no `symbol` is given (Binance charges all-symbol reads more), 0 = same."""

    def weight_for(self, params: Mapping[str, str]) -> int:
        """The request weight Binance would charge for these parameters."""
        return self.weight_all if self.weight_all and not params.get("symbol") else self.weight


def signed(
    handler: Handler,
    weight: int = 1,
    permission: Permission = Permission.READ,
    *,
    places_order: bool = False,
    weight_all: int = 0,
) -> Endpoint:
    """A SIGNED (TRADE / USER_DATA) endpoint."""
    return Endpoint(handler, weight, Security.SIGNED, permission, places_order, weight_all)


def public(handler: Handler, weight: int = 1, weight_all: int = 0) -> Endpoint:
    """A public market-data endpoint."""
    return Endpoint(handler, weight, weight_all=weight_all)


def all_routes() -> dict[tuple[str, str], Endpoint]:
    """Every (method, path) the sim serves."""
    from botguard.sim import api_futures, api_history, api_market, api_spot, api_wallet

    table: dict[tuple[str, str], Endpoint] = {}
    for module in (api_market, api_spot, api_futures, api_wallet, api_history):
        table.update(module.ROUTES)
    return table
