"""A process that resolved a secret can dump no core: RLIMIT_CORE 0 and not dumpable.

Each test reads a real process: a fresh Python that resolves a reference the way
every botguard command does, then reports what the kernel says about itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from botguard.testing.canary import CANARIES

REPORT = """
import json, sys
from botguard.secrets.hygiene import PR_GET_DUMPABLE, prctl
from botguard.secrets.refs import resolve_secret

def state():
    limits = open("/proc/self/limits").read().splitlines()
    core = next(line for line in limits if line.startswith("Max core file size"))
    return {"core": core.split()[4:6], "dumpable": prctl(PR_GET_DUMPABLE)}

before = state()
if sys.argv[1] == "resolve":
    resolve_secret("env:BOTGUARD_CANARY_SECRET")
print(json.dumps({"before": before, "after": state()}))
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


def report(mode: str) -> dict[str, dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-c", REPORT, mode],
        env={**os.environ, **CANARIES},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        preexec_fn=_allow_cores,  # the child must start able to dump
    )
    result: dict[str, dict[str, object]] = json.loads(proc.stdout)
    return result


def _allow_cores() -> None:
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def test_resolving_a_secret_turns_core_dumps_off() -> None:
    got = report("resolve")
    assert got["after"] == {"core": ["0", "0"], "dumpable": 0}


def test_a_process_that_resolved_nothing_keeps_its_settings() -> None:
    """The switch is tied to secrets, not to importing botguard."""
    got = report("none")
    assert got["after"] == got["before"]
    assert got["after"]["dumpable"] == 1
