"""The redactor: registered values in every encoding, and auth artefacts whatever their value."""

from __future__ import annotations

import base64
import json
import logging
import string
import sys
import warnings
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from botguard.secrets.forms import encoded_forms
from botguard.secrets.logging import format_exception
from botguard.secrets.redact import MASK, Redactor, get_redactor, redact

SECRET = "Zq8!rT/u+Vw=9xY&z k%"  # characters that every encoding changes


@pytest.fixture(scope="module", autouse=True)
def _registered() -> None:
    get_redactor().register(SECRET)


def b64_around(value: str, before: bytes) -> str:
    return base64.b64encode(before + value.encode() + b"tail").decode()


@pytest.mark.parametrize(
    "leaked",
    [
        SECRET,
        quote(SECRET, safe=""),
        quote(SECRET),
        quote_plus(SECRET),
        b64_around(SECRET, b""),
        b64_around(SECRET, b"a"),
        b64_around(SECRET, b"ab"),
        base64.urlsafe_b64encode(b"x" + SECRET.encode()).decode(),
        SECRET.encode().hex(),
        SECRET.encode().hex().upper(),
        json.dumps(SECRET)[1:-1],
        json.dumps({"k": SECRET}),
    ],
)
def test_each_encoded_form_is_masked(leaked: str) -> None:
    out = redact(f"before {leaked} after")
    assert MASK in out
    for form in encoded_forms(SECRET):
        assert form not in out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("GET https://api.binance.com/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=9f86d08",
         "symbol=BTCUSDT&timestamp=1&signature=[REDACTED]"),
        ("RequestHeaders: {'X-MBX-APIKEY': 'vmPUZE6mv9SD5VNH', 'Content-Type': 'x'}",
         "'X-MBX-APIKEY': '[REDACTED]', 'Content-Type': 'x'"),
        ("{'OK-ACCESS-KEY': 'k1', 'OK-ACCESS-SIGN': 's1', 'OK-ACCESS-PASSPHRASE': 'p1'}",
         "{'OK-ACCESS-KEY': '[REDACTED]', 'OK-ACCESS-SIGN': '[REDACTED]', "
         "'OK-ACCESS-PASSPHRASE': '[REDACTED]'}"),
        ('{"X-BAPI-API-KEY": "k2", "X-BAPI-SIGN": "s2"}',
         '{"X-BAPI-API-KEY": "[REDACTED]", "X-BAPI-SIGN": "[REDACTED]"}'),
        ("{'KC-API-KEY': 'k3', 'KC-API-SIGN': 's3', 'KC-API-PASSPHRASE': 'p3'}",
         "{'KC-API-KEY': '[REDACTED]', 'KC-API-SIGN': '[REDACTED]', "
         "'KC-API-PASSPHRASE': '[REDACTED]'}"),
        ("{'ACCESS-KEY': 'k4', 'ACCESS-SIGN': 's4', 'ACCESS-PASSPHRASE': 'p4'}",
         "{'ACCESS-KEY': '[REDACTED]', 'ACCESS-SIGN': '[REDACTED]', "
         "'ACCESS-PASSPHRASE': '[REDACTED]'}"),
        ("{'API-Key': 'k5', 'API-Sign': 's5'}",
         "{'API-Key': '[REDACTED]', 'API-Sign': '[REDACTED]'}"),
        ("x-mbx-apikey: k6\r\nHost: a", "x-mbx-apikey: [REDACTED]\r\nHost: a"),
        ("{'Authorization': 'Bearer eyJ.abc'}", "{'Authorization': '[REDACTED]'}"),
        ("Authorization: Bearer eyJ.abc\nnext", "Authorization: [REDACTED]\nnext"),
        ("token Bearer eyJ.abc end", "token Bearer [REDACTED] end"),
        ("design=1&sign=abc", "design=1&sign=[REDACTED]"),
    ],
)  # fmt: skip
def test_auth_artefacts_masked_whatever_their_value(text: str, kept: str) -> None:
    assert kept in redact(text)


def test_redaction_is_stable() -> None:
    once = redact("{'X-MBX-APIKEY': 'abc'} signature=x " + SECRET)
    assert redact(once) == once


def test_short_values_are_not_registered() -> None:
    redactor = Redactor()
    redactor.register("abc")
    assert redactor.count == 0
    assert redactor.redact("abc") == "abc"


# --- property tests -----------------------------------------------------------------

secrets_st = st.text(
    alphabet=string.ascii_letters + string.digits + "+/=_-.!~%&", min_size=8, max_size=40
)
noise = st.text(max_size=30)
ENCODERS = {
    "raw": lambda v: v,
    "url": lambda v: quote(v, safe=""),
    "url_plus": quote_plus,
    "b64_0": lambda v: base64.b64encode(v.encode()).decode(),
    "b64_1": lambda v: base64.b64encode(b"a" + v.encode()).decode(),
    "b64_2": lambda v: base64.b64encode(b"ab" + v.encode()).decode(),
    "hex": lambda v: v.encode().hex(),
    "HEX": lambda v: v.encode().hex().upper(),
    "json": lambda v: json.dumps(v)[1:-1],
}


