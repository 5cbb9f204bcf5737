"""The kill's reads must answer with their list: a 200 without it is no answer, never "none".

ccxt parses a missing list as an empty one (Binance `{}` as no open orders, OKX
`{"code": "0"}` without `data`, Bybit `retCode` 0 with an empty `result`), so a degraded
gateway's hollow 200 would read as a flat account. Each exchange venue names the reads
a verdict rests on and where their list sits; `require_lists` makes ccxt's own
`handle_errors` hook (run on every answer, after the exchange's error codes) raise
BadResponse for an answer without it. BadResponse is an OperationFailed, so the venue
retries it like a 5xx and, at the deadline, the account is unreachable, never flat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class ListAnswer:
    """A GET (by its URL path's ending) and the keys leading to its list in the answer."""

    path: str
    keys: tuple[str, ...] = ()
    """() for an answer that is itself the list (Binance's reads)."""
    first: str | None = None
    """A list inside the list's first entry that must be there too (OKX balance
    `details`, Bybit wallet `coin`): the balance itself, not the account's summary."""

    def holds_list(self, answer: Any) -> bool:
        """Whether `answer` (ccxt's parsed JSON) has the list where it belongs."""
        for key in self.keys:
            if not isinstance(answer, dict):
                return False
            answer = answer.get(key)
        if not isinstance(answer, list):
            return False
        if self.first is None:
            return True
        return (
            bool(answer)
            and isinstance(answer[0], dict)
            and isinstance(answer[0].get(self.first), list)
        )


def require_lists(exchange: Any, reads: tuple[ListAnswer, ...]) -> None:
    """Wrap `exchange.handle_errors` so a 2xx answer to one of `reads` without its list
    raises ccxt's BadResponse (the exchange's own error codes are raised first)."""
    if not reads or not hasattr(exchange, "handle_errors"):
        return
    import ccxt

    original: Callable[..., Any] = exchange.handle_errors

    def handle_errors(code: int, reason: str, url: str, method: str, *rest: Any) -> Any:
        result = original(code, reason, url, method, *rest)
        if 200 <= int(code) < 300:  # the HTTP success range
            path = urlsplit(url).path
            answer = rest[2] if len(rest) > 2 else None  # headers, body, response, ...
            for read in reads:
                if method == "GET" and path.endswith(read.path) and not read.holds_list(answer):
                    raise ccxt.BadResponse(
                        f"{exchange.id} {method} {read.path}: 200 without its list"
                    )
        return result

    exchange.handle_errors = handle_errors
