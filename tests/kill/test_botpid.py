"""Reading and judging the bot's pid file: real files, real processes, and parser properties."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.kill.botpid import (
    BotIdentity,
    PidfileError,
    cmdline_matches,
    parse_pid,
    read_pidfile,
    refusal,
)
from botguard.kill.halt import signal_pidfile
from botguard.kill.stop import StopStatus

from .procs import bot_argv, spawn_bot, stop

words = st.text(
    st.characters(codec="utf-8", exclude_characters="\0/"), min_size=1, max_size=12
).filter(lambda w: w not in {".", ".."})


@given(st.integers(min_value=-(10**9), max_value=10**10 - 1), st.sampled_from(["", "\n", " \n"]))
def test_a_written_pid_reads_back(pid: int, end: str) -> None:
    assert parse_pid(f"{pid}{end}") == pid


@given(st.text(max_size=40))
def test_parse_pid_returns_a_number_from_the_first_line_or_none(text: str) -> None:
    pid = parse_pid(text)
    lines = text.strip().splitlines()
    if pid is not None:
        assert lines
        assert int(lines[0].strip()) == pid
        assert lines[0].strip().lstrip("+-").isascii()


@pytest.mark.parametrize("text", ["", "abc", "12 13", "1e3", "0x10", "٣", "12345678901", "\n\n"])
def test_parse_pid_refuses_what_is_not_one_pid(text: str) -> None:
    assert parse_pid(text) is None


@given(
    st.lists(words, max_size=3),
    words,
    st.lists(words, max_size=3),
    st.lists(words, max_size=3),
    st.sampled_from(["", "/usr/bin/", "/opt/venv/bin/"]),
)
def test_a_command_matches_wherever_it_runs(
    before: list[str], program: str, args: list[str], after: list[str], where: str
) -> None:
    """An interpreter in front, a directory on the program, extra arguments after."""
    cmdline = [*before, where + program, *args, *after]
    assert cmdline_matches(cmdline, [program, *args])


@given(words, st.lists(words, min_size=1, max_size=3), words)
def test_a_different_argument_does_not_match(program: str, args: list[str], other: str) -> None:
    changed = [*args[:-1], args[-1] + other]
    assert not cmdline_matches([program, *changed], [program, *args])


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("fifo", lambda p: os.mkfifo(p, 0o600)),  # read_text() on it would block forever
        ("symlink", lambda p: p.symlink_to("/etc/hostname")),
        ("huge", lambda p: p.write_text("4242" + " " * 100)),
        ("dir", lambda p: p.mkdir()),
        ("missing", lambda p: None),
    ],
)
def test_a_pidfile_that_is_not_a_small_regular_file_is_refused(
    tmp_path: Path, name: str, make: object
) -> None:
    path = tmp_path / "bot.pid"
    make(path)  # type: ignore[operator]
    with pytest.raises(PidfileError):
        read_pidfile(path)


async def test_a_fifo_pidfile_neither_blocks_nor_signals(tmp_path: Path) -> None:
    path = tmp_path / "bot.pid"
    os.mkfifo(path, 0o600)
    record = await asyncio.wait_for(signal_pidfile(path, grace_s=0), timeout=5)
    assert record.status is StopStatus.REFUSED
    assert "not a regular file" in record.sentence()


async def test_botguard_s_own_pid_is_refused_outside_the_bot_and_skipped_inside(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.pid"
    path.write_text(f"{os.getpid()}\n")
    outside = await signal_pidfile(path, grace_s=0)
    inside = await signal_pidfile(path, grace_s=0, inside_bot=True)
    assert outside.status is StopStatus.REFUSED
    assert "botguard itself" in outside.sentence()
    assert inside.status is StopStatus.SKIPPED
    assert inside.signals == ()


def test_a_process_is_judged_by_owner_command_and_unit(tmp_path: Path) -> None:
    proc, _ = spawn_bot(tmp_path)  # running its own code (after exec): its cmdline is set
    try:
        me = BotIdentity(command=tuple(bot_argv(tmp_path)))
        assert refusal(proc.pid, me) is None
        assert "does not match" in (refusal(proc.pid, BotIdentity(command=("freqtrade",))) or "")
        assert "does not exist" in (refusal(proc.pid, BotIdentity(user="no-such-user-x")) or "")
        unit = BotIdentity(unit="gridbot.service", main_pid=None)
        assert "not in [bot] service" in (refusal(proc.pid, unit) or "")
        unit = BotIdentity(unit="gridbot.service", main_pid=proc.pid)
        assert refusal(proc.pid, unit) is None
    finally:
        stop(proc)


@pytest.mark.parametrize(
    ("pid", "why"),
    [
        (0, "process group"),
        (-1, "every process"),
        (-4242, "process group"),
        (1, "init"),
    ],
)
def test_pids_that_name_no_single_process_are_refused_before_any_signal(pid: int, why: str) -> None:
    """Pure: no os.kill runs here (the sandboxed process tests cover the real signals)."""
    assert why in (refusal(pid, BotIdentity()) or "")


def test_botguard_its_parent_group_and_session_are_refused() -> None:
    me = BotIdentity()
    assert "botguard itself" in (refusal(os.getpid(), me) or "")
    assert "parent" in (refusal(os.getppid(), me) or "")
    for leader in {os.getpgrp(), os.getsid(0)} - {os.getpid(), os.getppid(), 1}:
        assert refusal(leader, me) is not None


THREADED = """
import pathlib, sys, threading, time
def run():
    pathlib.Path(sys.argv[1]).write_text(str(threading.get_native_id()))
    time.sleep(60)
threading.Thread(target=run, daemon=True).start()
time.sleep(60)
"""


def test_a_thread_id_is_not_a_pid(tmp_path: Path) -> None:
    """kill(TID) signals the thread's whole process: a pid file holding one is refused."""
    import time

    tid_file = tmp_path / "tid"
    proc = subprocess.Popen([sys.executable, "-c", THREADED, str(tid_file)])
    try:
        end = time.monotonic() + 10
        while not (tid_file.exists() and tid_file.read_text()) and time.monotonic() < end:
            time.sleep(0.01)
        pidfile = tmp_path / "bot.pid"
        pidfile.write_text(tid_file.read_text())
        record = asyncio.run(signal_pidfile(pidfile, grace_s=0.2))
        assert record.status is StopStatus.REFUSED
        assert f"a thread of process {proc.pid}" in record.sentence()
        assert proc.poll() is None
    finally:
        stop(proc)
