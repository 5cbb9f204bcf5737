"""systemd-analyze security output, read once for the audit and for harden."""

from __future__ import annotations

from botguard.sandbox import MAX_EXPOSURE, UnitExposure, parse_security

OUTPUT = """\
  NAME                       DESCRIPTION                                 EXPOSURE
✗ PrivateNetwork=            Service has access to the host's network         0.5
✓ NoNewPrivileges=           Service processes cannot acquire new privileges
✗ RestrictAddressFamilies=~… Service may allocate exotic sockets              0.3
✗ IPAddressDeny=             Service does not define an IP address allow list 0.2
✗ DeviceAllow=               Service has a device ACL with some special devices 0.1

→ Overall exposure level for bot.service: 1.1 OK 🙂
"""


def test_the_overall_score_and_the_three_costliest_settings() -> None:
    exposure = parse_security(OUTPUT)
    assert exposure == UnitExposure(
        1.1, "OK", ("PrivateNetwork=", "RestrictAddressFamilies=~…", "IPAddressDeny=")
    )
    assert exposure.acceptable
    assert exposure.describe() == f"exposure 1.1 OK (limit {MAX_EXPOSURE})"


def test_above_the_limit_is_not_acceptable_and_no_score_is_none() -> None:
    assert not UnitExposure(MAX_EXPOSURE + 0.1, "MEDIUM").acceptable
    assert UnitExposure(MAX_EXPOSURE, "OK").acceptable
    assert parse_security("Failed to parse unit") is None
