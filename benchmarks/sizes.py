"""Module and function sizes of src/botguard: median and 90th percentile, per git revision.

STYLE.md's size budgets are stated as medians and 90th percentiles (median function 9-14
lines, p90 34-46; median module 54-250). This prints the same figures for botguard so a
change can say what it did to them. A module is a .py file (its line count, blank and
comment lines included, as `wc -l` counts); a function is every `def`/`async def`, methods
and nested functions included, from its `def` line (decorators excluded) to its last line.
Each revision is read from git (`git show REV:path`), so before and after sit side by side
without checking anything out; `.` is the working tree.

usage: .venv/bin/python benchmarks/sizes.py [REV ...]   (default: main .)
"""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
SRC = "src/botguard"


@dataclass(frozen=True, slots=True)
class Sizes:
    """Line counts of one revision's modules and functions."""

    modules: list[int]
    functions: list[int]


def _sources(rev: str) -> list[str]:
    """The text of every .py file under src/botguard at `rev` (`.`: the working tree)."""
    if rev == ".":
        return [p.read_text() for p in sorted((ROOT / SRC).rglob("*.py"))]
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, SRC],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return [
        subprocess.run(
            ["git", "show", f"{rev}:{name}"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        for name in names
        if name.endswith(".py")
    ]


def measure(sources: list[str]) -> Sizes:
    """Line counts of the modules and of every function in them."""
    modules: list[int] = []
    functions: list[int] = []
    for text in sources:
        modules.append(len(text.splitlines()))
        functions.extend(
            (node.end_lineno or node.lineno) - node.lineno + 1
            for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        )
    return Sizes(modules, functions)


def _p90(values: list[int]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def main(revs: list[str]) -> None:
    """Print one row per revision."""
    table = Table(title=f"sizes of {SRC} (lines)")
    for column in ("rev", "modules", "median", "p90", "max", "functions", "median", "p90", "max"):
        table.add_column(column, justify="left" if column == "rev" else "right")
    for rev in revs:
        sizes = measure(_sources(rev))
        row = [rev]
        for values in (sizes.modules, sizes.functions):
            row += [
                str(len(values)),
                f"{statistics.median(values):g}",
                f"{_p90(values):g}",
                str(max(values)),
            ]
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main(sys.argv[1:] or ["main", "."])
