"""Package boundaries as DESIGN.md draws them, read from every import in src/ (lazy ones too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import botguard

SRC = Path(botguard.__file__).parent


def imports_of(package: str) -> set[tuple[str, str]]:
    """(module file, imported botguard module) for every import under botguard.<package>."""
    found = set()
    for path in (SRC / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found |= {(str(path.relative_to(SRC)), n) for n in names if n.startswith("botguard")}
    return found


def offenders(package: str, forbidden: str) -> list[tuple[str, str]]:
    return sorted(
        (where, name)
        for where, name in imports_of(package)
        if name == forbidden or name.startswith(f"{forbidden}.")
    )


def test_the_audit_does_not_import_harden() -> None:
    """harden's gate runs the audit; the limit they share lives below both."""
    assert offenders("audit", "botguard.harden") == []


PRODUCT = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())


@pytest.mark.parametrize("package", [p for p in PRODUCT if p != "testing"])
def test_product_code_does_not_import_the_testing_helpers(package: str) -> None:
    assert offenders(package, "botguard.testing") == []
