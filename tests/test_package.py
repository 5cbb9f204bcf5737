"""`import botguard` is light, and its public names are what the README says they are.

Every command's process starts with `import botguard`, the kill's guardian hook
included: before issue 18 it imported pydantic (the config) and the kill's whole
report chain eagerly. Checked in fresh interpreters, as a bot or a command meets it.
"""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.split()


def test_import_botguard_loads_no_config_model_no_kill_report_and_no_ccxt() -> None:
    code = (
        "import sys, botguard\n"
        "heavy = ('pydantic', 'botguard.config', 'botguard.kill.report', 'ccxt', 'rich')\n"
        "print(*[m for m in heavy if m in sys.modules] or ['none'])\n"
    )
    assert _run(code) == ["none"]


def test_guard_and_kill_stay_the_functions_after_their_subpackages_load() -> None:
    # importing a subpackage sets the parent's attribute to the module: the clash a lazy
    # `__getattr__` for `guard` or `kill` would lose to
    code = (
        "import inspect, botguard\n"
        "import botguard.guard.watch, botguard.kill.plan, botguard.kill.report\n"
        "from botguard import guard, kill\n"
        "print(inspect.isfunction(botguard.guard), guard is botguard.guard,\n"
        "      inspect.iscoroutinefunction(botguard.kill), kill is botguard.kill)\n"
    )
    assert _run(code) == ["True"] * 4


def test_every_public_name_resolves_to_its_home() -> None:
    code = (
        "import botguard\n"
        "from botguard import load_config, Secret, resolve_secret, install_redaction\n"
        "from botguard import KillReport, KillSwitch\n"
        "from botguard.config import load_config as lc\n"
        "from botguard.kill.report import KillReport as kr\n"
        "print(load_config is lc, KillReport is kr, KillSwitch.__module__,\n"
        "      sorted(set(botguard.__all__) - set(dir(botguard))) or 'complete')\n"
    )
    assert _run(code) == ["True", "True", "botguard.kill", "complete"]
