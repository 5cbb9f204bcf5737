"""Binance's error answers: HTTP status, numeric code and message, as the real API sends them.

ccxt maps the code (and some messages) to its exception classes, so the wording here
is copied from Binance's error-code documentation rather than invented.
"""

from __future__ import annotations


class BinanceError(Exception):
    """An error the sim answers with `{"code": code, "msg": msg}` and an HTTP status."""

    def __init__(
        self, status: int, code: int, msg: str, *, reason: str = "", retry_after: int = 0
    ) -> None:
        super().__init__(msg)
        self.retry_after = retry_after
        self.headers: dict[str, str] = {}
        """Headers to send with the error (rate-limit counters)."""
        """Seconds for the Retry-After header (429/418), 0 for none."""
        self.status = status
        self.code = code
        self.msg = msg
        self.reason = reason or msg
        """Why the sim refused, for its log; the wire only shows Binance's message."""

    def body(self) -> dict[str, object]:
        """The JSON body Binance sends."""
        return {"code": self.code, "msg": self.msg}


def rejected_key(reason: str) -> BinanceError:
    """-2015: unknown key, IP not whitelisted, or a permission the key lacks."""
    return BinanceError(
        401, -2015, "Invalid API-key, IP, or permissions for action.", reason=reason
    )


def bad_key_format() -> BinanceError:
    """-2014: the X-MBX-APIKEY header is missing or malformed."""
    return BinanceError(401, -2014, "API-key format invalid.")


def bad_signature() -> BinanceError:
    """-1022: the HMAC does not match the query and body."""
    return BinanceError(400, -1022, "Signature for this request is not valid.")


def stale_timestamp() -> BinanceError:
    """-1021: timestamp outside recvWindow (or too far ahead of the server clock)."""
    return BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow.")


def missing(name: str) -> BinanceError:
    """-1102: a mandatory parameter is absent."""
    return BinanceError(
        400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def bad_param(name: str, legal: str = "") -> BinanceError:
    """-1100: a parameter has the wrong format (with its legal range, as Binance says it)."""
    if legal:
        return BinanceError(
            400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
        )
    return BinanceError(400, -1100, f"Illegal characters found in parameter '{name}'.")


def unreadable_request() -> BinanceError:
    """-1100: the query or body is not text at all (bytes that are not UTF-8)."""
    return BinanceError(400, -1100, "Illegal characters found in a parameter.")


def bad_symbol() -> BinanceError:
    """-1121: no such market."""
    return BinanceError(400, -1121, "Invalid symbol.")


def unknown_order() -> BinanceError:
    """-2011: cancel of an order that is not open (also spot cancel-all with nothing open)."""
    return BinanceError(400, -2011, "Unknown order sent.")


def no_such_order() -> BinanceError:
    """-2013: query of an order that does not exist."""
    return BinanceError(400, -2013, "Order does not exist.")


def insufficient_balance() -> BinanceError:
    """-2010: spot order larger than the free balance."""
    return BinanceError(400, -2010, "Account has insufficient balance for requested action.")


def insufficient_margin() -> BinanceError:
    """-2019: futures order needs more margin than is available."""
    return BinanceError(400, -2019, "Margin is insufficient.")


def reduce_only_rejected() -> BinanceError:
    """-2022: reduceOnly order that would not reduce a position."""
    return BinanceError(400, -2022, "ReduceOnly Order is rejected.")


def filter_failure(name: str) -> BinanceError:
    """-1013: an exchangeInfo filter (LOT_SIZE, PRICE_FILTER, NOTIONAL...) refused the order."""
    return BinanceError(400, -1013, f"Filter failure: {name}")


def position_side_mismatch() -> BinanceError:
    """-4061: positionSide does not fit the account's position mode."""
    return BinanceError(400, -4061, "Order's position side does not match user's setting.")
