"""Property tests for the encoders and the exact matcher; table tests for the patterns."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.scan.encodings import base64_forms, encoded_forms
from botguard.scan.exact import ExactMatcher
from botguard.scan.model import fingerprint, mask
from botguard.scan.rules import find_patterns
from botguard.secrets.secret import Secret

values = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="\\"),
    min_size=8,
    max_size=64,
)
noise = st.binary(max_size=40)


def matcher_for(value: str, min_prefix: int = 12) -> ExactMatcher:
    return ExactMatcher([Secret("env:X", value, register=False)], min_prefix=min_prefix)


@given(value=values, before=noise, after=noise)
def test_base64_of_the_value_at_any_offset_is_found(
    value: str, before: bytes, after: bytes
) -> None:
    blob = base64.b64encode(before + value.encode() + after)
    assert any(form in blob for form in base64_forms(value.encode()))
    assert "base64" in {h.encoding for h in matcher_for(value).find(b"auth: " + blob)}


@given(value=values, before=st.text(max_size=20), after=st.text(max_size=20))
def test_every_encoding_is_found_inside_other_text(value: str, before: str, after: str) -> None:
    m = matcher_for(value)
    for text, form in [
        (quote(value, safe=""), "url"),
        (json.dumps(value)[1:-1], "json"),
        (value.encode().hex(), "hex"),
        (value, "raw"),
    ]:
        hits = m.find(f"{before}{text}{after}".encode())
        # When an encoding leaves the value unchanged it is reported as raw.
        assert {h.encoding for h in hits} & {form, "raw"}, form


@given(value=st.text(alphabet="abcdefghijkLMNOP0123456789", min_size=13, max_size=40))
def test_prefix_is_found_only_when_the_whole_value_is_not(value: str) -> None:
    m = matcher_for(value, min_prefix=12)
    assert [h.encoding for h in m.find(b"x " + value[:12].encode() + b"...")] == ["prefix"]
    assert "prefix" not in {h.encoding for h in m.find(value.encode())}


@given(value=values, cut=st.integers(min_value=1, max_value=63), indent=st.sampled_from(["", "  "]))
def test_value_wrapped_across_two_lines_is_found(value: str, cut: int, indent: str) -> None:
    cut = min(cut, len(value) - 1)
    first, second = f"log {value[:cut]}".encode(), f"{indent}{value[cut:]} end".encode()
    assert matcher_for(value).find_wrapped(first, second) == ["env:X"]


@given(value=values)
def test_mask_shows_at_most_four_characters_and_never_most_of_the_value(value: str) -> None:
    shown = mask(value.encode()).removesuffix("…")
    assert len(shown) <= min(4, len(value) // 4)


@given(value=values)
def test_encoded_forms_are_distinct_and_start_with_raw(value: str) -> None:
    forms = encoded_forms(value)
    assert forms[0].encoding == "raw"
    assert len({f.data for f in forms}) == len(forms)


def test_fingerprint_is_stable_and_depends_on_place_and_value() -> None:
    a = fingerprint(".env", "env:X", b"value-1")
    assert a == fingerprint(".env", "env:X", b"value-1")
    assert a != fingerprint(".env.bak", "env:X", b"value-1")
    assert a != fingerprint(".env", "env:X", b"value-2")


KEY64 = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hIj3kLm6nOp9qRs2tUv5wXy8z"
UUID = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
ETH = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
OKX = (
    f"okx = ccxt.okx({{\n  'apiKey': '{UUID}',\n  'secret': '9F8E7D6C5B4A39281706F5E4D3C2B1A0',"
    "\n  'password': 'Tr4d1ngPhr4se',\n})\n"
)
EC_PEM = (
    '"privateKey": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIGx8nC3b7Rk2Q5sT1uV4wX6yZ0aB2cD'
    '4eF6gH8iJ0kL\\n-----END EC PRIVATE KEY-----\\n"'
)
SSH_PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAA\n"
PUBLIC_PEM = (
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8xOUetsCa8EfOlDEBAfR\n"
)
KRAKEN = base64.b64encode(bytes(range(7, 71))).decode()


@pytest.mark.parametrize(
    ("text", "rule", "confidence"),
    [
        (f"BINANCE_API_KEY={KEY64}\n", "binance.api_key", "high"),
        (f"api_secret = '{KEY64}'\n", "binance.secret", "medium"),
        (f"ex = ccxt.binance({{'apiKey': '{KEY64}'}})\n", "binance.api_key", "high"),
        (f"KRAKEN_PRIVATE_KEY={KRAKEN}\n", "kraken.secret", "high"),
        (f"name: organizations/{UUID}/apiKeys/{UUID}\n", "coinbase.api_key_name", "high"),
        (EC_PEM, "coinbase.ec_private_key", "high"),
        (SSH_PEM, "pem.private_key", "high"),
        (OKX, "okx.passphrase", "high"),
        ("TELEGRAM=123456789:AAHd8fR2kLmN3pQ7sT9vW1xY5zB0cD4eF6g\n", "telegram.bot_token", "high"),
        ("GEMINI_KEY=account-Ab12Cd34Ef56Gh78Ij90\n", "gemini.api_key", "high"),
        (f"PRIVATE_KEY = '0x{ETH}'\n", "wallet.private_key", "high"),
    ],
)
def test_pattern_rules_fire(text: str, rule: str, confidence: str) -> None:
    hits = {(h.rule, h.confidence) for h in find_patterns(text.encode())}
    assert (rule, confidence) in hits


@pytest.mark.parametrize(
    "text",
    [
        "API_KEY=your_api_key_here\n",
        "secret = os.environ['EX_API_SECRET']\n",
        "secretBytes = self.base64_to_binary(self.secret)\n",
        f'"listenKey": "{KEY64}"\n',
        '"next_page_token": "QlRDL1VTRHxNfDIwMjItMDctMjFUMDU6MDE6MDAuMDAwMDAwMDAwWg=="\n',
        "toL2Key = self.safe_string_2(params, 'toL2Key', 'receiverPublicKey')\n",
        "x_private_post_delegate_orderly_key = Entry('delegate_orderly_key')\n",
        "api_key = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n",
        PUBLIC_PEM,
        "password = 'hunter22'\n",
    ],
)
def test_non_credentials_do_not_fire(text: str) -> None:
    assert [h.rule for h in find_patterns(text.encode()) if h.confidence != "low"] == []
