"""Every check, listed explicitly (no module scanning), in the seed checklist's order."""

from __future__ import annotations

from botguard.audit.checks import (
    clock,
    exchange,
    firewall,
    freqtrade,
    key,
    kill,
    secret_files,
    secrets,
    ssh,
    unit,
    updates,
)
from botguard.audit.model import Check

CHECKS: tuple[Check, ...] = (
    key.withdrawals_disabled,
    key.trading_enabled,
    key.transfers_disabled,
    key.ip_whitelist,
    secrets.not_in_code,
    secrets.not_in_git_history,
    secrets.env_ignored,
    secret_files.env_permissions,
    unit.non_root_user,
    unit.unit_hardened,
    ssh.ssh_password_auth_disabled,
    ssh.ssh_root_login_disabled,
    firewall.firewall_default_deny,
    updates.security_updates,
    updates.auto_updates,
    exchange.two_factor,
    exchange.withdrawal_whitelist,
    exchange.alerts,
    kill.configured,
    kill.drilled_recently,
    secrets.not_in_logs,
    secrets.not_on_command_line,
    freqtrade.not_in_framework_config,
    freqtrade.framework_api,
    clock.clock_synced,
)
"""Every check in botguard.audit.checklist's order (a test keeps the two equal)."""
