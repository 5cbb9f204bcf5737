"""Matching ccxt's parsed batch answer to the closes sent (pure: no exchange needed).

ccxt's parse_orders sorts a batch answer by timestamp, so refused entries (no timestamp)
come first; the sim test test_batch_sim.py sees the same through real HTTP.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from botguard.errors import VenueError
from botguard.venues.base import CloseRequest
from botguard.venues.batch import chunked, match_answer
from botguard.venues.errors import OrderRejected, VenueUnavailable
from botguard.venues.types import PositionSide


def closes(n: int) -> list[CloseRequest]:
    return [
        CloseRequest(f"S{i}/USDT:USDT", PositionSide.LONG, Decimal(1), f"c{i}", hedged=False)
        for i in range(n)
    ]


def refused(info: dict[str, Any]) -> VenueError:
    return OrderRejected(f"{info['code']} {info['msg']}")


def answer(chunk: list[CloseRequest], refused_at: set[int], order: list[int]) -> list[Any]:
    """What ccxt returns: refusals first (request order), then landed ones (any order)."""
    rejections = [
        {"id": None, "clientOrderId": None, "info": {"code": -2010 - i, "msg": f"no {i}"}}
        for i in range(len(chunk))
        if i in refused_at
    ]
    landed = [
        {"id": f"o{i}", "clientOrderId": chunk[i].client_id, "info": {}}
        for i in order
        if i not in refused_at
    ]
    return rejections + landed


@given(st.data())
def test_each_result_belongs_to_its_own_close(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 5))
    refused_at = data.draw(st.sets(st.integers(0, n - 1)))
    order = data.draw(st.permutations(range(n)))
    chunk = closes(n)
    results = match_answer(chunk, answer(chunk, refused_at, list(order)), refused)
    assert [r.client_id for r in results] == [c.client_id for c in chunk]
    for i, result in enumerate(results):
        if i in refused_at:
            assert result.order_id is None
            assert str(result.error) == f"{-2010 - i} no {i}"  # its own refusal, not another's
        else:
            assert result.order_id == f"o{i}"
            assert result.error is None


def test_an_answer_short_of_entries_leaves_the_rest_unanswered_not_refused() -> None:
    """Unanswered means "may have landed": looked up before any resend, never resent blind."""
    chunk = closes(4)
    raw = answer(chunk, {1}, [0, 2, 3])[:-1]  # c3's entry is missing
    results = match_answer(chunk, raw, refused)
    assert results[0].order_id == "o0"
    assert results[2].order_id == "o2"
    assert isinstance(results[1].error, VenueUnavailable)
    assert isinstance(results[3].error, VenueUnavailable)


@given(st.integers(0, 23), st.integers(0, 7))
def test_chunks_keep_order_and_size(n: int, size: int) -> None:
    parts = chunked(closes(n), size)
    assert [c for part in parts for c in part] == closes(n)
    assert all(0 < len(part) <= max(size, 1) for part in parts)
