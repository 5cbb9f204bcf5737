"""Bad input on every command, through the installed entry point as a real process.

Each row: the files a user has, the command they run, the exit code they must get, and
a phrase of the one stderr line that says what was wrong and how to fix it. No row may
print a traceback, leave half-written output behind, or show a canary secret (the env
holds the canaries; several rows point the config at them, or at files holding them).
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from botguard.testing.canary import CANARIES, describe, find_canaries, scan_tree
from tests.cli.process import botguard

DIR = object()
"""A files-table value meaning: make this a directory."""
CANARY = CANARIES["BOTGUARD_CANARY_SECRET"]

BOT = '[bot]\nname = "gridbot"\n'
STATE = '[state]\ndir = "state"\n'
ACCOUNT = """
[[account]]
name = "main"
exchange = "binance"
api_key = "env:BOTGUARD_CANARY_API_KEY"
secret = "env:BOTGUARD_CANARY_SECRET"
base_url = "http://127.0.0.1:{port}"
"""
GOOD = BOT + STATE + ACCOUNT
HARDEN = GOOD.replace(
    'name = "gridbot"\n',
    'name = "gridbot"\nuser = "gridbot"\ncommand = ["/usr/bin/python3", "bot.py"]\n',
    1,
).replace('dir = "state"', 'dir = "/var/lib/botguard"')
C = ["--config", "botguard.toml"]


def _with(**files: object) -> dict[str, object]:
    return {"botguard.toml": GOOD, **files}


def _case(
    id_: str,
    argv: list[str],
    code: int,
    expect: str,
    files: dict[str, object] | None = None,
    absent: tuple[str, ...] = (),
) -> object:
    files = files if files is not None else _with()
    planted = any(CANARY in str(v) for v in files.values())  # on purpose: the guard skips files
    marks = [pytest.mark.plants_canaries] if planted else []
    return pytest.param(argv, files, code, expect, absent, id=id_, marks=marks)


CASES = [
    # botguard.toml itself
    _case("config-missing", ["audit", *C], 2, "not found; run `botguard init`", files={}),
    _case("config-is-dir", ["kill", "--yes", *C], 2, "is a directory; pass the botguard.toml",
          files={"botguard.toml": DIR}),
    _case("config-not-utf8", ["audit", *C], 2, "not UTF-8 text",
          files={"botguard.toml": b"\xff\xfe[bot]"}),
    _case("config-bad-toml", ["watch", "--once", *C], 2, "not valid TOML",
          files={"botguard.toml": "[bot\n"}),
    _case("config-unknown-key", ["drill", *C], 2, "kill.foo: unknown key",
          files={"botguard.toml": GOOD + "\n[kill]\nfoo = 1\n"}),
    _case("config-single-brackets", ["kill", "--dry-run", *C], 2, "two brackets",
          files={"botguard.toml": BOT + '[account]\nname = "x"\n'}),
    _case("config-bot-not-table", ["audit", *C], 2, "bot: expected a table",
          files={"botguard.toml": 'bot = "x"\n'}),
    _case("config-base-url", ["kill", "--dry-run", *C], 2, "base_url: expected http://HOST:PORT",
          files={"botguard.toml": GOOD.replace("http://", "ftp://")}),
    _case("config-literal-secret", ["secrets", "check", *C], 2, "not a secret reference",
          files={"botguard.toml": GOOD.replace("env:BOTGUARD_CANARY_SECRET", CANARY)}),
    _case("config-infinite-number", ["watch", "--once", *C], 2,
          "guard.poll_s: Input should be a finite number",
          files={"botguard.toml": GOOD + "\n[guard]\npoll_s = inf\n"}),
    _case("kill-deadline-inf", ["kill", "--yes", "--deadline", "inf", *C], 2,
          "Invalid value for '--deadline'", absent=("state/HALTED",)),
    # accounts and secret references
    _case("kill-no-accounts", ["kill", "--yes", *C], 2, "no [[account]] to kill",
          files={"botguard.toml": BOT + STATE}, absent=("state/HALTED",)),
    _case("drill-no-accounts", ["drill", *C], 2, "no [[account]] to drill; add one, or pass",
          files={"botguard.toml": BOT + STATE}),
    _case("watch-no-accounts", ["watch", "--once", *C], 2, "no [[account]] to watch",
          files={"botguard.toml": BOT + STATE}),
    _case("kill-unknown-account", ["kill", "--yes", "--account", "nope", *C], 2,
          "no account named 'nope' (configured: main)", absent=("state/HALTED",)),
    # the kill halts first, then reports the account it cannot open as unreachable (exit 3)
    _case("env-unset", ["kill", "--yes", *C], 3, "NOPE_UNSET_X is not set",
          files=_with(**{"botguard.toml": GOOD.replace("BOTGUARD_CANARY_SECRET", "NOPE_UNSET_X")})),
    _case("dotenv-missing", ["drill", *C], 2, "file .env does not exist",
          files={"botguard.toml": GOOD.replace("env:BOTGUARD_CANARY_SECRET", "dotenv:.env#S")}),
    _case("dotenv-world-readable", ["watch", "--once", *C], 2, "chmod 600 .env",
          files={"botguard.toml": GOOD.replace("env:BOTGUARD_CANARY_SECRET", "dotenv:.env#S"),
                 ".env": f"S={CANARY}\n"}),
    _case("file-ref-is-dir", ["secrets", "check", *C], 1, "sec is a directory",
          files={"botguard.toml": GOOD.replace("env:BOTGUARD_CANARY_SECRET", "file:sec"),
                 "sec": DIR}),
    # the state dir
    _case("state-dir-is-file", ["kill", "--yes", *C], 2, "state dir state: a file is in the way",
          files=_with(state="x")),
    _case("state-dir-is-file-attest", ["attest", "exchange.two_factor", *C], 2,
          "set `dir` under [state]", files=_with(state="x")),
    # paths named on the command line
    _case("audit-root-missing", ["audit", "--root", "nodir", *C], 2, "--root nodir: does not"),
    _case("run-root-file", ["run", "--check", "--root", "botguard.toml", *C], 2,
          "is not a directory"),
    _case("audit-output-dir", ["audit", "--output", "odir", *C], 2, "--output odir: is a directory",
          files=_with(odir=DIR)),
    _case("audit-output-no-folder", ["audit", "-o", "no/x.json", *C], 2, "folder no does not"),
    _case("scan-output-dir", ["scan", ".", "--output", "d", *C], 2, "is a directory",
          files=_with(d=DIR)),
    _case("scan-write-baseline-dir", ["scan", ".", "--write-baseline", "d", *C], 2,
          "--write-baseline d: is a directory", files=_with(d=DIR)),
    _case("scan-baseline-dir", ["scan", ".", "--baseline", "d", *C], 2, "--baseline d: is a dir",
          files=_with(d=DIR)),
    _case("scan-baseline-not-json", ["scan", ".", "--baseline", "b.json", *C], 2,
          "write one with `botguard scan --write-baseline FILE`",
          files=_with(**{"b.json": "{not json"})),
    _case("scan-host-root-missing", ["scan", ".", "--host", "--root", "nodir", *C], 2,
          "--root nodir: does not exist"),
    _case("scan-workdir-missing", ["scan", *C], 2, "bot.workdir",
          files={"botguard.toml": GOOD.replace("[state]", 'workdir = "nodir"\n[state]')}),
    _case("init-dir-is-file", ["init", "--dir", "f"], 2, "--dir f: a file is in the way",
          files={"f": "x"}),
    _case("init-config-is-dir", ["init", "--config", "d", "--force"], 2, "--config d: is a dir",
          files={"d": DIR}, absent=(".env",)),
    _case("harden-out-is-file", ["harden", "--out", "f", "--no-validate", *C], 2,
          "--out f: is a file", files={"botguard.toml": HARDEN, "f": "x"}),
    _case("harden-out-under-file", ["harden", "--out", "f/o", "--no-validate", *C], 2,
          "--out f/o: a file is in the way", files={"botguard.toml": HARDEN, "f": "x"}),
    _case("harden-root-is-file", ["harden", "--out", "o", "--apply", "--yes", "--root",
          "botguard.toml", "--no-validate", *C], 2, "--root botguard.toml: is a file",
          files={"botguard.toml": HARDEN}, absent=("o",)),
    # scenario files for sim and drill
    _case("sim-scenario-unknown-key", ["sim", "--port", "0", "--scenario", "s.toml"], 2,
          "s.toml: acount: unknown key", files={"s.toml": "[[acount]]\nname = 'x'\n"}),
    _case("sim-latency-nan", ["sim", "--port", "0", "--latency-ms", "nan"], 2,
          "--latency-ms nan: expected milliseconds from 0 to 60000", files={}),
    _case("sim-faults", ["sim", "--port", "0", "--faults", "garbage"], 2, "--faults: bad rule",
          files={}),
    _case("drill-scenario-missing", ["drill", "--scenario", "nope.toml", *C], 2,
          "--scenario nope.toml: cannot read it (No such file or directory)"),
    _case("drill-scenario-bad-number", ["drill", "--scenario", "s.toml", *C], 2,
          "--scenario s.toml: prices.BTC/USDT: expected a number",
          files=_with(**{"s.toml": "[prices]\n'BTC/USDT' = 'abc'\n"}), absent=("state",)),
]  # fmt: skip


# issue 12, items 1 and 2 (harden/run names and values): a name that becomes a path,
# or a value written into a unit, drop-in or rule, is refused when the config loads.
# A separate block so it merges cleanly with other additions to CASES.
_PWNED = HARDEN.replace('user = "gridbot"', 'user = "gridbot"\nservice = "../../x/pwned"', 1)
_SSH_NL = HARDEN + '\n[harden]\nssh_users = ["alice\\nMatch all\\nPasswordAuthentication yes"]\n'
CASES += [
    _case("harden-service-traversal", ["harden", "--out", "o/p", "--no-validate", *C], 2,
          "bot.service: not a systemd unit name", files={"botguard.toml": _PWNED},
          absent=("o", "x")),
    _case("kill-service-traversal", ["kill", "--yes", *C], 2,
          "bot.service: not a systemd unit name", files={"botguard.toml": _PWNED},
          absent=("state/HALTED",)),
    _case("harden-ssh-users-newline", ["harden", "--out", "o", "--no-validate", *C], 2,
          "harden.ssh_users[0]: not a user name for AllowUsers", files={"botguard.toml": _SSH_NL},
          absent=("o",)),
    _case("harden-user-traversal", ["harden", "--out", "o", "--no-validate", *C], 2,
          "bot.user: not a user name",
          files={"botguard.toml": HARDEN.replace('user = "gridbot"', 'user = "../root"')},
          absent=("o",)),
    _case("audit-bot-name-dotdot", ["audit", *C], 2, "bot.name: expected 1 to 232 letters",
          files={"botguard.toml": GOOD.replace('name = "gridbot"', 'name = ".."', 1)}),
    _case("run-command-carriage-return", ["run", "--check", *C], 2,
          "bot.command[1]: contains a control character",
          files={"botguard.toml": HARDEN.replace('"bot.py"', '"bot.py\\rUser=root"')}),
    _case("harden-watch-user-too-long", ["harden", "--out", "o", "--no-validate", *C], 2,
          "harden.watch_user: not a user name",
          files={"botguard.toml": HARDEN + f'\n[harden]\nwatch_user = "{"w" * 33}"\n'},
          absent=("o",)),
    _case("harden-credential-file-name-too-long", ["harden", "--out", "o", "--no-validate", *C],
          2, "makes a file name too long",
          files={"botguard.toml": HARDEN.replace('name = "gridbot"', f'name = "{"n" * 232}"', 1)},
          absent=("o",)),
]  # fmt: skip


@pytest.fixture
def dead_port() -> int:
    """A loopback port nothing listens on: the exchange refuses every connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---- issue 12, item 7: inputs that used to raise a traceback, and more of their kind ----
