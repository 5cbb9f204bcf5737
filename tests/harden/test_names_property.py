"""Property tests for the name validators: whatever they accept is safe as a file name
and as one token on one line of a unit, drop-in or rule."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.names import (
    UNIT_NAME_MAX,
    check_argument,
    check_bot_name,
    check_service,
    check_ssh_user,
    check_user,
    check_writable_path,
    service_unit_name,
)

TEXT = st.text(
    st.one_of(st.sampled_from("/.-_@:\\\n\r\t\x00 #\"'aZ09"), st.characters()), max_size=300
)


def accepted(check: Callable[[str], str], value: str) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def is_one_token(value: str) -> bool:
    return not any(c.isspace() or ord(c) < 0x20 or c in "\"'#\\;" for c in value)


@pytest.mark.parametrize("check", [check_bot_name, check_service, check_user, check_ssh_user])
@given(value=TEXT)
def test_accepted_names_are_one_token_and_never_a_path(
    check: Callable[[str], str], value: str
) -> None:
    if accepted(check, value):
        assert is_one_token(value)
        assert value.isascii()
        if check is not check_ssh_user:  # USER@ADDR/LEN is an sshd pattern, not a file
            assert "/" not in value
            assert value not in (".", "..")
            assert not value.startswith((".", "-"))


@given(value=TEXT)
def test_accepted_services_fit_systemd(value: str) -> None:
    if accepted(check_service, value):
        unit = service_unit_name(value)
        assert len(unit) <= UNIT_NAME_MAX
        assert unit.count("@") <= 1


@given(value=TEXT)
def test_accepted_arguments_hold_no_control_character(value: str) -> None:
    if accepted(check_argument, value):
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value)


@given(value=st.one_of(TEXT, TEXT.map(lambda t: "/" + t)))
def test_accepted_writable_paths_are_one_normalized_absolute_token(value: str) -> None:
    """They go unquoted into ReadWritePaths=/BindPaths=: no `%` specifier, no `-`/`+` prefix."""
    try:
        text = str(check_writable_path(Path(value)))  # what the unit gets
    except ValueError:
        return
    assert is_one_token(text)
    assert text.startswith("/")
    assert text != "/"
    assert "%" not in text
    assert ":" not in text
    assert os.path.normpath(text) == text
