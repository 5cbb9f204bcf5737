"""`botguard init`: write a starter botguard.toml, a .env template (mode 600) and .gitignore it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from botguard.cli.app import ConfigOption, app
from botguard.errors import UsageError
from botguard.secrets.perms import write_private

DirOption = Annotated[
    Path, typer.Option("--dir", help="Folder to write into (default: the current one).")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")]
FreqtradeConfigs = Annotated[
    list[Path] | None,
    typer.Argument(
        help="freqtrade's config file(s), in the order freqtrade reads them (--from-freqtrade).",
        metavar="CONFIG...",
        show_default=False,
    ),
]
FromFreqtradeOption = Annotated[
    bool,
    typer.Option(
        "--from-freqtrade",
        help="Write botguard.toml from freqtrade's config(s); move its keys into the .env.",
    ),
]
BackupOption = Annotated[
    bool, typer.Option("--backup", help="Keep each changed freqtrade config as NAME.TIME.bak.")
]
FixApiOption = Annotated[
    bool,
    typer.Option(
        "--fix-api-server",
        help="Generate strong API-server secrets for freqtrade and bind it to 127.0.0.1.",
    ),
]


@app.command("init")
def init_cmd_command(  # noqa: PLR0913 - each option is a flag of its own
    configs: FreqtradeConfigs = None,
    config: ConfigOption = None,
    directory: DirOption = Path(),
    force: ForceOption = False,
    from_freqtrade: FromFreqtradeOption = False,
    backup: BackupOption = False,
    fix_api_server: FixApiOption = False,
) -> int:
    """Write a starter botguard.toml, a .env template (mode 600) and .gitignore it.

    Existing files are never overwritten without --force. With --config PATH the
    config is written there instead of DIR/botguard.toml. With --from-freqtrade
    CONFIG... the config comes from freqtrade's, whose keys and tokens move into
    the .env (blanked in its files) under the FREQTRADE__ names `run` hands over.
    """
    from botguard.cli.paths import check_writable_file

    _check_flags(configs or [], from_freqtrade=from_freqtrade, extra=backup or fix_api_server)
    _make_dir(directory)
    config_file = config or directory / "botguard.toml"
    if config is not None:
        check_writable_file(config, option="--config")
    env_file = directory / ".env"
    if from_freqtrade:
        from botguard.cli.init_freqtrade import Targets, init_from_freqtrade

        targets = Targets(config=config_file, env=env_file, directory=directory)
        return init_from_freqtrade(
            configs or [], targets, force=force, backup=backup, fix_api_server=fix_api_server
        )
    return _init_template(config_file, env_file, directory, force=force)


def _check_flags(configs: list[Path], *, from_freqtrade: bool, extra: bool) -> None:
    """Config files only with --from-freqtrade, and it needs at least one."""
    if configs and not from_freqtrade:
        raise UsageError(
            f"unexpected argument {str(configs[0])!r}; to convert freqtrade's config, "
            "write `botguard init --from-freqtrade CONFIG...`"
        )
    if from_freqtrade and not configs:
        raise UsageError("--from-freqtrade needs freqtrade's config file(s), e.g. config.json")
    if extra and not from_freqtrade:
        raise UsageError("--backup and --fix-api-server go with --from-freqtrade CONFIG...")


def _init_template(config_file: Path, env_file: Path, directory: Path, *, force: bool) -> int:
    """The plain init: the commented template and an empty .env."""
    from botguard.cli.init_templates import CONFIG_TEMPLATE, DOTENV_TEMPLATE
    from botguard.secrets.console import make_console

    existing = [p for p in (config_file, env_file) if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise UsageError(f"{names} already exists; pass --force to overwrite")
    config_file.write_text(_with_env_path(CONFIG_TEMPLATE, config_file, env_file), encoding="utf-8")
    write_private(env_file, DOTENV_TEMPLATE)
    ignored = ignore_dotenv(directory / ".gitignore")
    console = make_console(highlight=False)
    console.print(f"wrote {config_file}\nwrote {env_file} (mode 600)")
    console.print(f"{'added .env to' if ignored else '.env already in'} {directory / '.gitignore'}")
    console.print("Next: fill in .env, then run `botguard secrets check`.")
    return 0


def _with_env_path(template: str, config_file: Path, env_file: Path) -> str:
    """The template with its `dotenv:.env#` references pointing at the .env init writes.

    References are read relative to the config's folder, so a config written
    elsewhere (--config) names the .env by its path from there.
    """
    relative = os.path.relpath(env_file.resolve(), config_file.resolve().parent)
    return template.replace("dotenv:.env#", f"dotenv:{Path(relative).as_posix()}#")


def _make_dir(directory: Path) -> None:
    """Create --dir (and its parents) before writing anything; a file in the way is a UsageError."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"--dir {directory}: a file is in the way; pass a directory") from None
    except OSError as exc:
        raise UsageError(f"--dir {directory}: cannot create it ({exc.strerror})") from None


def ignore_dotenv(gitignore: Path) -> bool:
    """Add `.env` to .gitignore unless a line already ignores it; True if added."""
    text = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if any(line.strip() in {".env", "/.env", ".env*", "*.env"} for line in text.splitlines()):
        return False
    prefix = "\n" if text and not text.endswith("\n") else ""
    with gitignore.open("a", encoding="utf-8") as fh:
        fh.write(f"{prefix}# secrets: never commit (botguard init)\n.env\n")
    return True