NUL = "\\u0000"  # TOML's escape: the file holds six characters, the parsed value a NUL byte
DEEP = BOT + "[kill]\ndeadline_s = " + "[" * 3000 + "]" * 3000 + "\n"
DEEP_TABLE = BOT + "x = " + "{a = " * 40 + "1" + "}" * 40 + "\n"  # parses; refused after
ORDER = "[[account]]\nname = 'a'\napi_key = 'k'\nsecret = 's'\n[[account.orders]]\n"


def _secret(ref: str) -> str:
    return GOOD.replace("env:BOTGUARD_CANARY_SECRET", ref)


def _toml_tail(text: str) -> dict[str, object]:
    return {"botguard.toml": GOOD + text}


CASES += [
    _case("nul-state-dir-kill", ["kill", "--yes", *C], 2, "state.dir: contains a NUL character",
          files={"botguard.toml": GOOD.replace('"state"', f'"st{NUL}ate"')}, absent=("st",)),
    _case("nul-state-dir-attest", ["attest", "exchange.two_factor", *C], 2,
          "state.dir: contains a NUL",
          files={"botguard.toml": GOOD.replace('"state"', f'"s{NUL}"')}),
    _case("nul-dotenv-kill", ["kill", "--yes", *C], 2, "account[0].secret: contains a NUL",
          files={"botguard.toml": _secret(f"dotenv:.e{NUL}nv#S")}, absent=("state",)),
    _case("nul-dotenv-secrets", ["secrets", "check", *C], 2, "remove it",
          files={"botguard.toml": _secret(f"dotenv:.env{NUL}#S")}),
    _case("nul-file-scan", ["scan", ".", *C], 2, "account[0].secret: contains a NUL",
          files={"botguard.toml": _secret(f"file:se{NUL}c")}),
    _case("nul-file-watch", ["watch", "--once", *C], 2, "contains a NUL",
          files={"botguard.toml": _secret(f"file:{NUL}")}),
    _case("nul-file-drill", ["drill", *C], 2, "contains a NUL",
          files={"botguard.toml": _secret(f"file:/x{NUL}")}),
    _case("nul-bot-workdir-scan", ["scan", *C], 2, "bot.workdir: contains a NUL",
          files={"botguard.toml": GOOD.replace("[state]", f'workdir = "w{NUL}"\n[state]')}),
    _case("nul-log-glob-audit", ["audit", *C], 2, "bot.logs[0]: contains a NUL",
          files={"botguard.toml": GOOD.replace("[state]", f'logs = ["{NUL}.log"]\n[state]')}),
    _case("deep-toml-audit", ["audit", *C], 2, "nested more than 32 levels deep",
          files={"botguard.toml": DEEP}),
    _case("deep-toml-kill", ["kill", "--yes", *C], 2, "nested more than 32 levels deep",
          files={"botguard.toml": DEEP}, absent=("state",)),
    _case("deep-toml-watch", ["watch", "--once", *C], 2, "nested more",
          files={"botguard.toml": DEEP}),
    _case("deep-toml-scan", ["scan", ".", *C], 2, "nested more", files={"botguard.toml": DEEP}),
    _case("deep-toml-secrets", ["secrets", "check", *C], 2, "nested more",
          files={"botguard.toml": DEEP}),
    _case("deep-toml-drill", ["drill", *C], 2, "nested more", files={"botguard.toml": DEEP}),
    _case("deep-toml-attest", ["attest", "exchange.two_factor", *C], 2, "nested more",
          files={"botguard.toml": DEEP}),
    _case("deep-toml-run", ["run", "--check", *C], 2, "nested more", files={"botguard.toml": DEEP}),
    _case("deep-toml-harden", ["harden", "--out", "o", "--no-validate", *C], 2, "nested more",
          files={"botguard.toml": DEEP}, absent=("o",)),
    _case("deep-inline-tables", ["audit", *C], 2, "x...: nested more than 32 levels deep",
          files={"botguard.toml": DEEP_TABLE}),
    _case("base-url-port-99999", ["watch", "--once", *C], 2,
          "account[0].base_url: the port must be 1 to 65535",
          files={"botguard.toml": GOOD.replace("{port}", "99999")}),
    _case("base-url-port-0", ["kill", "--dry-run", *C], 2, "base_url: the port must be 1 to 65535",
          files={"botguard.toml": GOOD.replace("{port}", "0")}),
    _case("deadline-1e308", ["kill", "--yes", *C], 2,
          "kill.deadline_s: Input should be less than or equal to 3600 seconds",
          files=_toml_tail("[kill]\ndeadline_s = 1e308\n"), absent=("state",)),
    _case("grace-1e308", ["kill", "--yes", *C], 2, "kill.grace_s: Input should be less than",
          files=_toml_tail("[kill]\ngrace_s = 1e308\n"), absent=("state",)),
    _case("poll-1e308", ["watch", "--once", *C], 2, "guard.poll_s: Input should be less than",
          files=_toml_tail("[guard]\npoll_s = 1e308\n")),
    _case("dead-man-1e308", ["watch", "--once", *C], 2, "guard.dead_man_s: Input should be less",
          files=_toml_tail("[guard]\ndead_man_s = 1e308\n")),
    _case("scan-baseline-deep", ["scan", ".", "--baseline", "b.json", *C], 2,
          "b.json: not a botguard baseline (RecursionError)",
          files=_with(**{"b.json": "[" * 100_000})),
    _case("journal-not-sqlite", ["attest", "exchange.two_factor", *C], 2,
          "not a botguard journal", files=_with(**{"state/journal.sqlite3": "not sqlite"})),
    _case("sim-scenario-number", ["sim", "--port", "0", "--scenario", "s.json"], 2,
          "s.json: (top level): expected an object", files={"s.json": "5"}),
    _case("sim-scenario-list-symbol", ["sim", "--port", "0", "--scenario", "s.toml"], 2,
          "account[0].orders[0].symbol: expected a market",
          files={"s.toml": ORDER + "symbol = ['BTC/USDT']\nside = 'buy'\nprice = 1\n"}),
    _case("sim-scenario-int-position-side", ["sim", "--port", "0", "--scenario", "s.toml"], 2,
          "orders[0].position_side: expected one of BOTH, LONG, SHORT",
          files={"s.toml": ORDER + "symbol = 'BTC/USDT:USDT'\nside = 'buy'\nprice = 1\n"
                 "position_side = 1\n"}),
    _case("sim-scenario-not-utf8", ["sim", "--port", "0", "--scenario", "s.toml"], 2,
          "s.toml: not UTF-8 text", files={"s.toml": b"\xff\xfe[sim]\n"}),
    _case("sim-scenario-deep", ["sim", "--port", "0", "--scenario", "s.json"], 2,
          "nested too deeply", files={"s.json": "[" * 100_000}),
    _case("drill-scenario-not-utf8", ["drill", "--scenario", "s.toml", *C], 2,
          "--scenario s.toml: not UTF-8 text", files=_with(**{"s.toml": b"\xff[prices]\n"}),
          absent=("state",)),
    _case("drill-scenario-deep", ["drill", "--scenario", "s.toml", *C], 2,
          "--scenario s.toml: nested too deeply",
          files=_with(**{"s.toml": "x = " + "[" * 3000 + "]" * 3000 + "\n"}), absent=("state",)),
]  # fmt: skip


