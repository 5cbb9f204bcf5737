"""The registry: ids unique and well formed, DESIGN.md's ids all there, checklist order."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from botguard.audit import checks
from botguard.audit.checklist import BOXES, CHECK_ORDER
from botguard.audit.model import Check
from botguard.audit.registry import CHECKS

DESIGN_IDS = {
    "key.withdrawals_disabled", "key.trading_enabled", "key.transfers_disabled",
    "key.ip_whitelist",
    "secrets.not_in_code", "secrets.not_in_git_history", "secrets.env_ignored",
    "secrets.env_permissions",
    "secrets.not_in_logs",
    "host.non_root_user", "host.unit_hardened",
    "host.ssh_password_auth_disabled", "host.ssh_root_login_disabled",
    "host.firewall_default_deny",
    "host.security_updates", "host.auto_updates",
    "exchange.two_factor", "exchange.withdrawal_whitelist", "exchange.alerts",
    "kill.configured", "kill.drilled_recently",
    "host.clock_synced",
}  # fmt: skip
"""DESIGN.md's checklist table, copied (CI has no ../shared). Ids are permanent."""
EXTRA_IDS = {
    "secrets.not_on_command_line",
    "secrets.not_in_framework_config",
    "host.framework_api",
}
"""Implied by the issues ("no secret passed on a command line"; issue 14's freqtrade
checks), listed in the README."""


def test_ids_are_unique_and_dotted_snake_case() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+\.[a-z_]+", i) for i in ids)


def test_every_design_id_is_registered_and_nothing_else() -> None:
    assert {c.id for c in CHECKS} == DESIGN_IDS | EXTRA_IDS


def test_order_follows_the_checklist() -> None:
    assert tuple(c.id for c in CHECKS) == CHECK_ORDER


def test_implied_boxes_are_exactly_the_extras_and_the_clock() -> None:
    implied = {i for box in BOXES if box.implied for i in box.ids}
    assert implied == EXTRA_IDS | {"host.clock_synced"}


def test_category_is_the_id_prefix() -> None:
    assert {c.category for c in CHECKS} == {"key", "secrets", "host", "exchange", "kill"}
    assert all(c.id.startswith(c.category + ".") for c in CHECKS)


def _defined_checks() -> set[str]:
    """Every Check value bound at module level under audit/checks/ (by importing them)."""
    import importlib

    found: set[str] = set()
    folder = Path(checks.__file__).parent
    for path in sorted(folder.glob("*.py")):
        module = importlib.import_module(f"botguard.audit.checks.{path.stem}")
        found |= {v.id for v in vars(module).values() if isinstance(v, Check)}
    return found


def test_every_defined_check_is_listed() -> None:
    assert _defined_checks() == {c.id for c in CHECKS}


def test_every_check_has_words_and_a_remedy() -> None:
    for c in CHECKS:
        assert c.title, c.id
        assert c.remedy, c.id
        assert c.fn.__doc__, f"{c.id}: the check function needs a docstring saying why"


def test_check_functions_are_named_like_the_id_suffix() -> None:
    """STYLE 6.9: `key.withdrawals_disabled` is `def withdrawals_disabled`."""
    folder = Path(checks.__file__).parent
    names = {
        node.name
        for path in folder.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.AsyncFunctionDef)
    }
    decorated = [c for c in CHECKS if c.fn.__name__ != "fn"]
    assert all(c.fn.__name__ == c.id.split(".", 1)[1] for c in decorated)
    assert {c.fn.__name__ for c in decorated} <= names
