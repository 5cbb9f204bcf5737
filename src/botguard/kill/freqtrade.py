"""Before the SIGTERM, ask freqtrade itself to stand down over its REST API.

`[bot] framework = "freqtrade"`: after the halt flag is up and before the bot is
signalled, the kill asks freqtrade to stop entering (`/api/v1/stopentry`), to stop
(`/api/v1/stop`), and, when the kill flattens, to drop its open trades from its books
(`DELETE /api/v1/trades/{id}`), all within ~2 s. freqtrade's own shutdown then runs on
the SIGTERM that follows regardless.

Why drop the trades (issue 14, item 4): the kill closes them on the exchange anyway, and
a freqtrade that still holds them open after a restart re-sells coins that are gone,
loops on it, or fills slots with them. freqtrade readopts an outside sell only when its
amount matches its trade exactly, which a kill that sells the account's whole balance
(or leaves dust) does not. Its own DELETE (a) runs inside its exit lock, so it cannot
race its own order handling, (b) places no order (it only cancels the trade's own open
orders, which the kill cancels too), (c) needs no botguard write into the bot's
database file and no knowledge of its schema. What was dropped is in the kill's report
and journal. A kill that cannot flatten (`--no-flatten`) drops nothing.

The API server is the bot's, so untrusted: only loopback addresses are dialled (a
config naming another host is refused, its password never sent), no redirect is
followed, answers are read bounded and parsed defensively, and every failure is only
recorded: the halt goes on exactly as without it.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import json
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botguard.config import Config

logger = logging.getLogger(__name__)

BUDGET_S = 2.0
"""The whole conversation's time limit: the SIGTERM waits for it at most this long."""
MAX_ANSWER_BYTES = 1 << 20
MAX_TRADES = 200
"""More open trades than this in one answer is not a freqtrade answer: none are dropped."""
ENV_USERNAME = "FREQTRADE__API_SERVER__USERNAME"
ENV_PASSWORD = "FREQTRADE__API_SERVER__PASSWORD"  # noqa: S105 - a variable's name
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - mapped away


@dataclass(frozen=True, slots=True)
class FreqtradeApi:
    """Where freqtrade's API answers on this host, and its login (never shown)."""

    host: str
    port: int
    username: str = field(repr=False)
    password: str = field(repr=False)

    @property
    def where(self) -> str:
        """`127.0.0.1:8080`, for the report."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class DroppedTrade:
    """A trade freqtrade deleted from its books at the kill's request."""

    trade_id: int
    pair: str


@dataclass(frozen=True, slots=True)
class FrameworkStop:
    """What freqtrade was asked, and what it answered (for the report and journal)."""

    where: str = ""
    asked: tuple[str, ...] = ()
    """The requests it accepted, in order: `stopentry`, `stop`, `status`."""
    dropped: tuple[DroppedTrade, ...] = ()
    problem: str = ""
    """Why it was not asked, or the first request that failed (the halt went on)."""
    took_s: float = 0.0
    """How long the talk held the SIGTERM back."""

    def sentence(self) -> str:
        """One line: `freqtrade (API 127.0.0.1:8080): stopentry, stop; dropped #1 BTC/USDT`."""
        head = f"freqtrade (API {self.where})" if self.where else "freqtrade"
        done = ", ".join(a for a in self.asked if a != "status") or "nothing accepted"
        text = f"{head}: {done}"
        if self.dropped:
            trades = ", ".join(f"#{t.trade_id} {t.pair}" for t in self.dropped)
            text += f"; dropped from its books (the kill closes them): {trades}"
        return f"{text}; {self.problem}" if self.problem else text


