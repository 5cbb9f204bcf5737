"""Injected faults: `METHOD PATH:selector:kind,...`, deterministic under a seed.

Examples: `POST /fapi/v1/order:p=0.2:503` (one call in five, at random, gets a 503),
`DELETE /api/v3/openOrders:n=3:timeout` (the third call hangs, never processed),
`POST /fapi/v1/batchOrders:n=1:late` (the first batch is processed only after the
client gave up waiting for it: the answer is lost, the orders land late),
`GET /api/v3/openOrders:hollow` (HTTP 200 in the dialect's success envelope with no list
in it, as a degraded gateway or cache answers: it must never read as "no orders"). A rule
without a selector hits every call. METHOD and PATH may be `*`; PATH may end in `*`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from botguard.errors import UsageError

KINDS = (
    "500", "502", "503", "504", "maintenance", "timeout", "late", "reset", "partial", "reject",
    "hollow",
)  # fmt: skip
_HELP = "expected 'METHOD PATH:p=0.2:KIND' or 'METHOD PATH:n=3:KIND' with KIND one of " + ", ".join(
    KINDS
)


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One rule of a fault spec."""

    method: str
    path: str
    kind: str
    probability: float | None = None
    nth: int | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this rule watches."""
        if self.method not in ("*", method):
            return False
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return self.path == path


def parse_faults(spec: str | None) -> tuple[FaultRule, ...]:
    """Parse a fault spec; a bad rule is a UsageError naming it."""
    if not spec or not spec.strip():
        return ()
    return tuple(_parse_rule(rule.strip()) for rule in spec.split(",") if rule.strip())


def _parse_rule(rule: str) -> FaultRule:
    parts = rule.split(":")
    target, kind = parts[0].split(), parts[-1].strip().lower()
    if len(target) != 2 or len(parts) not in (2, 3) or kind not in KINDS:
        raise UsageError(f"--faults: bad rule {rule!r}: {_HELP}")
    method, path = target[0].upper(), target[1]
    if len(parts) == 2:
        return FaultRule(method, path, kind)
    name, _, value = parts[1].strip().partition("=")
    try:
        if name == "p" and 0 <= float(value) <= 1:
            return FaultRule(method, path, kind, probability=float(value))
        if name == "n" and int(value) >= 1:
            return FaultRule(method, path, kind, nth=int(value))
    except ValueError:
        pass
    raise UsageError(f"--faults: bad selector {parts[1]!r} in {rule!r}: {_HELP}")


class Faults:
    """Decides, call by call, which fault (if any) a request gets."""

    def __init__(self, rules: tuple[FaultRule, ...], seed: int) -> None:
        self.rules = rules
        self._counts = [0] * len(rules)
        self._rngs = [random.Random(f"{seed}:{i}") for i in range(len(rules))]  # noqa: S311

    def pick(self, method: str, path: str) -> str | None:
        """The fault kind for this call, or None; every matching rule counts the call."""
        chosen = None
        for i, rule in enumerate(self.rules):
            if not rule.matches(method, path):
                continue
            self._counts[i] += 1
            hit = (
                self._rngs[i].random() < rule.probability
                if rule.probability is not None
                else rule.nth is None or self._counts[i] == rule.nth
            )
            if hit and chosen is None:
                chosen = rule.kind
        return chosen
