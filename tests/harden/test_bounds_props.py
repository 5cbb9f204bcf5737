"""Property tests for the numbers this round bounds: firewall ports and the sim's delays."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.cli.sim import MAX_DELAY_MS, _check_ms
from botguard.config import parse_config
from botguard.errors import ConfigError, UsageError

BOT = {"bot": {"name": "gridbot"}}


@given(st.lists(st.integers(min_value=-(2**70), max_value=2**70), min_size=1, max_size=5))
def test_egress_ports_are_accepted_exactly_when_tcp_has_them(ports: list[int]) -> None:
    raw = {**BOT, "harden": {"egress_tcp_ports": ports}}
    bad = [i for i, p in enumerate(ports) if not 1 <= p <= 65535]
    if not bad:
        assert parse_config(raw, path=Path("b.toml")).harden.egress_tcp_ports == ports
        return
    with pytest.raises(ConfigError) as err:
        parse_config(raw, path=Path("b.toml"))
    lines = str(err.value).splitlines()
    assert len(lines) == len(bad)  # one line per bad entry, naming it
    for line, i in zip(lines, bad, strict=True):
        assert f"harden.egress_tcp_ports[{i}]: a TCP port is 1 to 65535" in line


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_sim_delays_are_accepted_exactly_within_a_minute(ms: float) -> None:
    if not math.isnan(ms) and 0 <= ms <= MAX_DELAY_MS:
        _check_ms("--latency-ms", ms)
        return
    with pytest.raises(UsageError) as err:
        _check_ms("--latency-ms", ms)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("--latency-ms ")
