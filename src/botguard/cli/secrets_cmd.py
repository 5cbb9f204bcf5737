"""`botguard secrets check`: resolve every reference and show fingerprints, never values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from botguard.cli.app import ConfigOption, secrets_app

if TYPE_CHECKING:
    from rich.table import Table

    from botguard.config import Config

InsecurePermsOption = Annotated[
    bool,
    typer.Option(
        "--insecure-perms",
        help="Use secret files that group/others can read (warns loudly). Fix with chmod 600.",
    ),
]


def config_refs(config: Config) -> list[tuple[str, str, str]]:
    """(account, field, reference) for every secret reference in the config."""
    from botguard.secrets.refs import account_refs

    rows = [
        (account.name, field, ref)
        for account in config.account
        for field, ref in account_refs(account).items()
    ]
    rows += [("-", f"bot.secrets[{i}]", ref) for i, ref in enumerate(config.bot.secrets)]
    rows += [("-", f"alerts.urls[{i}]", ref) for i, ref in enumerate(config.alerts.urls)]
    return rows


def fix_hint(ref: str) -> str:
    """Where an unresolved `env:`/`dotenv:` reference looked and what to do, as a suffix.

    The resolver's message names the variable or file; this adds the step that
    makes it resolve (permission problems already carry their `chmod 600`).
    """
    from botguard.audit.checks.secret_files import secret_file

    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        return (
            f" (looked in this process's environment, not in a .env file); fix: "
            f"`export {rest}=...`, or reference a dotenv file: dotenv:.env#{rest}"
        )
    path = secret_file(ref)
    if scheme != "dotenv" or path is None:
        return ""
    name = rest.rpartition("#")[2]
    if not path.exists():
        return f"; fix: create {path} with a line {name}=<value> (`botguard init` writes one)"
    if path.stat().st_mode & 0o077:
        return ""  # the resolver's message already says `chmod 600`
    return f"; fix: put {name}=<value> in {path}"


def _check_table(config: Config, insecure_perms: bool) -> tuple[Table, list[str]]:
    from rich.table import Table

    from botguard.errors import SecretError
    from botguard.secrets.refs import resolve_secret, source_of

    table = Table("account", "field")
    table.add_column("reference", overflow="fold")
    table.add_column("source", overflow="fold")
    table.add_column("length", no_wrap=True, justify="right")
    table.add_column("sha256", no_wrap=True, min_width=12)
    table.add_column("status", no_wrap=True)
    failures = []
    for account, field, ref in config_refs(config):
        try:
            secret = resolve_secret(ref, insecure_perms=insecure_perms)
        except SecretError as exc:
            where = field if account == "-" else f"{account}.{field}"
            failures.append(f"{where}: {exc}{fix_hint(ref)}")
            table.add_row(account, field, ref, source_of(ref), "-", "-", "[red]FAIL[/red]")
            continue
        row = (str(secret.length), secret.fingerprint(), "[green]ok[/green]")
        table.add_row(account, field, ref, source_of(ref), *row)
    return table, failures


@secrets_app.command("check")
def check_command(config: ConfigOption = None, insecure_perms: InsecurePermsOption = False) -> int:
    """Resolve every secret reference in the config; show length and fingerprint.

    Exit 1 when any reference fails to resolve (each reason on its own line).
    The values themselves are never printed.
    """
    from botguard.config import load_config
    from botguard.secrets.console import make_console
    from botguard.secrets.perms import insecure_allowances

    loaded = load_config(config)
    out, err = make_console(highlight=False), make_console(stderr=True, highlight=False)
    if not out.is_terminal:
        out.width = 160  # a pipe or file: keep references and sources on one line
    if not config_refs(loaded):
        out.print(f"{loaded.path}: no secret references configured")
        return 0
    already = len(insecure_allowances())
    table, failures = _check_table(loaded, insecure_perms)
    out.print(table)
    for line in insecure_allowances()[already:]:
        err.print(f"botguard: INSECURE (--insecure-perms): {line}", markup=False, style="bold red")
    for line in failures:
        err.print(f"botguard: secret failed: {line}", markup=False)
    if failures:
        return 1
    out.print("All secret references resolved.\nNext: `botguard audit`.", markup=False)
    return 0
