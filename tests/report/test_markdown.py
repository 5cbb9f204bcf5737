"""Markdown renders the seed's checklist in the seed's own words, ticked per box."""

from __future__ import annotations

from botguard.audit.checklist import BOXES
from botguard.findings import Finding, Status
from botguard.report import markdown

from .conftest import finding

SEED_CHECKLIST = (
    "Trade-only API key with withdrawals disabled · IP whitelist on the key · secrets in "
    "env/vault, never in code or git · .env chmod 600 · dedicated VPS, non-root user · key-only "
    "SSH, firewall on · OS patched · 2FA on the account · withdrawal address whitelist · alerts "
    "on every login and withdrawal · a tested kill switch · logs that never print secrets"
)
"""Copied verbatim from the seed's "The full security checklist" (the seed is not in CI)."""


def _all_pass() -> list[Finding]:
    return [finding(i, Status.PASS) for box in BOXES for i in box.ids]


def test_boxes_are_the_seed_wording_in_the_seed_order() -> None:
    listed = [box.text for box in BOXES if not box.implied]
    assert " · ".join(listed) == SEED_CHECKLIST


def test_every_box_is_printed_in_seed_order() -> None:
    out = markdown.render(_all_pass())
    positions = [out.index(f"- [x] {box.text}") for box in BOXES if not box.implied]
    assert positions == sorted(positions)
    assert "- [x] (implied) clock in sync for signed requests" in out


def test_a_box_is_ticked_only_when_all_its_checks_pass() -> None:
    found = _all_pass()
    found[1] = finding("key.trading_enabled", Status.FAIL, evidence="trading off")
    out = markdown.render(found)
    assert "- [ ] Trade-only API key with withdrawals disabled" in out
    assert "- [x] IP whitelist on the key" in out
    assert "**fail** `key.trading_enabled` (host): trading off" in out
    assert "    - fix: fix it" in out


def test_evidence_cannot_break_the_list() -> None:
    bad = finding("host.non_root_user", Status.FAIL, evidence="line1\n- [x] fake <b>|")
    out = markdown.render([bad])
    assert "- [x] fake" not in out
    assert "\\<b\\>" in out


def test_filtered_boxes_are_left_out() -> None:
    out = markdown.render([finding("kill.configured", Status.PASS)])
    assert "- [x] a tested kill switch" in out
    assert "IP whitelist" not in out
