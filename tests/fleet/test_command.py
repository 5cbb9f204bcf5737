"""Signed commands and the socket's request parser, without a server: pure checks."""

from __future__ import annotations

import contextlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botguard.fleet.command import (
    Action,
    Command,
    Refused,
    Verifier,
    public_key_text,
    sign,
    target_for,
)
from botguard.guardian.wire import KillRequest

KEY = Ed25519PrivateKey.generate()


def verifier(**kw: object) -> Verifier:
    base: dict[str, object] = {
        "fleet": "prod",
        "host": "h1",
        "groups": ["eu"],
        "operator_key": public_key_text(KEY),
    }
    return Verifier(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("target", "mine"),
    [("all", True), ("group.eu", True), ("group.us", False), ("host.h1", True),
     ("host.h2", False)],
)  # fmt: skip
def test_a_signed_command_is_obeyed_only_by_the_hosts_it_targets(target: str, mine: bool) -> None:
    command = Command.new("prod", target, Action.HALT)
    got = verifier().check(command.key, sign(command, KEY))
    assert (got == command) is mine
    assert (got is None) is not mine


def test_a_command_no_newer_than_the_last_obeyed_is_a_replay() -> None:
    command = Command.new("prod", "all", Action.HALT)
    v = verifier(last_issued_at=command.issued_at)
    with pytest.raises(Refused, match="replay"):
        v.check("cmd.all", sign(command, KEY))


def test_the_signature_covers_every_field() -> None:
    command = Command.new("prod", "group.us", Action.HALT)
    raw = json.loads(sign(command, KEY))
    raw["command"]["target"] = "all"  # retargeted after signing
    with pytest.raises(Refused, match="bad signature"):
        verifier().check("cmd.all", json.dumps(raw).encode())


def test_targets_from_flags() -> None:
    assert target_for() == "all"
    assert target_for(group="eu") == "group.eu"
    assert target_for(host="h1") == "host.h1"


@given(st.binary(max_size=300))
def test_any_bytes_in_the_bucket_are_refused_or_ignored_never_a_crash(value: bytes) -> None:
    with contextlib.suppress(Refused):
        assert verifier().check("cmd.all", value) is None


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["op", "accounts", "flatten", "halt", "deadline_s", "reason", "width"]),
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                  st.lists(st.text(max_size=5), max_size=3)),
    )
)  # fmt: skip
def test_the_socket_request_parser_accepts_or_says_why(raw: dict[str, object]) -> None:
    try:
        request = KillRequest.decode(raw)
    except ValueError:
        return
    assert 40 <= request.width <= 200
    assert request.deadline_s is None or 0.1 <= request.deadline_s <= 3600
