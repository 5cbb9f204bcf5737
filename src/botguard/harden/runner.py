"""Start the bot as a child, hand it its secrets, forward signals, keep the heartbeat.

The secrets go to the child only: as environment variables named after their
references (`env:EX_API_KEY` -> `EX_API_KEY`, see credentials.credential_name),
or as files in a private 0700 directory exported as CREDENTIALS_DIRECTORY, the
layout systemd credentials use. botguard's own logs name them, never show them.

The child runs in its own process group, so a Ctrl-C in the terminal reaches it
once (forwarded by us), not twice. The heartbeat file's mtime is refreshed every
interval while the child lives; `botguard watch` trips when it goes stale.

Nothing outlives `run`: the child gets SIGKILL when `run` dies (PR_SET_PDEATHSIG;
a bot left trading without its supervisor is what a kill switch exists to
prevent), and a credentials dir a killed run left is removed by the next
`run` (see creds_dir). The child's environment is scrubbed of botguard's own
credentials: Vault, keyring settings, the alert URLs' variables.

The halt holds while the bot runs: `run` writes the bot's pid (the child's, not its
own) to `[bot] pidfile`, so `botguard kill` can find and signal it, and polls the
halt flag every HALT_POLL_S; once the flag is up the bot gets SIGTERM, then SIGKILL
after `[kill] grace_s` (its whole process group, so nothing it started trades on).
A freqtrade halted by a kill is asked to stand down over its API and left to the
kill, whose SIGTERM follows its own talk with freqtrade (see botguard.kill.freqtrade).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.config import Config
from botguard.errors import UsageError
from botguard.halt import is_halted, read_halt
from botguard.harden.credentials import config_refs, credential_names
from botguard.harden.creds_dir import create_credentials_dir
from botguard.harden.pidfile import remove_pidfile, write_pidfile
from botguard.secrets.hygiene import PR_SET_PDEATHSIG, libc_prctl
from botguard.secrets.refs import resolve_secret
from botguard.secrets.secret import Secret

if TYPE_CHECKING:
    from botguard.kill.freqtrade import FreqtradeApi

logger = logging.getLogger(__name__)

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
DEFAULT_HEARTBEAT_S = 15.0
KILL_HANDOFF_S = 8.0
"""How long a freqtrade that stood down is left for the kill to signal (the kill's talk
with it is cut off after ~2.5 s; the rest is room for a loaded machine)."""
HALT_POLL_S = 0.5
"""How often a running bot's supervisor looks for the halt flag."""
PIDFILE_LINGER_S = 0.5
"""After a halt stopped the bot, how long its pid file stays for the kill to read."""


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
    """Variables the `env:` references (alert URLs too) were read from; the child gets
    each of its secrets once, under its handed-over name, so these are removed."""
    owner: str | None = None
    """The bot's user: with DIR, the credentials dir is chowned to it (when run as root)."""
    pidfile: Path | None = None
    """`[bot] pidfile`: the child's pid goes there while it runs (for `botguard kill`)."""
    state_dir: Path | None = None
    """Where the halt flag lives; None: the flag is not watched."""
    grace_s: float = 10.0
    """`[kill] grace_s`: SIGTERM to SIGKILL when the flag stops the bot."""
    framework_api: FreqtradeApi | None = None
    """freqtrade's API: on a kill's flag it is asked to stand down, and the kill (which
    drops the trades it closes from freqtrade's books first) signals it."""


def resolve_child_secrets(config: Config) -> dict[str, Secret]:
    """Resolve every account secret; SecretError (exit 2) names the reference at fault."""
    return {
        name: resolve_secret(ref) for ref, name in credential_names(config_refs(config)).items()
    }


def source_env_vars(config: Config) -> list[str]:
    """Names of the variables behind the config's `env:` references, alert URLs included."""
    refs = config_refs(config, include_alerts=True)
    return [ref.removeprefix("env:") for ref in refs if ref.startswith("env:")]


def heartbeat_interval(config: Config) -> float:
    """A quarter of the watchdog's staleness limit, capped at DEFAULT_HEARTBEAT_S."""
    return max(0.05, min(DEFAULT_HEARTBEAT_S, config.guard.heartbeat_max_age_s / 4))


BOTGUARD_ONLY = ("VAULT_", "KEYRING_", "PYTHON_KEYRING_", "BOTGUARD_")
"""Prefixes of variables that are botguard's, not the bot's: the Vault token and
address, keyring backend settings (and their passwords), botguard's own settings."""
PASSED_ON = frozenset({"BOTGUARD_CONFIG"})
"""botguard variables the bot may need: the in-process guard finds the config by it."""


def is_botguards(name: str) -> bool:
    """A variable only botguard needs; the bot never inherits it."""
    return name.startswith(BOTGUARD_ONLY) and name not in PASSED_ON


def child_environment(spec: ChildSpec, creds_dir: Path | None) -> dict[str, str]:
    """Our environment, scrubbed, plus the secrets (ENV) or the dir (DIR).

    Gone: the variables the secrets were read from, those behind the alert URLs,
    and botguard's own credentials (is_botguards).
    """
    env = {k: v for k, v in os.environ.items() if k not in spec.source_env and not is_botguards(k)}
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


