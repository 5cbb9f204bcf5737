"""Alerts: every trip, kill result and failed audit goes to the `[alerts]` URLs.

The URLs are apprise URLs (Telegram, Slack, Discord, e-mail, webhooks). They carry
tokens, so the config holds secret references, resolved here and registered with
the redactor like any other secret. Title and body pass through the redactor
before they leave the process. Sending an alert never raises: an alert that
cannot be delivered is logged and reported in the return value, and must never
stop a kill switch.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from botguard.errors import BotguardError
from botguard.secrets.redact import redact

if TYPE_CHECKING:
    from collections.abc import Iterable

    from botguard.config import Config
    from botguard.findings import Finding

logger = logging.getLogger(__name__)

TIMEOUT_S = 10.0
"""Per-URL delivery timeout: a dead chat service must not hold a watchdog loop."""


class AlertKind(StrEnum):
    """What an alert is about; decides its apprise notification type."""

    TRIP = "trip"
    KILL = "kill"
    AUDIT = "audit"


@dataclass(frozen=True, slots=True)
class AlertResult:
    """How many configured URLs took the alert."""

    sent: int
    failed: int

    @property
    def ok(self) -> bool:
        """True when every URL took it (or none is configured)."""
        return self.failed == 0


async def send_alerts(
    config: Config, title: str, body: str, *, kind: AlertKind | str, ok: bool = False
) -> AlertResult:
    """Send one redacted alert to every `[alerts] urls` entry.

    Args:
        kind: trip, kill or audit (journaled with the delivery counts).
        ok: a good outcome (a kill that ended flat), sent as "success" not "failure".
    """
    if not config.alerts.urls:
        return AlertResult(0, 0)
    apprise = _import_apprise()
    notifier = apprise.Apprise()
    failed = 0
    with warnings.catch_warnings():  # plugin discovery happens on the first add()
        warnings.simplefilter("ignore", DeprecationWarning)
        for ref in config.alerts.urls:
            if not _add_url(notifier, ref):
                failed += 1
    sent = len(notifier)
    if sent:
        result = await notifier.async_notify(
            title=redact(title),
            body=redact(body),
            notify_type=apprise.NotifyType.SUCCESS if ok else _notify_type(kind),
            timeout=TIMEOUT_S,
        )
        delivered = result.success_count
        result.close()
        failed += sent - delivered
        sent = delivered
    outcome = AlertResult(sent, failed)
    _journal(config, str(kind), title, outcome)
    if failed:
        logger.warning("alert %r: %d of %d URLs failed", redact(title), failed, sent + failed)
    return outcome


KILL_OUTCOMES = {0: "verified flat", 1: "RESIDUAL EXPOSURE", 2: "refused", 3: "COULD NOT FINISH"}


async def alert_kill(config: Config, report: Any, *, reason: str = "manual") -> AlertResult:
    """Alert a kill switch result (any object with an `exit_code`, e.g. a KillReport)."""
    code = int(report.exit_code)
    outcome = KILL_OUTCOMES.get(code, f"exit {code}")
    if code == 0 and getattr(report, "status", "") == "cancelled":  # never "flat" then
        outcome = "orders cancelled, positions and coins kept (--no-flatten)"
    return await send_alerts(
        config,
        f"botguard kill ({config.bot.name}): {outcome}",
        f"reason: {reason}\nexit code {code} (0 = every account verified flat, or "
        "verified cancelled when the kill was asked not to flatten)",
        kind=AlertKind.KILL,
        ok=code == 0,
    )


async def alert_audit(config: Config, findings: Iterable[Finding]) -> AlertResult | None:
    """Alert the FAIL findings of an audit; None (nothing sent) when none failed."""
    from botguard.findings import Status

    failed = [f for f in findings if f.status == Status.FAIL]
    if not failed:
        return None
    lines = [f"- {f.id} [{f.severity}] {f.subject}: {f.evidence}" for f in failed]
    return await send_alerts(
        config,
        f"botguard audit ({config.bot.name}): {len(failed)} check(s) failed",
        "\n".join(lines),
        kind=AlertKind.AUDIT,
    )


def _add_url(notifier: object, ref: str) -> bool:
    """Resolve one reference and add it; False (logged, value never shown) on failure."""
    from botguard.secrets.refs import resolve_secret

    try:
        url = resolve_secret(ref).reveal()
    except BotguardError as exc:
        logger.warning("alert URL %s: %s", ref, exc)
        return False
    if not notifier.add(url):  # type: ignore[attr-defined]
        logger.warning("alert URL %s is not an apprise URL apprise understands", ref)
        return False
    return True


def _import_apprise() -> Any:
    """apprise, imported lazily (0.3 s) and without its stdlib deprecation noise.

    Its e-mail plugin (loaded on the first `add`) imports `imghdr` (deprecated in
    3.11, gone in 3.13), which would otherwise print a DeprecationWarning into a
    kill switch's output.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise
    return apprise


def _notify_type(kind: AlertKind | str) -> Any:
    apprise = _import_apprise()
    if kind == AlertKind.AUDIT:
        return apprise.NotifyType.WARNING
    return apprise.NotifyType.FAILURE


def _journal(config: Config, kind: str, title: str, outcome: AlertResult) -> None:
    from botguard.journal import Journal

    detail = {"about": kind, "title": title, "sent": outcome.sent, "failed": outcome.failed}
    try:
        with Journal(config.state.dir) as journal:
            journal.add_event("alert", detail)
    except Exception:  # alerts must never break the caller
        logger.exception("could not journal an alert")
