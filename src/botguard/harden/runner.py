"""Start the bot as a child, hand it its secrets, forward signals, keep the heartbeat.

The secrets go to the child only: as environment variables named after their
references (`env:EX_API_KEY` -> `EX_API_KEY`, see credentials.credential_name),
or as files in a private 0700 directory exported as CREDENTIALS_DIRECTORY, the
layout systemd credentials use. botguard's own logs name them, never show them.

The child runs in its own process group, so a Ctrl-C in the terminal reaches it
once (forwarded by us), not twice. The heartbeat file's mtime is refreshed every
interval while the child lives; `botguard watch` trips when it goes stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from botguard.config import Config
from botguard.errors import UsageError
from botguard.harden.credentials import config_refs, credential_names
from botguard.secrets.perms import write_private
from botguard.secrets.refs import resolve_secret
from botguard.secrets.secret import Secret

logger = logging.getLogger(__name__)

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
DEFAULT_HEARTBEAT_S = 15.0


class SecretsMode(StrEnum):
    """How the child receives its secrets."""

    ENV = "env"
    DIR = "dir"


@dataclass(slots=True)
class ChildSpec:
    """Everything needed to start and watch the bot."""

    argv: list[str]
    secrets: dict[str, Secret] = field(default_factory=dict)
    """Name handed to the child -> resolved secret."""
    mode: SecretsMode = SecretsMode.ENV
    heartbeat: Path | None = None
    heartbeat_s: float = DEFAULT_HEARTBEAT_S
    source_env: list[str] = field(default_factory=list)
    """Variables the `env:` references were read from; the child gets each secret once,
    under its handed-over name, so these are removed from its environment."""


def resolve_child_secrets(config: Config) -> dict[str, Secret]:
    """Resolve every account secret; SecretError (exit 2) names the reference at fault."""
    return {
        name: resolve_secret(ref) for ref, name in credential_names(config_refs(config)).items()
    }


def source_env_vars(config: Config) -> list[str]:
    """Names of the environment variables behind the config's `env:` references."""
    return [ref.removeprefix("env:") for ref in config_refs(config) if ref.startswith("env:")]


def heartbeat_interval(config: Config) -> float:
    """A quarter of the watchdog's staleness limit, capped at DEFAULT_HEARTBEAT_S."""
    return max(0.05, min(DEFAULT_HEARTBEAT_S, config.guard.heartbeat_max_age_s / 4))


def write_credentials_dir(secrets: dict[str, Secret]) -> Path:
    """A private directory with one 0400 file per secret, on tmpfs when there is one."""
    shm = Path("/dev/shm")  # noqa: S108 (tmpfs; mkdtemp makes a private 0700 dir in it)
    base = os.environ.get("XDG_RUNTIME_DIR") or (str(shm) if shm.is_dir() else None)
    directory = Path(tempfile.mkdtemp(prefix="botguard-creds-", dir=base))
    directory.chmod(0o700)
    for name, secret in secrets.items():
        write_private(directory / name, secret.reveal(), mode=0o400)
    return directory


def child_environment(spec: ChildSpec, creds_dir: Path | None) -> dict[str, str]:
    """Our environment, minus the secrets' sources, plus the secrets (ENV) or the dir (DIR)."""
    env = {k: v for k, v in os.environ.items() if k not in spec.source_env}
    if creds_dir is not None:
        env["CREDENTIALS_DIRECTORY"] = str(creds_dir)
    else:
        env.update({name: secret.reveal() for name, secret in spec.secrets.items()})
    return env


def touch(path: Path) -> None:
    """Refresh the heartbeat's mtime (creating it); a failure is logged, not fatal."""
    try:
        path.touch(exist_ok=True)
        os.utime(path)
    except OSError as exc:
        logger.warning("cannot write heartbeat %s: %s", path, exc.strerror)


def exit_status(returncode: int) -> int:
    """The child's exit code; death by signal N becomes 128+N, as shells report it."""
    return 128 - returncode if returncode < 0 else returncode


async def _spawn(spec: ChildSpec, env: dict[str, str]) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(*spec.argv, env=env, process_group=0)
    except (FileNotFoundError, PermissionError) as exc:
        raise UsageError(
            f"cannot start {spec.argv[0]!r}: {exc.strerror}; check bot.command"
        ) from None


class _Forwarder:
    """Signal handlers installed before the child exists, so no signal slips past.

    A signal that arrives before the child started is remembered; the child is
    then not started at all.
    """

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.early: signal.Signals | None = None

    def __call__(self, sig: signal.Signals) -> None:
        if self.proc is None:
            self.early = self.early or sig
            return
        logger.info("forwarding %s to the bot (pid %s)", sig.name, self.proc.pid)
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)


async def supervise(spec: ChildSpec) -> int:
    """Run the child to completion and return its exit status."""
    loop = asyncio.get_running_loop()
    forwarder = _Forwarder()
    for sig in FORWARDED:
        loop.add_signal_handler(sig, forwarder, sig)
    creds_dir = write_credentials_dir(spec.secrets) if spec.mode is SecretsMode.DIR else None
    try:
        env = child_environment(spec, creds_dir)
        if forwarder.early is not None:
            return 128 + forwarder.early
        forwarder.proc = await _spawn(spec, env)
        logger.info(
            "started %s (pid %s) with secrets %s via %s",
            spec.argv[0], forwarder.proc.pid, ", ".join(spec.secrets) or "none", spec.mode.value,
        )  # fmt: skip
        return await _watch(forwarder.proc, spec)
    finally:
        for sig in FORWARDED:
            loop.remove_signal_handler(sig)
        if creds_dir is not None:
            shutil.rmtree(creds_dir, ignore_errors=True)


async def _watch(proc: asyncio.subprocess.Process, spec: ChildSpec) -> int:
    waiter = asyncio.ensure_future(proc.wait())
    while not waiter.done():
        if spec.heartbeat is not None:
            touch(spec.heartbeat)
        await asyncio.wait({waiter}, timeout=spec.heartbeat_s)
    status = exit_status(waiter.result())
    logger.info("bot exited with status %s", status)
    return status


def child_argv(config: Config, command: Sequence[str]) -> list[str]:
    """CMD after `--`, else bot.command; neither is a usage error with the fix."""
    argv = list(command) or list(config.bot.command)
    if not argv:
        raise UsageError(
            "no command to run: give it after `--` (botguard run -- python bot.py) "
            "or set bot.command in botguard.toml"
        )
    return argv
