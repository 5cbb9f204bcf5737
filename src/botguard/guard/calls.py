"""The order-placing ccxt calls, guarded: one admission path for sync and async ccxt.

create_order, create_orders and edit_order differ only in how their arguments map
to orders and back (`ORDER_CALLS`); each then goes the same way: fetch a missing
price, check and reserve every order at once (`Guard.admit`), send, and settle the
reservations with the answer. The sync and async runners differ only by `await`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ccxt.base.errors import DDoSProtection, InvalidNonce, NetworkError

if TYPE_CHECKING:
    from botguard.guard.wiring import Translator

OrderDict = dict[str, Any]
Build = Callable[..., "Pending"]
_REFUSED_UNSENT = (DDoSProtection, InvalidNonce)
"""Network-class errors that still mean the exchange did not take the order (429, 418,
a stale timestamp)."""


@dataclass(slots=True)
class Pending:
    """One guarded call: its orders as create_orders entries, and how to send them."""

    orders: list[OrderDict]
    send: Callable[[list[OrderDict]], tuple[Any, ...]]
    """The admitted orders (client ids stamped) -> the original method's arguments."""
    stamp: bool = True
    """New orders get a client id; an edit keeps the order's own."""
    tokens: list[int] = field(default_factory=list)


def _create(  # noqa: PLR0913 (ccxt's signature)
    t: Translator,
    symbol: str,
    type: str,
    side: str,
    amount: Any,
    price: Any = None,
    params: Any = None,
) -> Pending:
    order = {"symbol": symbol, "type": type, "side": side, "amount": amount, "price": price}

    def send(sent: list[OrderDict]) -> tuple[Any, ...]:
        return (symbol, type, side, amount, price, sent[0]["params"])

    return Pending([{**order, "params": params}], send)


def _batch(t: Translator, orders: list[OrderDict], params: Any = None) -> Pending:
    def send(sent: list[OrderDict]) -> tuple[Any, ...]:
        return (sent, params or {})

    return Pending([dict(o) for o in orders], send)


def _edit(  # noqa: PLR0913 (ccxt's signature)
    t: Translator,
    id: str,
    symbol: str,
    type: str,
    side: str,
    amount: Any = None,
    price: Any = None,
    params: Any = None,
) -> Pending:
    order = {"symbol": symbol, "type": type, "side": side, "price": price, "params": params}

    def send(sent: list[OrderDict]) -> tuple[Any, ...]:
        return (id, symbol, type, side, amount, price, sent[0]["params"])

    # without an amount the edit keeps the known remainder: that is what gets checked
    return Pending([{**order, "amount": t.edit_amount(id, amount)}], send, stamp=False)


ORDER_CALLS: dict[str, Build] = {
    "create_order": _create,
    "create_order_ws": _create,
    "create_orders": _batch,
    "edit_order": _edit,
}
"""Every ccxt method that places or changes an order, and how to read its arguments."""


def admit(t: Translator, pending: Pending) -> tuple[Any, ...]:
    """Check and reserve every order of the call (all or none); the arguments to send."""
    checked, sent = [], []
    for order in pending.orders:
        intent = t.order_intent(order, required=True)
        assert intent is not None  # noqa: S101 (required=True never returns None)
        params = t.stamp(order.get("params")) if pending.stamp else dict(order["params"] or {})
        checked.append((intent, pending.stamp and order["type"] != "market"))
        sent.append({**order, "params": params})
    pending.tokens = t.engine.admit(checked)
    return pending.send(sent)


def answered(t: Translator, pending: Pending, result: Any) -> None:
    """The reservations become what the exchange reports (open orders, fills)."""
    with t.engine.lock:
        t.engine.settle(pending.tokens)
        t.on_orders(result, (), {})


def failed(t: Translator, pending: Pending, exc: BaseException) -> None:
    """A refusal releases the reservations; an unknown outcome keeps them counted."""
    if isinstance(exc, _REFUSED_UNSENT) or not isinstance(
        exc, NetworkError | asyncio.CancelledError | KeyboardInterrupt
    ):
        t.engine.settle(pending.tokens)
    else:
        t.engine.doubt(pending.tokens)


def sync_guarded(
    t: Translator, orig: Callable[..., Any], fetch_ticker: Callable[..., Any], build: Build
) -> Callable[..., Any]:
    """A sync ccxt order method that admits before it sends."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        pending = build(t, *args, **kwargs)
        for symbol in t.missing_prices(pending.orders):
            t.on_ticker(fetch_ticker(symbol), (), {})
        sent = admit(t, pending)
        try:
            result = orig(*sent)
        except BaseException as exc:
            failed(t, pending, exc)
            raise
        answered(t, pending, result)
        return result

    return guarded


def async_guarded(
    t: Translator,
    orig: Callable[..., Awaitable[Any]],
    fetch_ticker: Callable[..., Awaitable[Any]],
    build: Build,
) -> Callable[..., Any]:
    """An async ccxt order method that admits before it sends."""

    async def guarded(*args: Any, **kwargs: Any) -> Any:
        pending = build(t, *args, **kwargs)
        for symbol in t.missing_prices(pending.orders):
            t.on_ticker(await fetch_ticker(symbol), (), {})
        sent = admit(t, pending)
        try:
            result = await orig(*sent)
        except BaseException as exc:
            failed(t, pending, exc)
            raise
        answered(t, pending, result)
        return result

    return guarded
