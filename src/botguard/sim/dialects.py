"""The other exchanges the sim speaks besides Binance, routed by path prefix.

OKX's paths (/api/v5/...) and Bybit's (/v5/...) collide with none of Binance's, so one
server answers all three and one scenario holds accounts of each (`exchange = "okx"`).
Each dialect authenticates only its own accounts: a Binance key is unknown to OKX.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from aiohttp import web

    from botguard.sim.server import SimServer
    from botguard.sim.state import Exchange

CallT = TypeVar("CallT")


@dataclass(frozen=True)  # no slots: a slotted Generic dataclass breaks super() on 3.11
class DialectRoute(Generic[CallT]):
    """One endpoint of a dialect: its handler, private or public, and the exchange's
    request limit for it (per the dialect's own window: OKX 2 s, Bybit 1 s)."""

    handler: Callable[[CallT], Any]
    private: bool
    limit: int
    places_order: bool = False


Dispatch = Callable[["SimServer", "web.Request", dict[str, Any]], Awaitable["web.Response"]]


def route(path: str) -> Dispatch | None:
    """The handler of a non-Binance path, or None for Binance's own."""
    from botguard.sim.bybit import serve as bybit
    from botguard.sim.okx import serve as okx

    if path.startswith(okx.PREFIX):
        return okx.handle
    if path.startswith(bybit.PREFIX):
        return bybit.handle
    return None


def prepare(ex: Exchange) -> None:
    """Per-dialect fix-ups of freshly seeded books."""
    from botguard.sim.okx import serve as okx

    okx.prepare(ex)
