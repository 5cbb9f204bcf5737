"""The two systemd units: the bot behind `botguard run`, and `botguard watch`.

Both get the strongest sandbox a Python program that talks HTTPS to an exchange
still works in; `systemd-analyze security --offline` scores them (tests assert
"OK", at most 2.0). The choices that are not obvious:

- MemoryDenyWriteExecute=yes: CPython without a JIT never needs memory that is
  writable and executable, and ctypes callbacks use libffi's static trampolines
  (libffi >= 3.4). Measured under the kernel's own W^X switch (prctl
  PR_SET_MDWE, which refuses the same mappings): ccxt, aiohttp, ssl,
  cryptography and a ctypes callback all work; only cffi's `ffi.callback()`
  fails. Bots that need it set `[harden] memory_deny_write_execute = false`.
- The bot may not write botguard's state dir (ProtectSystem=strict leaves it
  read-only): the halt flag lives there, and a compromised bot must not be able
  to lower it. Only its own StateDirectory and the heartbeat are writable.
- AF_UNIX stays allowed: asyncio's event loop wakes itself through a Unix
  socketpair, so an async bot cannot run without it.
- IPAddressDeny covers link-local (169.254.0.0/16, where cloud metadata services
  hand out instance credentials) and multicast; an allow list of exchange IPs
  is not possible because exchanges sit behind CDNs.
- LimitCORE=0: a core dump of either process would hold the exchange keys
  (botguard also sets RLIMIT_CORE 0 itself once it has read a secret).
- The workdir stays read-only; what the bot must write is listed: `[harden]
  writable_paths`, and for freqtrade its `user_data` (data, logs, strategies).
  Paths under /home are re-exposed with BindPaths= (ProtectHome=tmpfs hides them,
  so ReadWritePaths= alone would name a path the bot cannot see).
- `[harden] notify = true` gives Type=notify with NotifyAccess=all: the bot that
  calls sd_notify (freqtrade's `--sd-notify`) is `botguard run`'s child, not the
  unit's main process, so NotifyAccess=main would drop its READY=1 and systemd
  would kill the unit at TimeoutStartSec.
- Secrets arrive as encrypted credentials (LoadCredentialEncrypted=), never as
  Environment=, which anyone who can run `systemctl show` reads.
"""

from __future__ import annotations

import math
import re
import shutil
import sys
from pathlib import Path, PurePosixPath

from botguard.config import Config
from botguard.errors import ConfigError
from botguard.harden.credentials import config_refs, credential_names
from botguard.names import service_unit_name

CREDSTORE = PurePosixPath("/etc/credstore.encrypted")
UNIT_DIR = PurePosixPath("/etc/systemd/system")
NAME_MAX = 255
_HOME_ROOTS = (Path("/home"), Path("/root"), Path("/run/user"))
_PLAIN_PATH_RE = re.compile(r"/[\w./@+-]*")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

SANDBOX = (
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "PrivateUsers=yes",
    "PrivateIPC=yes",
    "PrivateMounts=yes",
    "ProtectKernelTunables=yes",
    "ProtectKernelModules=yes",
    "ProtectKernelLogs=yes",
    "ProtectControlGroups=yes",
    "ProtectClock=yes",
    "ProtectHostname=yes",
    "ProtectProc=invisible",
    "ProcSubset=pid",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces=yes",
    "RestrictRealtime=yes",
    "RestrictSUIDSGID=yes",
    "LockPersonality=yes",
    "SystemCallArchitectures=native",
    "SystemCallFilter=@system-service",
    "SystemCallFilter=~@privileged @resources",
    "SystemCallErrorNumber=EPERM",
    "CapabilityBoundingSet=",
    "AmbientCapabilities=",
    "RemoveIPC=yes",
    "KeyringMode=private",
    "DevicePolicy=closed",
    "IPAddressDeny=169.254.0.0/16 multicast",
    "LimitCORE=0",
)
"""Sandbox settings shared by both units (ProtectHome and W^X are decided per unit)."""


def bot_unit_name(config: Config) -> str:
    """The bot's unit file name: bot.service if set, else `<bot.name>.service`."""
    return service_unit_name(config.bot.service or config.bot.name)


def watch_unit_name(config: Config) -> str:
    """The watchdog's unit file name."""
    return f"botguard-watch-{config.bot.name}.service"