def _die_with_parent() -> Callable[[], None]:
    """A preexec_fn: the bot gets SIGKILL when `run` dies, however it dies.

    prctl is looked up here, before the fork, so the child only makes the call.
    If `run` died between fork and prctl the child is already orphaned: it exits.
    """
    parent = os.getpid()
    set_pdeathsig = libc_prctl()

    def preexec() -> None:
        if set_pdeathsig is not None:
            set_pdeathsig(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


async def _spawn(spec: ChildSpec, env: dict[str, str]) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            *spec.argv, env=env, process_group=0, preexec_fn=_die_with_parent()
        )
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
    creds = (
        create_credentials_dir(spec.secrets, owner=spec.owner)
        if spec.mode is SecretsMode.DIR
        else None
    )
    try:
        env = child_environment(spec, creds.path if creds else None)
        if forwarder.early is not None:
            return 128 + forwarder.early
        if spec.state_dir is not None and is_halted(spec.state_dir):
            logger.warning("the halt flag went up before the bot started: not starting it")
            return 1
        forwarder.proc = await _spawn(spec, env)
        logger.info(
            "started %s (pid %s) with secrets %s via %s",
            spec.argv[0], forwarder.proc.pid, ", ".join(spec.secrets) or "none", spec.mode.value,
        )  # fmt: skip
        return await _run_child(forwarder.proc, spec)
    finally:
        for sig in FORWARDED:
            loop.remove_signal_handler(sig)
        if creds is not None:
            creds.remove()


async def _run_child(proc: asyncio.subprocess.Process, spec: ChildSpec) -> int:
    """The child's pid in the pid file while it runs; a failed write stops the child."""
    if spec.pidfile is None:
        return await _watch(proc, spec)
    try:
        write_pidfile(spec.pidfile, proc.pid)
    except OSError as exc:
        await _stop_child(proc, 0.0)
        raise UsageError(
            f"cannot write [bot] pidfile {spec.pidfile}: {exc.strerror}; "
            "make its directory writable by botguard, or change bot.pidfile"
        ) from None
    try:
        return await _watch(proc, spec)
    finally:
        if spec.state_dir is not None and is_halted(spec.state_dir):
            # a kill raised the flag and is about to read the pid file: let it find the
            # (now dead) pid, "not running", rather than no file, "bot not identified"
            await asyncio.sleep(PIDFILE_LINGER_S)
        remove_pidfile(spec.pidfile, proc.pid)


async def _watch(proc: asyncio.subprocess.Process, spec: ChildSpec) -> int:
    """Wait for the child: heartbeat every heartbeat_s, halt flag every HALT_POLL_S."""
    waiter = asyncio.ensure_future(proc.wait())
    loop = asyncio.get_running_loop()
    next_beat = loop.time()
    stopper: asyncio.Task[None] | None = None
    while not waiter.done():
        if spec.heartbeat is not None and loop.time() >= next_beat:
            touch(spec.heartbeat)
            next_beat = loop.time() + spec.heartbeat_s
        if stopper is None and spec.state_dir is not None and is_halted(spec.state_dir):
            logger.warning("the halt flag is raised: stopping the bot (pid %s)", proc.pid)
            stopper = asyncio.ensure_future(_halt_child(proc, spec))
        timeout = max(0.0, next_beat - loop.time()) if spec.heartbeat is not None else None
        if spec.state_dir is not None and stopper is None:
            timeout = HALT_POLL_S if timeout is None else min(timeout, HALT_POLL_S)
        await asyncio.wait({waiter}, timeout=timeout)
    if stopper is not None:
        stopper.cancel()
    status = exit_status(waiter.result())
    logger.info("bot exited with status %s", status)
    return status


async def _halt_child(proc: asyncio.subprocess.Process, spec: ChildSpec) -> None:
    """The flag is up: stop the bot. A freqtrade halted by a kill that stood down when
    asked is left to the kill for KILL_HANDOFF_S: its SIGTERM follows its talk with
    freqtrade, which this process's own SIGTERM would cut short."""
    if spec.framework_api is not None and _raised_by_kill(spec):
        from botguard.kill.freqtrade import stand_down

        asked = await asyncio.to_thread(stand_down, spec.framework_api, drop_trades=False)
        if not asked.problem:
            logger.warning("freqtrade stood down; the kill signals it (%s)", asked.sentence())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(proc.wait()), timeout=KILL_HANDOFF_S)
                return
    await _stop_child(proc, spec.grace_s)


def _raised_by_kill(spec: ChildSpec) -> bool:
    flag = read_halt(spec.state_dir) if spec.state_dir is not None else None
    return flag is not None and flag.get("by") == "kill"


async def _stop_child(proc: asyncio.subprocess.Process, grace_s: float) -> None:
    """SIGTERM the bot's process group, SIGKILL it after `grace_s` if the bot lives on."""
    _signal_group(proc, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(proc.wait()), timeout=grace_s)
        return
    logger.warning("the bot outlived SIGTERM by %g s: sending SIGKILL", grace_s)
    _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    """The child leads its own process group (process_group=0): signal all of it."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def child_argv(config: Config, command: Sequence[str]) -> list[str]:
    """CMD after `--`, else bot.command; neither is a usage error with the fix."""
    argv = list(command) or list(config.bot.command)
    if not argv:
        raise UsageError(
            "no command to run: give it after `--` (botguard run -- python bot.py) "
            "or set bot.command in botguard.toml"
        )
    return argv
