"""`botguard audit` and `botguard scan` with plain flags, read without typer.

Typer imports itself and every command module, then builds a click command with a
pydantic adapter per parameter of every command, before the one asked for runs:
tens of milliseconds of an audit whose first exchange request should leave within
0.5 s of spawn (issue 18). The common invocations are read here instead: the command
name first, then only its documented flags, spelt as typer documents them (`--name
value`, `--name=value`, `-x value`), with values that cannot start an option. Anything
else (help, a root option, an unknown flag, short flags run together, a missing or empty
value, `--`) returns None, and typer parses and reports it exactly as before.

The tables below are the commands' typer parameters; tests/cli/test_early.py keeps
them equal to typer's and runs a table of argvs both ways, comparing output and exit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any

from botguard.formats import Format


class Kind(Enum):
    """How an option takes its value."""

    FLAG = "flag"
    VALUE = "value"
    REPEATED = "repeated"


@dataclass(frozen=True, slots=True)
class Option:
    """One documented option: the keyword it fills, how, and how its text is converted."""

    dest: str
    kind: Kind
    convert: Callable[[str], Any] = str


def _format(value: str) -> Format:
    return Format(value)  # a ValueError: not a format, typer says so


_CONFIG = Option("config", Kind.VALUE, Path)
_OUTPUT = Option("output", Kind.VALUE, Path)

AUDIT: Mapping[str, Option] = {
    "--config": _CONFIG, "-c": _CONFIG,
    "--format": Option("fmt", Kind.VALUE, _format), "-f": Option("fmt", Kind.VALUE, _format),
    "--root": Option("root", Kind.VALUE, Path),
    "--only": Option("only", Kind.REPEATED),
    "--skip": Option("skip", Kind.REPEATED),
    "--output": _OUTPUT, "-o": _OUTPUT,
}  # fmt: skip
"""`botguard audit`'s options (cli/audit.py)."""

SCAN: Mapping[str, Option] = {
    "--config": _CONFIG, "-c": _CONFIG,
    "--history": Option("history", Kind.FLAG),
    "--staged": Option("staged", Kind.FLAG),
    "--logs": Option("logs", Kind.FLAG),
    "--log": Option("log", Kind.REPEATED),
    "--host": Option("host", Kind.FLAG),
    "--root": Option("root", Kind.VALUE, Path),
    "--format": Option("fmt", Kind.VALUE), "-f": Option("fmt", Kind.VALUE),
    "--baseline": Option("baseline", Kind.VALUE, Path),
    "--write-baseline": Option("write_baseline", Kind.VALUE, Path),
    "--output": _OUTPUT, "-o": _OUTPUT,
    "--min-confidence": Option("min_confidence", Kind.VALUE),
    "--no-patterns": Option("no_patterns", Kind.FLAG),
}  # fmt: skip
"""`botguard scan`'s options (cli/scan.py); its arguments are the trees to scan."""

CONFIG_ENV = "BOTGUARD_CONFIG"
"""--config's default, as typer reads it: set and not empty."""


def parse_plain(
    args: list[str], options: Mapping[str, Option], *, positional: str | None = None
) -> dict[str, Any] | None:
    """The keywords `args` fill, or None when typer should parse them (and say what is wrong)."""
    found: dict[str, Any] = {}
    rest = iter(args)
    for arg in rest:
        if not arg.startswith("-"):
            if positional is None or not arg:
                return None
            found.setdefault(positional, []).append(Path(arg))
            continue
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = options.get(name)
        if option is None or (option.kind is Kind.FLAG and eq):
            return None
        if option.kind is Kind.FLAG:
            found[option.dest] = True
            continue
        value = inline if eq else next(rest, None)
        if not value or value.startswith("-"):
            return None
        try:
            converted = option.convert(value)
        except ValueError:
            return None
        if option.kind is Kind.REPEATED:
            found.setdefault(option.dest, []).append(converted)
        else:
            found[option.dest] = converted
    if "config" not in found and os.environ.get(CONFIG_ENV):
        found["config"] = Path(os.environ[CONFIG_ENV])
    return found


def run_early(argv: list[str]) -> int | None:
    """Run `audit` or `scan` when argv is plain (see the module docstring); else None."""
    match argv[:1]:
        case ["audit"]:
            keywords = parse_plain(argv[1:], AUDIT)
            if keywords is None:
                return None
            from botguard.cli.auditing import audit

            return _with_logging(partial(audit, **keywords))
        case ["scan"]:
            keywords = parse_plain(argv[1:], SCAN, positional="paths")
            if keywords is None:
                return None
            from botguard.cli.scanning import scan

            return _with_logging(partial(scan, **keywords))
    return None


def _with_logging(command: Callable[[], int]) -> int:
    """Configure logging as the root callback does with no -v ($BOTGUARD_LOG), then undo."""
    from botguard.cli.verbosity import configure_logging

    undo = configure_logging(0)
    try:
        return command()
    finally:
        undo()
