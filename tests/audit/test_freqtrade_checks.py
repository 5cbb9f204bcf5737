"""freqtrade's config files: the API server and keys in them (issue 14, item 2).

Real files in a temp dir, read through a real botguard.toml; the checks run as the
audit runs them. freqtrade itself is not installed here (its own sample values are
the fixtures: `somethingrandom`, `SuperSecurePassword`, 0.0.0.0 in docker samples).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botguard.audit.checks.freqtrade import (
    framework_api,
    not_in_framework_config,
    strip_jsonc,
)
from botguard.audit.model import Context
from botguard.config import ConfigError, load_config
from botguard.findings import Status

STRONG = "k3Jx9-vT2qLz8wRmN4pY7sH1cF6gB0dE"
GOOD_API = {
    "enabled": True,
    "listen_ip_address": "127.0.0.1",
    "listen_port": 8080,
    "username": "me",
    "password": STRONG,
    "jwt_secret_key": STRONG + "jwt",
    "ws_token": STRONG + "ws",
    "CORS_origins": [],
}


def setup(tmp_path: Path, *files: dict[str, Any] | str, framework: bool = True) -> Context:
    names = []
    for i, body in enumerate(files):
        path = tmp_path / f"config{i}.json"
        path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
        names.append(f'"{path.name}"')
    bot = f'framework = "freqtrade"\nframework_config = [{", ".join(names)}]' if framework else ""
    toml = tmp_path / "botguard.toml"
    toml.write_text(f'[bot]\nname = "ft"\n{bot}\n[state]\ndir = "state"\n', encoding="utf-8")
    return Context(config=load_config(toml))


async def run_both(ctx: Context) -> tuple[Any, Any]:
    return await framework_api.fn(ctx), await not_in_framework_config.fn(ctx)


async def test_a_clean_freqtrade_config_passes(tmp_path: Path) -> None:
    ctx = setup(tmp_path, {"exchange": {"name": "binance", "key": "", "secret": ""},
                           "api_server": GOOD_API})  # fmt: skip
    api, keys = await run_both(ctx)
    assert (api.status, keys.status) == (Status.PASS, Status.PASS)


async def test_the_docker_sample_api_server_fails_on_every_count(tmp_path: Path) -> None:
    api_server = {"enabled": True, "listen_ip_address": "0.0.0.0", "password": "",  # noqa: S104
                  "jwt_secret_key": "somethingrandom", "ws_token": "short",
                  "CORS_origins": ["*"]}  # fmt: skip
    api = await framework_api.fn(setup(tmp_path, {"api_server": api_server}))
    assert api.status is Status.FAIL
    for words in ("0.0.0.0, beyond loopback", "password is empty",
                  "jwt_secret_key is a value from freqtrade's sample", "ws_token is shorter",
                  'CORS_origins allows every origin ("*")'):  # fmt: skip
        assert words in api.evidence
    assert "somethingrandom" not in api.evidence  # a secret's value is never shown


async def test_a_missing_jwt_secret_is_freqtrades_public_fallback(tmp_path: Path) -> None:
    api_server = {k: v for k, v in GOOD_API.items() if k != "jwt_secret_key"}
    api = await framework_api.fn(setup(tmp_path, {"api_server": api_server}))
    assert api.status is Status.FAIL
    assert "jwt_secret_key is a value from freqtrade's sample configs" in api.evidence


async def test_a_disabled_api_server_passes(tmp_path: Path) -> None:
    api = await framework_api.fn(setup(tmp_path, {"api_server": {"enabled": False}}))
    assert (api.status, api.evidence) == (Status.PASS, "API server disabled")


async def test_keys_in_config_json_fail_by_name_never_by_value(tmp_path: Path) -> None:
    key, secret = "fake-binance-key-7f3a9c", "fake-binance-secret-2b8e41"  # not canaries:
    # the canary guard forbids them in any file, and this file is the point of the test
    ctx = setup(
        tmp_path,
        {"exchange": {"name": "binance", "key": "", "secret": ""}},
        # the private file of `-c config.json -c config-private.json`, with comments
        '{\n  // keys\n  "exchange": {"key": "KEY", "secret": "SECRET",},\n'
        '  "telegram": {"token": "123:abc", "chat_id": "1"}, /* tg */\n}'.replace(
            "KEY", key
        ).replace("SECRET", secret),
    )
    keys = await not_in_framework_config.fn(ctx)
    assert keys.status is Status.FAIL
    assert keys.evidence == "set in the file(s): exchange.key, exchange.secret, telegram.token"
    assert "FREQTRADE__EXCHANGE__KEY" in not_in_framework_config.remedy
    assert ".env" not in not_in_framework_config.remedy  # freqtrade does not read one
    assert key not in keys.evidence + keys.subject


@pytest.mark.parametrize("where", ["ccxt_config", "ccxt_async_config", "ccxt_sync_config"])
async def test_verbose_ccxt_fails_because_it_logs_the_key_in_request_headers(
    tmp_path: Path, where: str
) -> None:
    ctx = setup(tmp_path, {"exchange": {"name": "binance", where: {"verbose": True}}})
    keys = await not_in_framework_config.fn(ctx)
    assert keys.status is Status.FAIL
    assert f"exchange.{where}.verbose is true" in keys.evidence
    quiet = setup(tmp_path, {"exchange": {"name": "binance", where: {"verbose": False}}})
    assert (await not_in_framework_config.fn(quiet)).status is Status.PASS


async def test_a_later_file_overrides_an_earlier_one_as_in_freqtrade(tmp_path: Path) -> None:
    ctx = setup(tmp_path, {"api_server": {**GOOD_API, "listen_ip_address": "0.0.0.0"}},  # noqa: S104
                {"api_server": {"listen_ip_address": "127.0.0.1"}})  # fmt: skip
    assert (await framework_api.fn(ctx)).status is Status.PASS


async def test_no_framework_skips(tmp_path: Path) -> None:
    api, keys = await run_both(setup(tmp_path, {"api_server": GOOD_API}, framework=False))
    assert (api.status, keys.status) == (Status.SKIP, Status.SKIP)


async def test_a_broken_file_is_an_error_naming_it(tmp_path: Path) -> None:
    api = await framework_api.fn(setup(tmp_path, '{"api_server": '))
    assert api.status is Status.ERROR
    assert "config0.json is not valid JSON" in api.evidence


def test_framework_config_without_framework_is_a_config_error(tmp_path: Path) -> None:
    toml = tmp_path / "botguard.toml"
    toml.write_text('[bot]\nname = "ft"\nframework_config = ["c.json"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match='add framework = "freqtrade"'):
        load_config(toml)
    toml.write_text('[bot]\nname = "ft"\nframework = "hummingbot"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bot\.framework"):
        load_config(toml)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=12,
)


@given(value=JSON)
def test_strip_jsonc_keeps_plain_json_as_it_is(value: Any) -> None:
    text = json.dumps(value)
    assert json.loads(strip_jsonc(text)) == value


@given(value=st.dictionaries(st.text(max_size=6), st.text(max_size=12), min_size=1, max_size=4))
def test_strip_jsonc_drops_comments_and_trailing_commas(value: dict[str, str]) -> None:
    body = "".join(f"  {json.dumps(k)}: {json.dumps(v)}, // a note //x\n" for k, v in value.items())
    text = "/* head */ {\n" + body + "}"
    assert json.loads(strip_jsonc(text)) == value
