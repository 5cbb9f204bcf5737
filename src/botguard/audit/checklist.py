"""The seed's checklist, box by box in its own words, and the check ids that tick each box.

The seed ends with "The full security checklist": twelve boxes joined by " · ".
Each box here keeps that wording exactly (markdown reports print it), and lists
the check ids that decide it; boxes the seed only implies come after the box
they extend and say so. The registry's order is this order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    """One box of the checklist and the checks that tick it."""

    text: str
    """The seed's words for the box (or ours, for an implied box)."""
    ids: tuple[str, ...]
    implied: bool = False
    """True for a box the seed implies but does not list."""


BOXES: tuple[Box, ...] = (
    Box(
        "Trade-only API key with withdrawals disabled",
        ("key.withdrawals_disabled", "key.trading_enabled", "key.transfers_disabled"),
    ),
    Box("IP whitelist on the key", ("key.ip_whitelist",)),
    Box(
        "secrets in env/vault, never in code or git",
        ("secrets.not_in_code", "secrets.not_in_git_history", "secrets.env_ignored"),
    ),
    Box(".env chmod 600", ("secrets.env_permissions",)),
    Box("dedicated VPS, non-root user", ("host.non_root_user", "host.unit_hardened")),
    Box(
        "key-only SSH, firewall on",
        (
            "host.ssh_password_auth_disabled",
            "host.ssh_root_login_disabled",
            "host.firewall_default_deny",
        ),
    ),
    Box("OS patched", ("host.security_updates", "host.auto_updates")),
    Box("2FA on the account", ("exchange.two_factor",)),
    Box("withdrawal address whitelist", ("exchange.withdrawal_whitelist",)),
    Box("alerts on every login and withdrawal", ("exchange.alerts",)),
    Box("a tested kill switch", ("kill.configured", "kill.drilled_recently")),
    Box("logs that never print secrets", ("secrets.not_in_logs",)),
    Box(
        "no secret on a command line, where ps shows it",
        ("secrets.not_on_command_line",),
        implied=True,
    ),
    Box(
        "no key in the bot framework's config files",
        ("secrets.not_in_framework_config",),
        implied=True,
    ),
    Box(
        "the bot's remote-control API loopback-only and strongly guarded",
        ("host.framework_api",),
        implied=True,
    ),
    Box("clock in sync for signed requests", ("host.clock_synced",), implied=True),
)

CHECK_ORDER: tuple[str, ...] = tuple(i for box in BOXES for i in box.ids)
"""Every check id, in checklist order (the registry and the reports follow it)."""


def box_of(check_id: str) -> Box:
    """The box a check id belongs to (KeyError for an unknown id)."""
    for box in BOXES:
        if check_id in box.ids:
            return box
    raise KeyError(check_id)
