"""`botguard audit` as a process imports what the checks being run need, and no more.

A user waits for the process, not for `run_audit`: before issue 18 a JSON audit of one
Binance key loaded every ccxt exchange (sync and async), the scan engine and every report
renderer, 2 s of imports on a 0.6 s audit. Read from the process's own sys.modules at
exit, against a real sim, through unmodified ccxt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from botguard.testing.canary import CANARIES
from botguard.testing.sim import run_sim

_NOT_EXCHANGES = {"base", "abstract", "static_dependencies", "async_support", "pro"}


_WITH_MODULES = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("botguard", run_name="__main__", alter_sys=True)
"""
"""`python -m botguard ARGS`, writing the process's sys.modules to a file at exit (the
modules imported through importlib, as ccxt's lazy exchange, included)."""


def _exchange_modules(modules: set[str]) -> set[str]:
    """ccxt exchange modules (sync, async or their abstract API) by exchange id."""
    out = set()
    for name in modules:
        parts = name.split(".")
        if parts[0] != "ccxt":
            continue
        rest = parts[2:] if parts[1:2] in (["async_support"], ["abstract"]) else parts[1:]
        if rest and rest[0] not in _NOT_EXCHANGES:
            out.add(rest[0])
    return out


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "bot"\n\n[state]\ndir = "{tmp_path / "state"}"\n\n'
        '[[account]]\nname = "main"\nexchange = "binance"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'base_url = "{url}"\n'
    )
    return path


def _audit_modules(tmp_path: Path, *args: str) -> tuple[set[str], dict[str, object]]:
    account = {
        "name": "main",
        "api_key": CANARIES["BOTGUARD_CANARY_API_KEY"],
        "secret": CANARIES["BOTGUARD_CANARY_SECRET"],
        "permissions": {"spot": True, "futures": True},
    }
    modules_file = tmp_path / "modules.json"
    with run_sim({"account": [account]}) as sim:
        config = _config(tmp_path, sim.url)
        proc = subprocess.run(
            [sys.executable, "-c", _WITH_MODULES, str(modules_file), "audit",
             "--config", str(config), *args],
            capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60,
            env={**os.environ, **CANARIES}, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    modules: set[str] = set(json.loads(modules_file.read_text()))
    return modules, json.loads(proc.stdout)


def test_a_json_key_audit_loads_one_exchange_no_scan_engine_and_one_renderer(
    tmp_path: Path,
) -> None:
    modules, doc = _audit_modules(tmp_path, "--only", "key", "-f", "json")
    assert {f["category"] for f in doc["findings"]} == {"key"}  # type: ignore[attr-defined]
    assert "ccxt.async_support.binance" in modules  # the key really was read through ccxt
    assert _exchange_modules(modules) == {"binance"}
    assert not {m for m in modules if m.startswith("botguard.scan")}
    assert "botguard.report.json" in modules
    assert not {"botguard.report.text", "botguard.report.markdown", "botguard.report.sarif"} & (
        modules
    )
    # piped: no progress bar is drawn, so rich is not imported to ask whether to draw one
    assert not {m for m in modules if m.split(".")[0] == "rich"}


def test_the_secrets_checks_still_load_the_scan_engine(tmp_path: Path) -> None:
    modules, doc = _audit_modules(tmp_path, "--only", "secrets", "-f", "json")
    assert {f["category"] for f in doc["findings"]} == {"secrets"}  # type: ignore[attr-defined]
    assert "botguard.scan" in modules
    assert not _exchange_modules(modules)
