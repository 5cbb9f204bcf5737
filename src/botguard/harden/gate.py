"""The pre-flight gate behind `botguard run`: halt flag first, then the audit.

The bot may start only when the halt flag is down and no audit finding FAILs
or ERRORs, unless its id was allowed with --allow. An ERROR counts: a check
that could not run (the exchange timed out while reading the key's
permissions) has not shown the key is safe, and a gate fails closed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from botguard.config import Config
from botguard.errors import BotguardError, UsageError
from botguard.findings import Finding, Status
from botguard.halt import halt_flag_path, read_halt

_ID_RE = re.compile(r"^[a-z]+\.[a-z_]+$")
BLOCKING = frozenset({Status.FAIL, Status.ERROR})


class AuditResult(Protocol):
    """The part of botguard.audit's AuditReport the gate reads."""

    @property
    def findings(self) -> Iterable[Finding]: ...


AuditFn = Callable[[Config, Path], Awaitable[AuditResult]]
"""(config, root) -> report; the real one is botguard.audit.run_audit."""


@dataclass(frozen=True, slots=True)
class GateResult:
    """Why the bot may or may not start."""

    halted: str | None = None
    """The halt flag's reason, when it is raised (or unreadable)."""
    blocking: list[Finding] = field(default_factory=list)
    allowed: list[Finding] = field(default_factory=list)
    """Failures let through by --allow; shown so nobody forgets them."""
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when the bot may start."""
        return self.halted is None and not self.blocking


def check_allow_ids(allow: Iterable[str]) -> frozenset[str]:
    """Validate --allow ids (`category.name`), so a typo cannot let a failure through."""
    ids = frozenset(allow)
    bad = sorted(i for i in ids if not _ID_RE.match(i))
    if bad:
        raise UsageError(
            f"--allow {bad[0]!r} is not a check id; use an id from `botguard audit`, "
            "e.g. --allow host.firewall_default_deny"
        )
    return ids


def halt_reason(state_dir: Path) -> str | None:
    """The halt flag's reason, or None; a flag that cannot be read counts as raised."""
    try:
        info = read_halt(state_dir)
    except OSError as exc:
        return f"cannot read {halt_flag_path(state_dir)} ({exc.strerror}); the gate fails closed"
    if info is None:
        return None
    who = f"by {info.get('by', '?')} at {info.get('at', '?')}"
    return f"{info.get('reason', 'no reason given')} ({who}; flag file {halt_flag_path(state_dir)})"


async def _real_audit(config: Config, root: Path) -> AuditResult:
    try:
        from botguard.audit import run_audit  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        raise BotguardError(
            "this botguard has no audit engine (botguard.audit.run_audit), so the gate "
            "cannot clear the bot; it fails closed"
        ) from None

    report: AuditResult = await run_audit(config, root=root, only=(), skip=())
    return report


async def evaluate_gate(
    config: Config,
    *,
    allow: frozenset[str],
    root: Path = Path("/"),
    audit: AuditFn | None = None,
) -> GateResult:
    """Halt flag, then the audit; the audit is skipped when halted (it would not matter)."""
    halted = halt_reason(config.state.dir)
    if halted is not None:
        return GateResult(halted=halted)
    report = await (audit or _real_audit)(config, root)
    findings = list(report.findings)
    bad = [f for f in findings if f.status in BLOCKING]
    return GateResult(
        blocking=[f for f in bad if f.id not in allow],
        allowed=[f for f in bad if f.id in allow],
        findings=findings,
    )
