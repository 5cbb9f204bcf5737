"""The botguard exception tree; each class carries the exit code the CLI returns.

    BotguardError (3: could not finish)
    ├── UsageError (2: bad command line)
    ├── ConfigError (2: bad botguard.toml)
    │   └── SecretError (2: a reference could not be resolved or is unsafe)
    └── VenueError (3: the exchange failed us; details in botguard.venues.errors)

Exit code 1 is never an exception: it means "the check found a problem" and is
returned by the command itself.
"""

from __future__ import annotations


class BotguardError(Exception):
    """Something stopped botguard from finishing (exit 3)."""

    exit_code: int = 3


class UsageError(BotguardError):
    """The command line asked for something impossible (exit 2)."""

    exit_code = 2


class ConfigError(BotguardError):
    """botguard.toml is missing, unreadable or invalid (exit 2).

    The message is one or more lines, each naming the file, the key path and what
    was expected. It never contains a secret value.
    """

    exit_code = 2


class SecretError(ConfigError):
    """A secret reference could not be resolved or points at an unsafe file (exit 2)."""


class VenueError(BotguardError):
    """An exchange call failed in a way botguard could not work around (exit 3)."""
