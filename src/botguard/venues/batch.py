"""Batched closes over ccxt's create_orders: chunking, and matching the answer to each close.

Kept apart from the exchange venues because ccxt's answer shape is the same for every
exchange whose create_orders parses per-order results (binance now; okx, bybit later).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from botguard.errors import VenueError
from botguard.venues.base import CloseRequest, CloseResult
from botguard.venues.errors import VenueUnavailable


def chunked(closes: Sequence[CloseRequest], size: int) -> list[Sequence[CloseRequest]]:
    """`closes` in runs of at most `size` (at least 1), in order."""
    step = max(size, 1)
    return [closes[i : i + step] for i in range(0, len(closes), step)]


def match_answer(
    chunk: Sequence[CloseRequest],
    raw: list[dict[str, Any]],
    entry_error: Callable[[dict[str, Any]], VenueError],
) -> list[CloseResult]:
    """One result per close, in the chunk's order, from ccxt's parsed batch answer.

    The exchange answers in request order, with an error entry ({code, msg} on Binance)
    for a refused order, but ccxt's parse_orders sorts by timestamp (a stable sort): the
    refusals, which have none, come first, still in request order. So landed orders are
    matched by client id and the refusals zip with the closes left, in order. If the
    counts disagree, every close left is treated as unanswered (so it is looked up before
    any resend), never as refused.

    Args:
        chunk: the closes sent in one batch request.
        raw: ccxt's list of order dicts for that request.
        entry_error: turns a refused entry's `info` into the error for that close.
    """
    landed = {str(o.get("clientOrderId")): str(o["id"]) for o in raw if o.get("id")}
    refusals = [o.get("info") or {} for o in raw if not o.get("id")]
    left = [c for c in chunk if c.client_id not in landed]
    errors: dict[str, VenueError] = {}
    if len(refusals) == len(left):
        errors = {c.client_id: entry_error(i) for c, i in zip(left, refusals, strict=True)}
    unanswered = VenueUnavailable("batch answer has no entry for this order")
    return [
        CloseResult(c.client_id, order_id=landed[c.client_id])
        if c.client_id in landed
        else CloseResult(c.client_id, error=errors.get(c.client_id, unanswered))
        for c in chunk
    ]
