"""The scan command's work, apart from typer: the typer command and the early path share it.

`botguard scan` with plain flags runs from `cli/early.py` without importing typer;
anything else goes through typer's `scan_command`, which calls `scan` here, so both
paths scan, print and exit alike.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.cli.early import CONFIG_ENV

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.config import Config
    from botguard.formats import Format
    from botguard.scan.coverage import Skip
    from botguard.scan.model import Leak
    from botguard.scan.run import ScanRequest
    from botguard.secrets.secret import Secret

DEFAULT_CONFIG = Path("botguard.toml")
"""botguard.config.DEFAULT_CONFIG, named here without importing pydantic (a test keeps
the two equal)."""

_SECRET_FIELDS = ("api_key", "secret", "password", "uid", "private_key")


@dataclass(frozen=True, slots=True)
class ScanFlags:
    """What was asked on the command line, before the config fills in the rest.

    One value instead of a tuple of five booleans: each flag is read by name, so two
    cannot be swapped by position (the tuple existed only to stay under a lint's limit).
    """

    paths: tuple[Path, ...]
    history: bool
    staged: bool
    logs: bool
    log: tuple[str, ...]
    host: bool
    root: Path
    no_patterns: bool
    min_confidence: str


def _load_config(explicit: Path | None) -> Config | None:
    """The config when one was named or ./botguard.toml exists; None means patterns only.

    With none named and none here (a pre-commit hook's scan) pydantic, a tenth of a
    second of the process, is never imported.
    """
    if explicit is None and not os.environ.get(CONFIG_ENV) and not DEFAULT_CONFIG.exists():
        return None
    from botguard.config import config_path, load_config

    path = config_path(explicit)
    if explicit is None and not path.exists():
        return None
    return load_config(path)


def _resolve_secrets(config: Config | None) -> list[Secret]:
    """Every secret the config references; unresolvable ones become a warning line."""
    from botguard.errors import SecretError
    from botguard.secrets.refs import resolve_secret

    if config is None:
        return []
    refs = [getattr(a, f) for a in config.account for f in _SECRET_FIELDS if getattr(a, f)]
    refs += list(config.bot.secrets) + list(config.alerts.urls)
    secrets = []
    for ref in dict.fromkeys(refs):
        try:
            secrets.append(resolve_secret(ref))
        except SecretError as exc:
            sys.stderr.write(f"botguard: warning: {exc}; scanning with patterns only for it\n")
    return secrets


def _print_text(
    console: Console, leaks: list[Leak], suppressed: int, skipped: Sequence[Skip]
) -> None:
    from botguard.scan.render import render_skipped, render_table

    clean = "No leaks found in what was read." if skipped else "No leaks found."
    console.print(render_table(leaks) if leaks else clean)
    if suppressed:
        console.print(f"{suppressed} accepted in the baseline (not shown).")
    if skipped:
        console.print(render_skipped(skipped))


def _text(
    leaks: list[Leak], output: Path | None, *, suppressed: int, skipped: Sequence[Skip]
) -> str | None:
    """Print the text report to stdout (None), or return it for --output. Only text
    imports rich: a JSON or SARIF scan never does."""
    import io

    from rich.console import Console

    from botguard.secrets.console import make_console

    if output is None:  # piped: $COLUMNS or wide, so locations stay whole
        _print_text(make_console(), leaks, suppressed, skipped)
        return None
    buffer = io.StringIO()
    _print_text(Console(file=buffer, width=160), leaks, suppressed, skipped)
    return buffer.getvalue().rstrip("\n")


def _emit(
    leaks: list[Leak],
    fmt: Format,
    output: Path | None,
    *,
    suppressed: int,
    skipped: Sequence[Skip],
) -> None:
    from botguard.cli.paths import write_output
    from botguard.formats import Format
    from botguard.scan.render import render_json, render_sarif

    if fmt is Format.TEXT:
        text = _text(leaks, output, suppressed=suppressed, skipped=skipped)
        if text is None:
            return
    elif fmt is Format.JSON:
        text = render_json(leaks, suppressed=suppressed, skipped=skipped)
    else:
        text = render_sarif(leaks, skipped=skipped)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        write_output(output, text + "\n")


def scan(  # noqa: PLR0913 (one parameter per documented flag)
    *,
    paths: Sequence[Path] | None = None,
    config: Path | None = None,
    history: bool = False,
    staged: bool = False,
    logs: bool = False,
    log: Sequence[str] | None = None,
    host: bool = False,
    root: Path = Path("/"),
    fmt: str = "text",
    baseline: Path | None = None,
    write_baseline: Path | None = None,
    output: Path | None = None,
    min_confidence: str = "medium",
    no_patterns: bool = False,
) -> int:
    """Run the scan as `botguard scan` does and return its exit code (see scan_command)."""
    from botguard.cli.progress import progress
    from botguard.errors import UsageError
    from botguard.scan.baseline import apply_baseline, load_baseline
    from botguard.scan.baseline import write_baseline as save_baseline
    from botguard.scan.coverage import Coverage
    from botguard.scan.run import run_scan

    scan_format = _parse_format(fmt)
    _check_paths(
        output=output,
        baseline=baseline,
        write_baseline=write_baseline,
        root=root if host else None,
    )
    loaded = _load_config(config)
    flags = ScanFlags(
        paths=tuple(paths or ()),
        history=history,
        staged=staged,
        logs=logs,
        log=tuple(log or ()),
        host=host,
        root=root,
        no_patterns=no_patterns,
        min_confidence=min_confidence,
    )
    request = _request(loaded, flags)
    accepted = load_baseline(baseline) if baseline else frozenset[str]()
    secrets = _resolve_secrets(loaded)
    coverage = Coverage()
    with progress("scanning git history" if history else "scanning"):  # terminal only
        leaks = run_scan(request, secrets, coverage=coverage)
    if write_baseline is not None:
        try:
            save_baseline(write_baseline, leaks)
        except OSError as exc:
            raise UsageError(
                f"--write-baseline {write_baseline}: cannot write ({exc.strerror})"
            ) from None
        sys.stderr.write(f"botguard: wrote {len(leaks)} accepted findings to {write_baseline}\n")
        _warn_incomplete(coverage.skipped)
        return 0
    kept, suppressed = apply_baseline(leaks, accepted)
    _emit(kept, scan_format, output, suppressed=suppressed, skipped=coverage.skipped)
    _warn_incomplete(coverage.skipped)
    return _exit_code(kept, complete=coverage.complete)


def _exit_code(leaks: Sequence[Leak], *, complete: bool) -> int:
    """1 for a leak (even in an incomplete scan: what was found stands), 3 when nothing
    was found but not everything was read (DESIGN.md's "could not finish"), else 0."""
    if leaks:
        return 1
    return 0 if complete else 3


def _warn_incomplete(skipped: Sequence[Skip]) -> None:
    """One stderr line, so an incomplete scan is visible even with --format json."""
    if skipped:
        first = skipped[0]
        more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
        sys.stderr.write(
            f"botguard: scan incomplete: {first.location} not read in full ({first.detail}){more}\n"
        )


def _check_paths(
    *, output: Path | None, baseline: Path | None, write_baseline: Path | None, root: Path | None
) -> None:
    """Fail on an unusable --output, --baseline, --write-baseline or --root before scanning."""
    from botguard.cli.paths import check_writable_file, existing_dir
    from botguard.errors import UsageError

    if output is not None:
        check_writable_file(output, option="--output")
    if write_baseline is not None:
        check_writable_file(write_baseline, option="--write-baseline")
    if baseline is not None and baseline.is_dir():
        raise UsageError(f"--baseline {baseline}: is a directory; pass the baseline JSON file")
    if root is not None:
        existing_dir(root, option="--root")


def _parse_confidence(value: str) -> str:
    from botguard.errors import UsageError
    from botguard.scan.model import CONFIDENCES

    if value not in CONFIDENCES:
        raise UsageError(f"--min-confidence {value!r}: use one of {', '.join(CONFIDENCES)}")
    return value


def _parse_format(fmt: str) -> Format:
    """The shared report format, if scan writes it (markdown is the audit's only)."""
    from botguard.errors import UsageError
    from botguard.formats import Format
    from botguard.scan.render import SCAN_FORMATS

    if fmt not in {f.value for f in SCAN_FORMATS}:
        choices = ", ".join(f.value for f in SCAN_FORMATS)
        raise UsageError(f"--format {fmt!r} is not supported by scan; use one of {choices}")
    return Format(fmt)


def _request(config: Config | None, flags: ScanFlags) -> ScanRequest:
    """The scan `flags` ask for, with the config's workdir, logs and scan settings."""
    from botguard.errors import UsageError
    from botguard.scan.run import ScanRequest

    if flags.staged and flags.history:
        raise UsageError("--staged and --history do not go together; pick one")
    workdir = config.bot.workdir if config else None
    if not flags.paths and not flags.staged and workdir is not None and not workdir.is_dir():
        raise UsageError(
            f"bot.workdir {workdir} in {config.path if config else 'botguard.toml'} is not a "
            "directory; fix it, or name the trees to scan: botguard scan PATH"
        )
    targets = flags.paths or ((Path() if flags.staged else workdir or Path()),)
    globs = list(flags.log)
    if flags.logs:
        if config is None or not config.bot.logs:
            raise UsageError("--logs needs `logs = [...]` under [bot] in botguard.toml, or --log")
        globs += config.bot.logs
    return ScanRequest(
        paths=targets,
        history=flags.history,
        staged=flags.staged,
        log_globs=tuple(globs),
        host_root=flags.root if flags.host else None,
        bot_home=workdir,
        patterns=not flags.no_patterns,
        min_confidence=_parse_confidence(flags.min_confidence),
        min_prefix=config.scan.min_prefix if config else 12,
        exclude=tuple(config.scan.exclude) if config else (),
    )
