"""Names and values that become file names or lines in generated files.

`[bot]` name/service/user/command and `[harden]` watch_user/ssh_users end up as
unit file names, `User=`, `ExecStart=`, `AllowUsers` and polkit rules. Each is
held to the rules of the tool that reads it (systemd unit names, POSIX user
names), so none can hold a `/`, a `..` or a line break: no name can make
`botguard harden` write outside its folder, and no value can add a line to a
unit or drop-in. The limits were measured with systemd-analyze verify.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

UNIT_NAME_MAX = 255
"""systemd's longest unit name, suffix included (UNIT_NAME_MAX - 1 for the NUL)."""
BOT_NAME_MAX = UNIT_NAME_MAX - len("botguard-watch-.service")
"""bot.name is part of the watchdog's unit name, `botguard-watch-NAME.service`."""
_BOT_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
INSTANCE_PREFIX_MAX = UNIT_NAME_MAX - len("system-.slice")
"""An instance `PREFIX@I.service` goes into `system-PREFIX.slice` (PREFIX escaped)."""
_UNIT_CHARS = r"[A-Za-z0-9_.-]"
_SERVICE_RE = re.compile(rf"[A-Za-z0-9_]{_UNIT_CHARS}*(@{_UNIT_CHARS}+)?")
_USER_RE = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
_WRITABLE_PATH_RE = re.compile(r"(/[\w.@+-]+)+")
_SSH_USER_RE = re.compile(r"[a-z_][a-z0-9_-]{0,31}(@[A-Za-z0-9.:/*?_-]{1,253})?")


def check_bot_name(value: str) -> str:
    """bot.name becomes unit names, StateDirectory= and credential file names."""
    if len(value) > BOT_NAME_MAX or not _BOT_NAME_RE.fullmatch(value):
        raise ValueError(
            f"expected 1 to {BOT_NAME_MAX} letters, digits and . _ - (not starting with . or -),"
            " e.g. gridbot"
        )
    return value


def service_unit_name(service: str) -> str:
    """The unit systemctl means by `service`: a name without `.service` gets it added."""
    return service if service.endswith(".service") else f"{service}.service"


def check_service(value: str) -> str:
    """bot.service: no `/`, no whitespace, at most 255 characters with `.service`.

    systemd also escapes an instance's prefix into its slice name (`-` becomes
    `\\x2d`), and refuses to load the unit when that name is too long.
    """
    unit = service_unit_name(value)
    prefix, at, _ = unit.partition("@")
    escaped = len(prefix) + 3 * prefix.count("-")
    if (
        len(unit) > UNIT_NAME_MAX
        or not _SERVICE_RE.fullmatch(unit.removesuffix(".service"))
        or (at and escaped > INSTANCE_PREFIX_MAX)
    ):
        raise ValueError(
            "not a systemd unit name; expected letters, digits and _ . - (one @ for an "
            f"instance), at most {UNIT_NAME_MAX} characters with .service (an instance's "
            f'prefix: {INSTANCE_PREFIX_MAX}, a - counting 4), e.g. "gridbot.service"'
        )
    return value


def check_user(value: str) -> str:
    """A POSIX user name, as useradd accepts it by default (User=, Group=)."""
    if not _USER_RE.fullmatch(value):
        raise ValueError(
            "not a user name; expected 1 to 32 of a-z 0-9 _ - starting with a letter or _, "
            'e.g. "gridbot"'
        )
    return value


def check_ssh_user(value: str) -> str:
    """An AllowUsers entry: USER or USER@HOST, nothing that could start another line."""
    if not _SSH_USER_RE.fullmatch(value):
        raise ValueError(
            'not a user name for AllowUsers; expected USER or USER@HOST, e.g. "alice" or '
            '"alice@203.0.113.0/24" (a-z 0-9 _ - in USER; no spaces or control characters)'
        )
    return value


def check_argument(value: str) -> str:
    """A command-line argument that goes into ExecStart=: no control characters."""
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError(
            "contains a control character (newline, tab, NUL, ...); remove it from the command"
        )
    return value


def check_path_argument(value: Path) -> Path:
    """A path that goes into ExecStart= (harden.botguard): no control characters."""
    check_argument(str(value))
    return value


def check_writable_path(value: Path) -> Path:
    """A `[harden] writable_paths` entry, written unquoted as ReadWritePaths=/BindPaths=.

    Absolute and normalized (no `..`, `//` or trailing `/`), letters, digits and
    . _ - @ + only: no whitespace or control character can end the setting or the
    line, no `%` can become a systemd specifier, and no leading `-`/`+` can change
    its meaning.
    """
    text = str(value)
    if not _WRITABLE_PATH_RE.fullmatch(text) or ".." in value.parts or "." in text.split("/"):
        raise ValueError(
            "expected an absolute path of letters, digits and . _ - @ + (no spaces, no ..),"
            ' e.g. "/opt/gridbot/user_data"'
        )
    return value
