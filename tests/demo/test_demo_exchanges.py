"""`botguard demo --exchange okx|bybit`: the same story on the sim's OKX and Bybit dialects."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.demo.workspace import new_credential
from botguard.process import is_running
from botguard.secrets.forms import encoded_forms
from botguard.secrets.secret import Secret

pytestmark = [pytest.mark.sim, pytest.mark.slow]


@pytest.mark.parametrize(("exchange", "credentials"), [("okx", 3), ("bybit", 2)])
def test_demo_on_okx_and_bybit_ends_verified_flat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    exchange: str, credentials: int,
) -> None:  # fmt: skip
    made: list[Secret] = []

    def recording(ref: str) -> Secret:
        made.append(new_credential(ref))
        return made[-1]

    monkeypatch.setattr("botguard.demo.story.new_credential", recording)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "120")

    rc = main(["demo", "--exchange", exchange])
    out, err = capsys.readouterr()

    assert rc == 0, err
    assert {"okx": "OKX v5", "bybit": "Bybit v5"}[exchange] in out
    assert re.search(r"(fail|manual) +│ key\.withdrawals_disabled", out)
    assert "botguard kill: flat" in out
    assert re.search(r"cancel +│ 19 orders \(1 stop\)", out)
    assert re.search(r"positions +│ 0 ", out)
    assert "demo complete" in out
    assert len(made) == credentials  # OKX: key, secret and passphrase
    for secret in made:
        for form in encoded_forms(secret.reveal()):
            assert form not in out
            assert form not in err
    match = re.search(r"bot pid (\d+) opened its book", out)
    assert match
    assert not is_running(int(match.group(1)))
    assert list(tmp_path.glob("botguard-demo-*")) == []


def test_demo_on_an_exchange_it_does_not_speak_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc = main(["demo", "--exchange", "kraken"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "--exchange kraken" in err
    assert "Traceback" not in err
