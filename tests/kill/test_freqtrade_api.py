"""The kill's talk with freqtrade's REST API: loopback only, bounded, never in the halt's way.

freqtrade itself is driven by tests/e2e/test_freqtrade.py. Here a STAND-IN API
(tests/kill/freqtrade_stand_in.py, or a socket that never answers) plays the bot's side,
because these cases (a hung, lying or failing API) are ones a real freqtrade cannot be
made to show on demand.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.config import load_config
from botguard.kill.freqtrade import (
    DroppedTrade,
    FreqtradeApi,
    api_of,
    open_trades,
    stand_down,
)
from botguard.kill.run import raise_flag, stop_bot
from tests.kill.freqtrade_stand_in import StandIn, serve


@pytest.fixture
def stand_in(request: pytest.FixtureRequest) -> Iterator[StandIn]:
    with serve(*getattr(request, "param", ())) as server:
        yield server


def api(port: int) -> FreqtradeApi:
    return FreqtradeApi("127.0.0.1", port, "freqtrader", "pw")


def test_stand_down_asks_stopentry_stop_then_drops_every_open_trade(stand_in: StandIn) -> None:
    done = stand_down(api(stand_in.port), drop_trades=True)
    assert [(m, p) for m, p, _ in stand_in.seen] == [
        ("POST", "/api/v1/stopentry"), ("POST", "/api/v1/stop"), ("GET", "/api/v1/status"),
        ("DELETE", "/api/v1/trades/3"), ("DELETE", "/api/v1/trades/7"),
    ]  # fmt: skip
    assert {auth for _, _, auth in stand_in.seen} == {"Basic ZnJlcXRyYWRlcjpwdw=="}
    assert done.dropped == (DroppedTrade(3, "BTC/USDT"), DroppedTrade(7, "ETH/USDT:USDT"))
    assert not done.problem
    assert "stopentry, stop; dropped from its books" in done.sentence()


def test_a_kill_that_does_not_flatten_drops_nothing(stand_in: StandIn) -> None:
    done = stand_down(api(stand_in.port), drop_trades=False)
    assert [p for _, p, _ in stand_in.seen] == ["/api/v1/stopentry", "/api/v1/stop"]
    assert done.dropped == ()


@pytest.mark.parametrize(
    ("stand_in", "problem"),
    [(("stop", "500"), "POST stop: HTTP 500"),
     (("stop", "big"), "POST stop: answer larger than 1048576 bytes"),
     (("stop", "notjson"), "POST stop: answer is not JSON")],
    indirect=["stand_in"],
)  # fmt: skip
def test_a_failing_request_ends_the_talk_and_is_only_recorded(
    stand_in: StandIn, problem: str
) -> None:
    done = stand_down(api(stand_in.port), drop_trades=True)
    assert done.asked == ("stopentry",)
    assert done.problem == problem
    assert done.sentence().endswith(f": stopentry; {problem}")


def test_out_of_time_nothing_is_sent(stand_in: StandIn) -> None:
    done = stand_down(api(stand_in.port), drop_trades=True, budget_s=0)
    assert stand_in.seen == []
    assert done.problem == "POST stopentry: out of time (2 s)"


def test_an_api_that_never_answers_costs_at_most_the_budget() -> None:
    with socket.socket() as silent:  # accepts (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        began = time.monotonic()
        done = stand_down(api(silent.getsockname()[1]), drop_trades=True, budget_s=0.5)
    assert time.monotonic() - began < 2.0
    assert done.asked == ()
    assert "stopentry" in done.problem


def test_nothing_listening_is_a_recorded_problem() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    done = stand_down(api(port), drop_trades=True)
    assert "ConnectionRefusedError" in done.problem
    assert done.sentence().startswith(f"freqtrade (API 127.0.0.1:{port}): nothing accepted; ")


def write(tmp_path: Path, api_server: Any, *, files: bool = True) -> Path:
    (tmp_path / "config.json").write_text(json.dumps({"api_server": api_server}), "utf-8")
    framework = f'framework_config = ["{tmp_path / "config.json"}"]' if files else ""
    path = tmp_path / "botguard.toml"
    path.write_text(
        f"""