# robust round, item 3: numbers the sim took and then hung every request on, and
# firewall ports outside TCP's range. A separate block so it merges cleanly.
_EGRESS = HARDEN + "\n[harden]\negress_tcp_ports = [443, {bad}]\n"
CASES += [
    _case("sim-latency-1e308", ["sim", "--port", "0", "--latency-ms", "1e308"], 2,
          "--latency-ms 1e+308: expected milliseconds from 0 to 60000", files={}),
    _case("sim-jitter-huge", ["sim", "--port", "0", "--jitter-ms", "86400000"], 2,
          "--jitter-ms 8.64e+07: expected milliseconds from 0 to 60000", files={}),
    _case("sim-latency-negative", ["sim", "--port", "0", "--latency-ms", "-1"], 2,
          "--latency-ms -1: expected milliseconds from 0 to 60000", files={}),
    _case("harden-egress-port-70000", ["harden", "--out", "o", "--no-validate", *C], 2,
          "harden.egress_tcp_ports[1]: a TCP port is 1 to 65535",
          files={"botguard.toml": _EGRESS.replace("{bad}", "70000")}, absent=("o",)),
    _case("harden-egress-port-0", ["harden", "--out", "o", "--no-validate", *C], 2,
          "harden.egress_tcp_ports[1]: a TCP port is 1 to 65535",
          files={"botguard.toml": _EGRESS.replace("{bad}", "0")}, absent=("o",)),
]  # fmt: skip