def default_botguard() -> str:
    """The botguard executable the units call: the one next to this Python, if any."""
    beside = Path(sys.executable).parent / "botguard"
    if beside.exists():
        return str(beside)
    return shutil.which("botguard") or "/usr/local/bin/botguard"


def quote_arg(arg: str) -> str:
    """One argument as systemd's command-line parser reads it back unchanged.

    `%` starts a specifier and `$` a variable, so both are doubled; anything
    with spaces, quotes, backslashes, a lone `;` (the command separator) or an
    ASCII control character is double-quoted with C escapes. systemd ends a
    line at CR and NUL as well as LF, so no control character is ever left raw.
    """
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if escaped and not any(c in escaped for c in " \"'\\;") and not _CONTROL_RE.search(escaped):
        return escaped
    body = escaped.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", body) + '"'


def command_line(args: list[str]) -> str:
    """An ExecStart= value from an argument list."""
    return " ".join(quote_arg(a) for a in args)


def credential_lines(config: Config, *, include_alerts: bool) -> list[str]:
    """LoadCredentialEncrypted= lines, one per secret reference."""
    names = credential_names(config_refs(config, include_alerts=include_alerts))
    return [
        f"LoadCredentialEncrypted={name}:{credstore_path(config, name)}" for name in names.values()
    ]


def credstore_path(config: Config, name: str) -> PurePosixPath:
    """`/etc/credstore.encrypted/BOT.NAME`; one file name, so at most 255 characters."""
    file_name = f"{config.bot.name}.{name}"
    if len(file_name) > NAME_MAX:
        raise ConfigError(
            f"{config.path}: bot.name with the credential {name} makes a file name too long "
            f"({len(file_name)} > {NAME_MAX} characters); shorten bot.name or the secret "
            "reference's last part"
        )
    return CREDSTORE / file_name


def _home_binds(config: Config) -> list[str]:
    """Paths under /home that the bot needs, re-exposed read-only under ProtectHome=tmpfs."""
    wanted: list[Path] = []
    if config.bot.workdir is not None:
        wanted.append(config.bot.workdir)
    exe = Path(config.bot.command[0])
    if exe.is_absolute() and not any(exe.is_relative_to(w) for w in wanted):
        wanted.append(exe.parent.parent if exe.parent.name == "bin" else exe.parent)
        _require_plain(config, "bot.command[0]", exe)
    return [str(p) for p in wanted if any(p.is_relative_to(h) for h in _HOME_ROOTS)]


def _writable_paths(config: Config) -> list[str]:
    """Where the bot may write besides its StateDirectory: the heartbeat only."""
    heartbeat = config.bot.heartbeat
    if heartbeat is None or heartbeat.parent == Path("/var/lib") / config.bot.name:
        return []
    if heartbeat.parent.parent == Path("/run"):
        return [f"RuntimeDirectory={heartbeat.parent.name}"]
    if heartbeat.parent == config.state.dir:
        return [f"ReadWritePaths=-{heartbeat}"]
    return [f"ReadWritePaths=-{heartbeat.parent}"]


def _bot_writable_paths(config: Config) -> list[str]:
    """`[harden] writable_paths`, plus freqtrade's `user_data` under its workdir.

    user_data may not exist yet (`freqtrade create-userdir` makes it), so it is
    optional (`-`); a path the user listed must exist, or the unit fails to start
    and says which. Under /home they become BindPaths=, see the module docstring.
    """
    paths = [(str(p), "") for p in config.harden.writable_paths]
    if config.bot.framework == "freqtrade" and config.bot.workdir is not None:
        user_data = config.bot.workdir / "user_data"
        _require_plain(config, "bot.workdir", user_data)
        if str(user_data) not in {p for p, _ in paths}:
            paths.append((str(user_data), "-"))
    return [
        f"BindPaths={dash}{path}"
        if any(Path(path).is_relative_to(h) for h in _HOME_ROOTS)
        else f"ReadWritePaths={dash}{path}"
        for path, dash in paths
    ]


def _service_type(config: Config) -> list[str]:
    if config.harden.notify:
        return ["Type=notify", "NotifyAccess=all"]
    return ["Type=exec"]


