"""The typer application with every command registered, imported only when typer parses.

Importing a command module registers its commands on `app`; the list is in --help order.
"""

from __future__ import annotations

try:  # typer >= 0.20 vendors click and raises its own copies of click's exceptions
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - older typer raises click's
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from botguard.cli import (  # noqa: F401
    attest,
    audit,
    demo,
    drill,
    fleet,
    harden,
    init_cmd,
    kill,
    run_cmd,
    scan,
    secrets_cmd,
    sim,
    status,
    watch,
)
from botguard.cli.app import app

__all__ = ["app", "click_exceptions", "kill"]