def _core(encoding: str, value: str) -> str:
    """The part of an encoded value that must never survive (edge b64 chars mix noise)."""
    forms = encoded_forms(value)
    return (
        {"b64_0": forms[4], "b64_1": forms[6], "b64_2": forms[8]}.get(
            encoding, ENCODERS[encoding](value)
        )
        if encoding.startswith("b64")
        else ENCODERS[encoding](value)
    )


@settings(max_examples=150, deadline=None)
@given(secret=secrets_st, before=noise, after=noise, encoding=st.sampled_from(sorted(ENCODERS)))
def test_property_registered_secret_never_survives(
    secret: str, before: str, after: str, encoding: str
) -> None:
    redactor = Redactor()
    redactor.register(secret)
    encoded = ENCODERS[encoding](secret)
    out = redactor.redact(before + encoded + after)
    assert secret not in out
    assert encoded not in out


@settings(max_examples=100, deadline=None)
@given(secret=secrets_st, before=noise, after=noise, cut=st.integers(1, 7), split=st.booleans())
def test_property_log_record_with_split_args(
    secret: str, before: str, after: str, cut: int, split: bool
) -> None:
    """Through the log record path: a secret split across %-format args is still masked."""
    get_redactor().register(secret)
    record = logging.getLogRecordFactory()(
        "t", logging.INFO, __file__, 1,
        "%s%s%s%s" if split else "%s%s%s",
        (before, secret[:cut], secret[cut:], after) if split else (before, secret, after),
        None,
    )  # fmt: skip
    handler = logging.StreamHandler()
    assert secret not in record.getMessage()
    assert secret not in handler.format(record)


# --- hooks ----------------------------------------------------------------------------


def test_log_records_of_any_handler_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("botguard.test.redact")
    with caplog.at_level(logging.INFO):
        logger.info("key=%s%s url=%s", SECRET[:5], SECRET[5:], "https://x/?signature=abc")
        try:
            raise ValueError(f"boom {SECRET}")
        except ValueError:
            logger.exception("failed with %s", quote_plus(SECRET))
    assert SECRET not in caplog.text
    assert quote_plus(SECRET) not in caplog.text
    assert "signature=[REDACTED]" in caplog.text
    assert "boom [REDACTED]" in caplog.text
    assert all(SECRET not in r.getMessage() for r in caplog.records)


SCRIPT = """
import threading, warnings
from botguard import install_redaction
from botguard.secrets.redact import get_redactor
install_redaction()
get_redactor().register("PLANTED-secret-42")
def crash():
    raise RuntimeError("GET /api?signature=deadbeef key PLANTED-secret-42")
warnings.warn("warned PLANTED-secret-42")
t = threading.Thread(target=crash, name="worker")
t.start(); t.join()
crash()
"""


def test_excepthook_thread_hook_and_warnings_in_a_real_process() -> None:
    """A fresh interpreter after install_redaction(): uncaught errors in the main
    thread and a worker thread, and a warning, reach stderr redacted."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 1
    assert proc.stderr.count("RuntimeError: GET /api?signature=[REDACTED] key [REDACTED]") == 2
    assert "Exception in thread worker" in proc.stderr
    assert "warned [REDACTED]" in proc.stderr
    assert "PLANTED-secret-42" not in proc.stderr
    assert "deadbeef" not in proc.stderr


def test_chained_exception_text_is_redacted() -> None:
    try:
        try:
            raise OSError(f"connect https://h/?a=1&signature=cafe {SECRET}")
        except OSError as inner:
            raise RuntimeError("outer") from inner
    except RuntimeError as exc:
        text = format_exception(type(exc), exc, exc.__traceback__)
    assert "outer" in text
    assert "cafe" not in text
    assert SECRET not in text


def test_warnings_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = sys.modules["botguard.secrets.logging"]._showwarning
        warnings.warn(f"leaky {SECRET}", UserWarning, stacklevel=1)
    err = capsys.readouterr().err
    assert "leaky [REDACTED]" in err
    assert SECRET not in err


def test_console_output_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.table import Table

    from botguard.secrets.console import make_console

    table = Table("k", "v")
    table.add_row("secret", SECRET)
    make_console().print(table)
    make_console(stderr=True).print(f"err {SECRET.encode().hex()}")
    out, err = capsys.readouterr()
    assert "[REDACTED]" in out
    assert SECRET not in out
    assert "err [REDACTED]" in err
