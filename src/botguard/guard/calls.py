"""The order-placing ccxt calls, guarded: one admission path for sync and async ccxt.

create_orders and edit_order differ only in how their arguments map to orders and
back (`ORDER_CALLS`); each then goes the same way: fetch a missing price, check and
reserve every order at once (`Guard.admit`), send, and settle the reservations with
the answer. create_order, the call every bot makes, takes those steps for its one
order without the batch around them. The sync and async runners differ only by `await`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ccxt.base.errors import DDoSProtection, InvalidNonce, NetworkError

if TYPE_CHECKING:
    from botguard.guard.rules import Intent
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
    tokens: Sequence[int] = ()
    """The reservations `admit` made, one per order."""


def _order(*args: Any) -> OrderDict:
    """create_order's arguments as a create_orders entry."""
    return dict(zip(("symbol", "type", "side", "amount", "price", "params"), args, strict=True))


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


ORDER_CALLS: dict[str, Build | None] = {
    "create_order": None,
    "create_order_ws": None,
    "create_orders": _batch,
    "edit_order": _edit,
}
"""Every ccxt method that places or changes an order, and how to read its arguments
(None: one new order, create_order's own path)."""


def priced(t: Translator, pending: Pending) -> tuple[list[Intent], set[str]]:
    """Each order as an Intent, and the symbols whose price must be fetched first.

    Each order is read once on the common path (not once to find missing prices and
    again to check); when a price is missing, the caller fetches it and reads again.
    """
    orders = pending.orders
    if len(orders) == 1:  # edit_order: no comprehension frames
        o = orders[0]
        intent = t.intent(o["symbol"], o["type"], o["side"], o.get("amount"), o.get("price"),
                          o.get("params"), required=False)  # fmt: skip
        return ([intent], set()) if intent is not None else ([], {o["symbol"]})
    first = [t.order_intent(order, required=False) for order in orders]
    missing = {o["symbol"] for o, i in zip(orders, first, strict=True) if i is None}
    return cast("list[Intent]", first), missing


def repriced(t: Translator, pending: Pending) -> list[Intent]:
    """Every order read again, after the missing prices were fetched."""
    return [_required(t, order) for order in pending.orders]


def _required(t: Translator, order: OrderDict) -> Intent:
    intent = t.order_intent(order, required=True)
    assert intent is not None  # noqa: S101 (required=True never returns None)
    return intent


def admit(t: Translator, pending: Pending, intents: list[Intent]) -> tuple[Any, ...]:
    """Check and reserve every order of the call (all or none); the arguments to send."""
    stamp, orders = pending.stamp, pending.orders
    checked = []
    for order, intent in zip(orders, intents, strict=True):
        # the order dicts are the call's own copies (the build step made them): the
        # params to send replace the caller's in place, the caller's dict untouched
        order["params"] = t.stamp(order.get("params")) if stamp else dict(order.get("params") or {})
        checked.append((intent, stamp and order["type"] != "market"))
    pending.tokens = t.engine.admit(checked)
    return pending.send(orders)


def answered(t: Translator, tokens: Sequence[int], result: Any) -> None:
    """The reservations become what the exchange reports (open orders, fills)."""
    engine = t.engine
    with engine.lock:
        engine.settle(tokens)
        if isinstance(result, list):
            t.on_orders(result, (), {})
        else:
            t.on_order(result)


def failed(t: Translator, tokens: Sequence[int], exc: BaseException) -> None:
    """A refusal releases the reservations; an unknown outcome keeps them counted."""
    if isinstance(exc, _REFUSED_UNSENT) or not isinstance(
        exc, NetworkError | asyncio.CancelledError | KeyboardInterrupt
    ):
        t.engine.settle(tokens)
    else:
        t.engine.doubt(tokens)


def sync_guarded(
    t: Translator,
    orig: Callable[..., Any],
    fetch_ticker: Callable[..., Any],
    build: Build | None,
) -> Callable[..., Any]:
    """A sync ccxt order method that admits before it sends."""
    if build is None:
        return _sync_create(t, orig, fetch_ticker)

    def guarded(*args: Any, **kwargs: Any) -> Any:
        pending = build(t, *args, **kwargs)
        intents, missing = priced(t, pending)
        if missing:
            for symbol in missing:
                t.on_ticker(fetch_ticker(symbol), (), {})
            intents = repriced(t, pending)
        sent = admit(t, pending, intents)
        try:
            result = orig(*sent)
        except BaseException as exc:
            failed(t, pending.tokens, exc)
            raise
        answered(t, pending.tokens, result)
        return result

    return guarded


def async_guarded(
    t: Translator,
    orig: Callable[..., Awaitable[Any]],
    fetch_ticker: Callable[..., Awaitable[Any]],
    build: Build | None,
) -> Callable[..., Any]:
    """An async ccxt order method that admits before it sends."""
    if build is None:
        return _async_create(t, orig, fetch_ticker)

    async def guarded(*args: Any, **kwargs: Any) -> Any:
        pending = build(t, *args, **kwargs)
        intents, missing = priced(t, pending)
        if missing:
            for symbol in missing:
                t.on_ticker(await fetch_ticker(symbol), (), {})
            intents = repriced(t, pending)
        sent = admit(t, pending, intents)
        try:
            result = await orig(*sent)
        except BaseException as exc:
            failed(t, pending.tokens, exc)
            raise
        answered(t, pending.tokens, result)
        return result

    return guarded


# create_order, the hot path (issue 18): the same steps as `guarded` above for its one
# order, without the batch around it (a Pending, a closure, lists, a set, a zip)


def _sync_create(
    t: Translator, orig: Callable[..., Any], fetch_ticker: Callable[..., Any]
) -> Callable[..., Any]:
    def create_order(
        symbol: str, type: str, side: str, amount: Any, price: Any = None, params: Any = None
    ) -> Any:
        intent = t.intent(symbol, type, side, amount, price, params, required=False)
        if intent is None:
            t.on_ticker(fetch_ticker(symbol), (), {})
            intent = _required(t, _order(symbol, type, side, amount, price, params))
        sent = t.stamp(params)
        tokens = (t.engine.admit_one(intent, resting=type != "market"),)
        try:
            result = orig(symbol, type, side, amount, price, sent)
        except BaseException as exc:
            failed(t, tokens, exc)
            raise
        answered(t, tokens, result)
        return result

    return create_order


def _async_create(
    t: Translator, orig: Callable[..., Awaitable[Any]], fetch_ticker: Callable[..., Awaitable[Any]]
) -> Callable[..., Any]:
    async def create_order(
        symbol: str, type: str, side: str, amount: Any, price: Any = None, params: Any = None
    ) -> Any:
        intent = t.intent(symbol, type, side, amount, price, params, required=False)
        if intent is None:
            t.on_ticker(await fetch_ticker(symbol), (), {})
            intent = _required(t, _order(symbol, type, side, amount, price, params))
        sent = t.stamp(params)
        tokens = (t.engine.admit_one(intent, resting=type != "market"),)
        try:
            result = await orig(symbol, type, side, amount, price, sent)
        except BaseException as exc:
            failed(t, tokens, exc)
            raise
        answered(t, tokens, result)
        return result

    return create_order