def _require_command(config: Config) -> list[str]:
    if not config.bot.command:
        raise ConfigError(
            f"{config.path}: bot.command is missing; add the command that starts the bot, "
            'e.g. command = ["/opt/gridbot/.venv/bin/python", "bot.py"]'
        )
    if config.bot.user in (None, "", "root"):
        raise ConfigError(
            f"{config.path}: bot.user must name the bot's own non-root user, "
            'e.g. user = "gridbot" (create it with `useradd --system gridbot`)'
        )
    _require_plain_paths(config)
    return config.bot.command


def _require_plain_paths(config: Config) -> None:
    """Paths that go into unit settings unquoted must not be able to break a line."""
    paths = {
        "bot.workdir": config.bot.workdir,
        "bot.heartbeat": config.bot.heartbeat,
        "state.dir": config.state.dir,
    }
    for key, path in paths.items():
        if path is not None:
            _require_plain(config, key, path)


def _require_plain(config: Config, key: str, path: Path) -> None:
    if not _PLAIN_PATH_RE.fullmatch(str(path)):
        raise ConfigError(
            f"{config.path}: {key}: must be an absolute path of letters, digits and . _ - / @ +"
            " for the systemd unit; move it somewhere without spaces or quotes"
        )


def render_bot_unit(config: Config, *, botguard: str) -> str:
    """The bot's unit: gate with `run --check`, then `run -- bot.command`."""
    command = _require_command(config)
    cfg = str(config.path.resolve())
    name, user = config.bot.name, str(config.bot.user)
    binds = _home_binds(config)
    writable = _bot_writable_paths(config)
    tmpfs_home = bool(binds) or any(w.startswith("BindPaths=") for w in writable)
    lines = [
        "# Generated by `botguard harden`; see README.md next to it.",
        "[Unit]",
        f"Description={name} trading bot (sandboxed, gated by botguard)",
        "After=network-online.target",
        "Wants=network-online.target",
        "StartLimitIntervalSec=10min",
        "StartLimitBurst=5",
        "",
        "[Service]",
        *_service_type(config),
        f"User={user}",
        f"Group={user}",
    ]
    if config.bot.workdir is not None:
        lines.append(f"WorkingDirectory={quote_arg(str(config.bot.workdir))}")
    lines += [
        f"ExecStartPre={command_line([botguard, 'run', '--config', cfg, '--check'])}",
        f"ExecStart={command_line([botguard, 'run', '--config', cfg, '--', *command])}",
        "Restart=on-failure",
        "RestartSec=15s",
        "TimeoutStopSec=60s",
        *credential_lines(config, include_alerts=False),
        f"StateDirectory={name}",
        "StateDirectoryMode=0700",
        *_writable_paths(config),
        "ProtectHome=tmpfs" if tmpfs_home else "ProtectHome=yes",
        *[f"BindReadOnlyPaths={p}" for p in binds],
        *writable,
        "UMask=0077",
        *_wx_line(config),
        *SANDBOX,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"


def _wx_line(config: Config) -> list[str]:
    if config.harden.memory_deny_write_execute:
        return ["MemoryDenyWriteExecute=yes"]
    return ["# MemoryDenyWriteExecute is off: [harden] memory_deny_write_execute = false"]


def render_watch_unit(config: Config, *, botguard: str) -> str:
    """The watchdog's unit: its own user, the only one that may write the state dir."""
    cfg = str(config.path.resolve())
    user = config.harden.watch_user
    lines = [
        "# Generated by `botguard harden`; see README.md next to it.",
        "[Unit]",
        f"Description=botguard watchdog for {config.bot.name} (trips the kill switch)",
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=exec",
        f"User={user}",
        f"Group={user}",
        f"ExecStart={command_line([botguard, 'watch', '--config', cfg])}",
        "Restart=always",
        "RestartSec=5s",
        f"TimeoutStopSec={_watch_stop_s(config)}s",
        *credential_lines(config, include_alerts=True),
        f"ReadWritePaths={config.state.dir}",
        "ProtectHome=yes",
        "UMask=0027",
        "MemoryDenyWriteExecute=yes",
        *SANDBOX,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"


def _watch_stop_s(config: Config) -> int:
    """How long systemd waits before SIGKILL: a kill the guardian runs finishes first
    (deadline, grace, margin: kill.interrupt.kill_bound), then its 3 s stop, plus slack."""
    from botguard.guardian.service import STOP_BOUND_S
    from botguard.kill.interrupt import KILL_MARGIN_S

    kill = config.kill
    return math.ceil(kill.deadline_s + kill.grace_s + KILL_MARGIN_S + STOP_BOUND_S + 5)