_SECRET_FAILURE_CODES = {"secrets": {1}, "drill": {2}, "watch": {2}, "kill": {2, 3}}
"""Exit codes when a secret cannot be resolved: `secrets check` reports it as a finding (1);
kill halts first, so a secret it cannot resolve is that account's failure after the halt
(3), or a config error (2) where it is resolved up front."""


@pytest.mark.parametrize("command", [["kill", "--yes"], ["secrets", "check"], ["watch", "--once"]])
def test_a_bogus_keyring_backend_is_one_line_naming_the_variable(
    tmp_path: Path, dead_port: int, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    _plant(tmp_path, {"botguard.toml": _secret("keyring:gridbot/secret")}, dead_port)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    proc = botguard(*command, *C, cwd=tmp_path)
    assert proc.returncode in _SECRET_FAILURE_CODES[command[0]], proc.stderr
    (line,) = proc.stderr.splitlines()
    assert "the keyring backend could not be loaded (ModuleNotFoundError)" in line
    assert "check PYTHON_KEYRING_BACKEND" in line
    _assert_clean(proc, tmp_path)


@pytest.mark.parametrize("command", [["kill", "--yes"], ["drill"], ["secrets", "check"]])
@pytest.mark.parametrize("ref", ["dotenv:s.env#S", "file:s.env"])
def test_a_private_secret_file_that_is_not_utf8_is_one_line(
    tmp_path: Path, dead_port: int, command: list[str], ref: str
) -> None:
    _plant(tmp_path, {"botguard.toml": _secret(ref), "s.env": b"S=\xff\xfe\n"}, dead_port)
    (tmp_path / "s.env").chmod(0o600)
    proc = botguard(*command, *C, cwd=tmp_path)
    assert proc.returncode in _SECRET_FAILURE_CODES[command[0]], proc.stderr
    (line,) = proc.stderr.splitlines()
    assert "s.env is not UTF-8 text" in line
    _assert_clean(proc, tmp_path)


# ---- end of issue 12, item 7 ----


def _plant(root: Path, files: dict[str, object], port: int) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is DIR:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(str(content).replace("{port}", str(port)), encoding="utf-8")
    if (root / ".env").exists():
        (root / ".env").chmod(0o644)


def _assert_clean(
    proc: subprocess.CompletedProcess[str], tmp_path: Path, planted: tuple[str, ...] = ()
) -> None:
    """No traceback, no canary in the output or in any file but those the test planted."""
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    assert find_canaries(proc.stdout + proc.stderr, "output") == [], "a canary reached the output"
    skip = {str(tmp_path / rel) for rel in planted}
    hits = [hit for hit in scan_tree(tmp_path) if hit.where not in skip]
    assert hits == [], describe(hits)


@pytest.mark.parametrize(("argv", "files", "code", "expect", "absent"), CASES)
def test_bad_input_is_one_clear_line(
    tmp_path: Path,
    dead_port: int,
    argv: list[str],
    files: dict[str, object],
    code: int,
    expect: str,
    absent: tuple[str, ...],
) -> None:
    _plant(tmp_path, files, dead_port)
    proc = botguard(*argv, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert expect in lines[0], lines[0]
    if code == 2:
        assert lines[0].startswith("botguard: error: "), lines[0]
    _assert_clean(proc, tmp_path, tuple(rel for rel, v in files.items() if CANARY in str(v)))
    for rel in absent:
        assert not (tmp_path / rel).exists(), f"{rel} was left behind"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".o.")], "scratch left"


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_sim_on_a_port_in_use_says_how_to_pick_another(tmp_path: Path, busy_port: int) -> None:
    proc = botguard("sim", "--port", str(busy_port), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{busy_port}" in proc.stderr
    assert "pick another --port" in proc.stderr
    _assert_clean(proc, tmp_path)


def test_kill_against_a_refusing_exchange_says_what_was_done_and_what_is_left(
    tmp_path: Path, dead_port: int
) -> None:
    """Exit 3 inside the deadline; one stderr line: halted, nothing cancelled, what is left."""
    _plant(tmp_path, _with(), dead_port)
    proc = botguard("kill", "--yes", "--deadline", "1", *C, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("botguard: kill could not finish, halt flag raised; main unreachable")
    assert "cancelled 0 order(s)" in line
    assert "left: unknown, the account could not be read" in line
    assert "run `botguard kill --yes` again" in line
    assert (tmp_path / "state" / "HALTED").exists()
    _assert_clean(proc, tmp_path)


def test_kill_names_an_account_once_however_often_it_is_given(
    tmp_path: Path, dead_port: int
) -> None:
    """`-a main -a main` is one account's kill (two would trade the same account twice)."""
    _plant(tmp_path, _with(), dead_port)
    proc = botguard("kill", "--dry-run", "-a", "main", "-a", "main", "--deadline", "1", *C,
                    cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.count("main: unreachable") == 1
    (line,) = proc.stderr.splitlines()
    assert "kill --dry-run could not read every account; nothing was changed" in line
    _assert_clean(proc, tmp_path)
