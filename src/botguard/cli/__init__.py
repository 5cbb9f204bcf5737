"""The botguard command line: `main(argv) -> exit code`, one module per command.

Typer and the command modules are imported only when typer parses: `audit` and
`scan` with plain flags run from `cli/early.py` without them (issue 18), and a plain
`kill --yes` is handed to a running guardian before typer builds its parameters.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from botguard.errors import BotguardError

__all__ = ["main", "run"]


def _error(message: str) -> None:
    from botguard.secrets.redact import redact

    sys.stderr.write(f"botguard: error: {redact(message)}\n")


def _usage_error(exc: Exception) -> int:
    """One line naming the command and what was wrong; typer prints help for no args."""
    from botguard.cli.commands import click_exceptions

    if isinstance(exc, click_exceptions.NoArgsIsHelpError):
        return 2  # the help is already on stdout; exit 2 as typer's no_args_is_help does
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "botguard"
    message = exc.format_message() if isinstance(exc, click_exceptions.ClickException) else ""
    lines = message.splitlines() or [type(exc).__name__]
    _error(f"{command}: {lines[0]} (see `{command} --help`)")
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run botguard with these arguments and return its exit code (never raises)."""
    from botguard.cli.early import run_early
    from botguard.secrets.logging import install_redaction

    install_redaction()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = run_early(args)
        return _typer_main(args) if code is None else code
    except BotguardError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            _error(line)
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _typer_main(args: list[str]) -> int:
    """Parse with typer and run the command; typer's own exits become exit codes."""
    import typer

    from botguard.cli.commands import app, click_exceptions, kill

    handed = kill.early_kill(args)  # a running guardian takes a plain `kill --yes` at once
    if handed is not None:
        return handed
    try:
        result = app(args=args, prog_name="botguard", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        _error("aborted")
        return 2
    except click_exceptions.ClickException as exc:
        return _usage_error(exc)
    if result == INTERRUPTED:  # typer catches Ctrl-C itself and returns Exit(130)'s code
        _error("interrupted")
    return result if isinstance(result, int) else 0


INTERRUPTED = 130
"""No command returns this itself; typer hands it back for KeyboardInterrupt."""


def run() -> None:
    """Console-script entry point."""
    code = main()
    skip_final_collection()
    sys.exit(code)


def skip_final_collection() -> None:
    """Spare the finished process the garbage collector's passes over every object at exit.

    Interpreter shutdown collects all tracked objects; with ccxt, aiohttp and pydantic
    loaded that is hundreds of thousands, and it took 0.2 s after an audit had printed
    and journaled (0.25 s -> 0.03 s measured, load 5; issue 18: the whole process within
    the in-process time + 0.5 s). `gc.freeze()` moves them to the permanent generation,
    which those passes skip; modules are still torn down and every object freed by its
    reference count is finalized as before. Only cyclic garbage left at exit is not, and
    nothing botguard keeps needs that: files, journals, sessions and event loops are
    closed by `with` blocks and `asyncio.run` before `main` returns. The CLI's process
    only: `main()` in a library or a test never freezes anything.
    """
    import gc

    gc.freeze()
