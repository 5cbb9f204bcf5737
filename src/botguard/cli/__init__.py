"""The botguard command line: `main(argv) -> exit code`, one module per command."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

# Each import registers its commands on `app`. Keep this list in --help order.
from botguard.cli import (  # noqa: F401
    attest,
    audit,
    demo,
    drill,
    harden,
    init_cmd,
    kill,
    run_cmd,
    scan,
    secrets_cmd,
    sim,
    watch,
)
from botguard.cli.app import app
from botguard.errors import BotguardError

__all__ = ["main", "run"]


def _error(message: str) -> None:
    from botguard.secrets.redact import redact

    sys.stderr.write(f"botguard: error: {redact(message)}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run botguard with these arguments and return its exit code (never raises)."""
    from botguard.secrets.logging import install_redaction

    install_redaction()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = app(args=args, prog_name="botguard", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        _error("aborted")
        return 2
    except click.ClickException as exc:
        _error(exc.format_message().splitlines()[0] + " (see `botguard --help`)")
        return 2
    except BotguardError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            _error(line)
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
