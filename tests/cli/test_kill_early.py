"""`botguard kill --yes` reaches a running guardian before typer parses anything.

Typer imports pydantic and builds its parameter adapters before a command runs: about
0.1 s of a kill that should start within milliseconds in the guardian's warm process
(issue 18: spawn to the guardian's first byte was 0.21-0.25 s). The plain flags are read
by `plain_kill_flags`; anything else goes to typer exactly as before.

The guardian here is a listening socket that answers as `botguard watch` does (accepted,
then a report): what is tested is the command's side before and after it speaks. The
real guardian is tests/fleet/test_local_kill.py's (it kills against a sim, seconds long).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from botguard.cli.kill import GuardianKill, plain_kill_flags
from botguard.guardian.wire import socket_path

_WITH_MODULES = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("botguard", run_name="__main__", alter_sys=True)
"""


def _answer(server: socket.socket, got: list[dict[str, object]]) -> None:
    conn, _ = server.accept()
    with conn:
        got.append(json.loads(conn.makefile().readline()))
        for event in ({"event": "accepted", "pid": 4242, "deadline_s": 5},
                      {"event": "report", "report": "main: flat\n", "exit_code": 0}):  # fmt: skip
            conn.sendall(json.dumps(event).encode() + b"\n")


def test_a_plain_kill_yes_is_handed_to_the_guardian_without_typer_or_pydantic(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    config = tmp_path / "botguard.toml"
    config.write_text(f'[bot]\nname = "bot"\n\n[state]\ndir = "{state}"\n')
    got: list[dict[str, object]] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(socket_path(state)))
        server.listen(1)
        guardian = threading.Thread(target=_answer, args=(server, got))
        guardian.start()
        proc = subprocess.run(
            [sys.executable, "-c", _WITH_MODULES, str(tmp_path / "modules.json"), "kill",
             "--yes", "-c", str(config), "--account", "main", "--no-flatten", "--deadline=5"],
            capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60,
            stdin=subprocess.DEVNULL, env=dict(os.environ),
        )  # fmt: skip
        guardian.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "main: flat\n"
    assert "kill running in the guardian (pid 4242" in proc.stderr
    (request,) = got
    assert request["accounts"] == ["main"]
    assert request["flatten"] is False
    assert request["deadline_s"] == 5
    modules = set(json.loads((tmp_path / "modules.json").read_text()))
    assert not {m for m in modules if m.split(".")[0] in ("pydantic", "ccxt", "rich")}
    assert "typer._adapters" not in modules  # typer never parsed the command line


_options = st.lists(
    st.one_of(
        st.sampled_from([["-y"], ["--yes"], ["--no-flatten"], ["--no-halt"]]),
        st.tuples(st.sampled_from(["-c", "--config", "-a", "--account"]),
                  st.from_regex(r"[a-z/][a-z0-9_./]{0,12}", fullmatch=True)).map(list),
        st.tuples(st.just("--deadline"), st.sampled_from(["0.1", "5", "30.5", "3600"])).map(list),
    ),
    max_size=8,
)  # fmt: skip


def _expected(options: list[list[str]]) -> GuardianKill | None:
    want = GuardianKill()
    for option in options:
        name, value = option[0], option[-1]
        if name in ("-y", "--yes"):
            want.yes = True
        elif name == "--no-flatten":
            want.flatten = False
        elif name == "--no-halt":
            want.halt = False
        elif name in ("-c", "--config"):
            want.config = Path(value)
        elif name in ("-a", "--account"):
            want.accounts.append(value)
        else:
            want.deadline_s = float(value)
    return want if want.yes else None


@given(options=_options, inline=st.booleans())
def test_the_plain_flags_read_as_typer_reads_them(options: list[list[str]], inline: bool) -> None:
    argv = [
        part
        for option in options
        for part in (
            [f"{option[0]}={option[1]}"] if inline and len(option) == 2 and option[0][1] == "-"
            else option
        )
    ]  # fmt: skip
    assert plain_kill_flags(argv) == _expected(options)


@given(
    options=_options,
    odd=st.sampled_from(
        [
            ["--dry-run"],
            ["-h"],
            ["--help"],
            ["-yc", "x"],
            ["--deadline", "0"],
            ["--deadline", "nan"],
            ["--deadline", "1e9"],
            ["--config"],
            ["extra"],
            ["-c", "-v"],
            ["--yes=1"],
            ["--"],
            ["-v"],
            ["--account="],
        ]
    ),
    where=st.integers(0, 8),
)
def test_anything_else_is_left_to_typer(
    options: list[list[str]], odd: list[str], where: int
) -> None:
    argv = ["--yes", *[part for option in options for part in option]]
    at = min(where, len(argv))
    argv[at:at] = odd
    assert plain_kill_flags(argv) is None
