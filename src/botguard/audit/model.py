"""Check and Outcome: a check is one async function wrapped by a decorator.

The decorators return a Check and register nothing: the registry lists every
check explicitly, so the order of the report is the seed checklist's order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from botguard.clock import Clock, SystemClock
from botguard.config import AccountConfig, Config
from botguard.findings import Severity, Status


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one check saw about one subject."""

    status: Status
    evidence: str
    subject: str = "host"


@dataclass(frozen=True, slots=True)
class Context:
    """What every check may read: the config, the root of the host tree, the clock.

    `cache` is shared by every check of one audit (keyed by what it holds, e.g.
    the resolved secrets or an account's permissions), so work several checks
    need is done once.
    """

    config: Config
    root: Path = Path("/")
    account: AccountConfig | None = None
    cache: dict[str, object] = field(default_factory=dict)
    clock: Clock = field(default_factory=SystemClock)

    @property
    def live(self) -> bool:
        """True when auditing the running host rather than a fixture tree."""
        return self.root.resolve() == Path("/")


CheckFn = Callable[[Context], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class Check:
    """One box of the checklist: a stable id, its words, and the function."""

    id: str
    title: str
    severity: Severity
    remedy: str
    fn: CheckFn
    per_account: bool = False

    @property
    def category(self) -> str:
        """The id prefix: key, secrets, host, exchange or kill."""
        return self.id.split(".", 1)[0]


def _decorator(
    check_id: str, title: str, severity: Severity, remedy: str, *, per_account: bool
) -> Callable[[CheckFn], Check]:
    def wrap(fn: CheckFn) -> Check:
        return Check(check_id, title, severity, remedy, fn, per_account)

    return wrap


def host_check(
    check_id: str, title: str, severity: Severity, remedy: str
) -> Callable[[CheckFn], Check]:
    """A check run once per audit."""
    return _decorator(check_id, title, severity, remedy, per_account=False)


def account_check(
    check_id: str, title: str, severity: Severity, remedy: str
) -> Callable[[CheckFn], Check]:
    """A check run once per configured account (context.account is set)."""
    return _decorator(check_id, title, severity, remedy, per_account=True)
