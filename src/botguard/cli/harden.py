"""`botguard harden`: write a hardened systemd unit, sshd drop-in and firewall for the bot."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, app

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.harden.apply import Change
    from botguard.harden.model import HardenFile
    from botguard.harden.validate import Validation


@app.command("harden")
def harden_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the files into.")],
    config: ConfigOption = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Also install the files on this host (diff first).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --apply: do not ask.")] = False,
    root: Annotated[
        Path, typer.Option("--root", help="With --apply: install under this tree instead of /.")
    ] = Path("/"),
    validate: Annotated[
        bool, typer.Option("--validate/--no-validate", help="Check the files with real tools.")
    ] = True,
) -> int:
    """Write a hardened systemd unit, sshd drop-in and firewall for the bot."""
    from botguard.config import load_config
    from botguard.errors import UsageError
    from botguard.harden.bundle import build_bundle, write_bundle
    from botguard.harden.validate import validate_bundle
    from botguard.secrets.console import make_console

    if apply and not yes and not sys.stdin.isatty():
        raise UsageError("--apply asks before writing and needs a terminal; add --yes to skip")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; pass a directory to write the files into")
    if apply and root.exists() and not root.is_dir():  # a missing --root is created
        raise UsageError(f"--root {root}: is a file; pass the directory to install under")
    console = make_console(highlight=False)  # piped: whole paths (botguard.secrets.console)
    files = build_bundle(load_config(config))
    write_bundle(files, out)
    _print_files(console, files, out)
    results = validate_bundle(files, out) if validate else []
    _print_validations(console, results)
    failed = [r for r in results if not r.ok and not r.skipped]
    for r in failed:  # one whole line each, whatever the table wrapped
        typer.echo(f"{r.name}: {r.tool}: {(r.detail.splitlines() or [''])[0]}", err=True)
    if failed:
        console.print("[red]a generated file failed validation; nothing applied[/]")
        return 1
    if apply:
        return _apply(console, files, root=root, yes=yes)
    console.print(f"Next: read {out / 'README.md'}, or run again with --apply.")
    return 0


def _print_files(console: Console, files: list[HardenFile], out: Path) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"botguard harden wrote {out}")
    for column in ("file", "installs to", "what it does"):
        table.add_column(column)
    for item in files:
        table.add_row(escape(item.name), escape(str(item.target or "-")), escape(item.purpose))
    console.print(table)


def _print_validations(console: Console, results: list[Validation]) -> None:
    from rich.markup import escape
    from rich.table import Table

    if not results:
        return
    table = Table(title="checked with the real tools")
    for column in ("file", "tool", "result", "detail"):
        table.add_column(column)
    for r in results:
        verdict = (
            "[yellow]skipped[/]" if r.skipped else ("[green]ok[/]" if r.ok else "[red]FAIL[/]")
        )
        detail = escape(r.detail.splitlines()[0]) if r.detail else ""
        table.add_row(escape(r.name), r.tool, verdict, detail)
    console.print(table)


def _apply(console: Console, files: list[HardenFile], *, root: Path, yes: bool) -> int:
    from rich.syntax import Syntax

    from botguard.harden.apply import plan_changes

    changes = plan_changes(files, root)
    if not changes:
        console.print("Every target file is already up to date; nothing to apply.")
        return 0
    for change in changes:
        console.print(Syntax(change.diff, "diff", theme="ansi_dark", background_color="default"))
    if not yes and not typer.confirm(f"Write these {len(changes)} files?", default=False):
        console.print("Nothing written.")
        return 1
    _write_all(console, changes)
    console.print("Files installed; nothing was reloaded. Follow README.md to activate them.")
    return 0


def _write_all(console: Console, changes: list[Change]) -> None:
    from botguard.harden.apply import write_change

    for change in changes:
        write_change(change)
        console.print(f"wrote {change.dest}")