def api_of(config: Config, env: Mapping[str, str] | None = None) -> FreqtradeApi | str:
    """freqtrade's API from its config files, or why it is not to be asked.

    Its login as freqtrade itself reads it: FREQTRADE__API_SERVER__* in `env` (this
    process's environment by default) over the files."""
    env = os.environ if env is None else env
    from botguard.framework.freqtrade import (
        FrameworkConfigError,
        config_files,
        load_freqtrade,
        with_handed_over,
    )

    files = config_files(config)
    if not files:
        return "no freqtrade config file ([bot] framework_config)"
    try:
        data = with_handed_over(config, load_freqtrade(files).data)
    except FrameworkConfigError as exc:
        return str(exc)
    api = data.get("api_server")
    if not isinstance(api, dict) or api.get("enabled") is not True:
        return "its API server is not enabled"
    host = _loopback_host(api.get("listen_ip_address", ""))
    port = api.get("listen_port", 8080)
    if host is None:
        return "its API server is not on this host's loopback; not asked"
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        return "its API server's listen_port is not a port number"
    username: Any = env.get(ENV_USERNAME, api.get("username", ""))
    password: Any = env.get(ENV_PASSWORD, api.get("password", ""))
    if not isinstance(username, str) or not isinstance(password, str):
        return "its API server's username or password is not a string"
    return FreqtradeApi(host, port, username, password)


def _loopback_host(address: Any) -> str | None:
    """The loopback address to dial for a listen address; None when it is not loopback."""
    if not isinstance(address, str):
        return None
    if address in _WILDCARDS:  # listens everywhere, loopback included
        return _WILDCARDS[address]
    if address == "localhost":
        return "127.0.0.1"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    return str(ip) if ip.is_loopback else None


class _ApiError(Exception):
    """One request failed; the message is safe to show (no credentials)."""


class _Session:
    """Requests to one freqtrade API, each within what is left of one deadline."""

    def __init__(self, api: FreqtradeApi, deadline: float) -> None:
        self.api = api
        self.deadline = deadline
        login = f"{api.username}:{api.password}".encode()
        self._auth = "Basic " + base64.b64encode(login).decode("ascii")

    def call(self, method: str, path: str) -> Any:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _ApiError(f"{method} {path}: out of time ({BUDGET_S:g} s)")
        conn = http.client.HTTPConnection(self.api.host, self.api.port, timeout=left)
        try:
            conn.request(method, f"/api/v1/{path}", headers={"Authorization": self._auth})
            response = conn.getresponse()
            body = response.read(MAX_ANSWER_BYTES + 1)
        except (OSError, http.client.HTTPException) as exc:
            raise _ApiError(f"{method} {path}: {type(exc).__name__}: {str(exc)[:80]}") from None
        finally:
            conn.close()
        if response.status != 200:
            raise _ApiError(f"{method} {path}: HTTP {response.status}")
        if len(body) > MAX_ANSWER_BYTES:
            raise _ApiError(f"{method} {path}: answer larger than {MAX_ANSWER_BYTES} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise _ApiError(f"{method} {path}: answer is not JSON") from None


def open_trades(status: Any) -> list[DroppedTrade]:
    """The open trades in a `/api/v1/status` answer; anything odd in it is skipped."""
    if not isinstance(status, list) or len(status) > MAX_TRADES:
        return []
    trades = []
    for item in status:
        if not isinstance(item, dict):
            continue
        trade_id, pair = item.get("trade_id"), item.get("pair")
        if isinstance(trade_id, int) and not isinstance(trade_id, bool) and trade_id > 0:
            shown = pair if isinstance(pair, str) and pair.isprintable() else "?"
            trades.append(DroppedTrade(trade_id, shown[:40]))
    return trades


def stand_down(
    api: FreqtradeApi, *, drop_trades: bool, budget_s: float = BUDGET_S
) -> FrameworkStop:
    """stopentry, stop, then (when the kill flattens) its open trades deleted; blocking,
    bounded by `budget_s`, never raising."""
    began = time.monotonic()
    session = _Session(api, began + budget_s)
    asked: list[str] = []
    dropped: list[DroppedTrade] = []
    try:
        for path in ("stopentry", "stop"):
            session.call("POST", path)
            asked.append(path)
        if drop_trades:
            trades = open_trades(session.call("GET", "status"))
            asked.append("status")
            for trade in trades:
                session.call("DELETE", f"trades/{trade.trade_id}")
                dropped.append(trade)
    except _ApiError as exc:
        logger.warning("freqtrade's API (%s): %s; the halt goes on", api.where, exc)
        problem = str(exc)
    else:
        problem = ""
    took_s = round(time.monotonic() - began, 3)
    return FrameworkStop(api.where, tuple(asked), tuple(dropped), problem, took_s)