[bot]
name = "ft"
framework = "freqtrade"
{framework}
pidfile = "{tmp_path / "bot.pid"}"
[state]
dir = "{tmp_path / "state"}"
[kill]
grace_s = 5
""",
        encoding="utf-8",
    )
    return path


ON = {"enabled": True, "listen_port": 8080, "username": "u", "password": "p"}


@pytest.mark.parametrize(
    ("listen", "host"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("::", "::1"),  # noqa: S104
     ("localhost", "127.0.0.1"), ("::1", "::1"), ("127.0.0.2", "127.0.0.2")],
)  # fmt: skip
def test_only_loopback_addresses_are_dialled(tmp_path: Path, listen: str, host: str) -> None:
    found = api_of(load_config(write(tmp_path, {**ON, "listen_ip_address": listen})), env={})
    assert isinstance(found, FreqtradeApi)
    assert (found.host, found.port, found.username, found.password) == (host, 8080, "u", "p")


@pytest.mark.parametrize(
    ("api_server", "why"),
    [({**ON, "listen_ip_address": "10.1.2.3"}, "not on this host's loopback"),
     ({**ON, "listen_ip_address": "bot.example"}, "not on this host's loopback"),
     ({**ON, "listen_ip_address": 7}, "not on this host's loopback"),
     ({**ON, "listen_ip_address": "127.0.0.1", "listen_port": "80"}, "not a port number"),
     ({**ON, "listen_ip_address": "127.0.0.1", "listen_port": True}, "not a port number"),
     ({**ON, "listen_ip_address": "127.0.0.1", "listen_port": 70000}, "not a port number"),
     ({**ON, "listen_ip_address": "127.0.0.1", "password": 5}, "not a string"),
     ({**ON, "enabled": False}, "not enabled"),
     ("on", "not enabled")],
)  # fmt: skip
def test_what_is_not_asked_says_why(tmp_path: Path, api_server: Any, why: str) -> None:
    found = api_of(load_config(write(tmp_path, api_server)), env={})
    assert isinstance(found, str)
    assert why in found


def test_freqtrades_own_variables_win_over_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, {**ON, "listen_ip_address": "127.0.0.1"}))
    env = {"FREQTRADE__API_SERVER__USERNAME": "eu", "FREQTRADE__API_SERVER__PASSWORD": "ep"}
    found = api_of(config, env=env)
    assert isinstance(found, FreqtradeApi)
    assert (found.username, found.password) == ("eu", "ep")
    assert "ep" not in repr(found)


def test_no_or_bad_config_file_is_not_asked(tmp_path: Path) -> None:
    assert "no freqtrade config file" in str(api_of(load_config(write(tmp_path, ON, files=False))))
    config = load_config(write(tmp_path, ON))
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in str(api_of(config))


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=50),
                    lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(st.sampled_from(["trade_id", "pair", "x"]), inner,
                                      max_size=3)))  # fmt: skip
def test_any_status_answer_parses_to_positive_ids_and_printable_pairs(answer: Any) -> None:
    for trade in open_trades(answer):
        assert trade.trade_id > 0
        assert trade.pair.isprintable()
        assert len(trade.pair) <= 40


def test_too_many_trades_is_not_a_freqtrade_answer() -> None:
    assert open_trades([{"trade_id": i, "pair": "A/B"} for i in range(1, 300)]) == []
    assert open_trades([{"trade_id": 1, "pair": "A\nB"}, {"trade_id": True}]) == [
        DroppedTrade(1, "?")
    ]


async def test_a_hung_api_never_holds_the_sigterm_back(tmp_path: Path) -> None:
    """The flag first, then at most ~2.5 s of asking, then the SIGTERM all the same."""
    sleeper = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(60)"
    )
    try:
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen()
            on = {**ON, "listen_ip_address": "127.0.0.1", "listen_port": silent.getsockname()[1]}
            config = load_config(write(tmp_path, on))
            (tmp_path / "bot.pid").write_text(f"{sleeper.pid}\n", encoding="utf-8")
            flag = raise_flag(config, "test")
            began = time.monotonic()
            halt = await stop_bot(config, flag, inside_bot=False, drop_trades=True)
            took = time.monotonic() - began
    finally:
        if sleeper.returncode is None:
            sleeper.kill()
        await sleeper.wait()
    assert took < 6.0  # 2 s of asking, 0.5 s of margin, the SIGTERM; generous under load
    lines = halt.lines()
    assert lines[0].startswith("halt flag raised")
    assert lines[1].startswith("freqtrade (API 127.0.0.1:")
    assert "SIGTERM -> exited" in lines[2]
    assert halt.bot_stopped
