"""open_exchange: every ccxt instance botguard makes keeps credentials out of its errors.

Unmodified ccxt binance (async), made by `open_exchange` from a config whose secrets
are the suite's canaries, talks over real HTTP to a local aiohttp server that answers
every request with HTTP 500, so ccxt raises an error built from the signed URL.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from botguard.config import AccountConfig, parse_config
from botguard.errors import ConfigError
from botguard.testing.canary import find_canaries
from botguard.venues.connect import exchange_class, open_exchange


@pytest.fixture
async def failing_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A server that answers 500 to all but the server time; yields its URL and the paths."""
    seen: list[str] = []

    async def fail(request: web.Request) -> web.Response:
        seen.append(request.path_qs)
        if request.path == "/api/v3/time":
            return web.json_response({"serverTime": 1700000000123})
        return web.Response(status=500, text="<html>Internal Server Error</html>")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fail)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


def account_for(url: str, tmp_path: Path) -> AccountConfig:
    raw = {
        "bot": {"name": "gridbot"},
        "account": [
            {
                "name": "main",
                "exchange": "binance",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": "env:BOTGUARD_CANARY_SECRET",
                "base_url": url,
            }
        ],
    }
    return parse_config(raw, path=tmp_path / "botguard.toml").account[0]


async def test_signed_url_error_names_no_signature_or_secret(
    failing_server: tuple[str, list[str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, seen = failing_server
    caplog.set_level(logging.DEBUG, logger="ccxt")
    ex = open_exchange(account_for(url, tmp_path), verbose=True)
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 (any ccxt error class)
            await ex.private_get_account()
    finally:
        await ex.close()
    exc = info.value
    assert any("signature=" in path for path in seen)  # the request really was signed
    message = str(exc)
    assert "500" in message  # still says what went wrong
    assert "signature=[REDACTED]" in message
    assert exc.__cause__ is None
    verbose = capsys.readouterr().out
    assert "fetch Request:" in verbose  # verbose output went through the redactor
    for channel, text in [
        ("error", message),
        ("traceback", "".join(traceback.format_exception(exc))),
        ("verbose", verbose),
        ("logs", caplog.text),
    ]:
        assert find_canaries(text, channel) == []
        assert "signature=" not in text.replace("signature=[REDACTED]", ""), channel


async def test_calls_that_succeed_are_untouched(
    failing_server: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, seen = failing_server
    ex = open_exchange(account_for(url, tmp_path))
    try:
        assert await ex.fetch_time() == 1700000000123
    finally:
        await ex.close()
    assert seen == ["/api/v3/time"]


def test_exchange_class_is_the_async_one() -> None:
    cls = exchange_class("binance")
    assert cls.__module__ == "ccxt.async_support.binance"


@pytest.mark.parametrize("bad", ["nonesuch", "base", "BINANCE", ""])
def test_unknown_exchange_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="is not a ccxt exchange id"):
        exchange_class(bad)


async def test_exchanges_share_one_ssl_context_as_strict_as_ccxts(tmp_path: Path) -> None:
    """ccxt reads certifi's bundle into a new context per instance on its first request
    (25 ms of CPU each, on the audit's event loop); botguard's exchanges share one."""
    import ssl

    account = account_for("https://api.binance.com", tmp_path)
    first, second = open_exchange(account), open_exchange(account)
    try:
        assert first.ssl_context is second.ssl_context
        context = first.ssl_context
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode is ssl.CERT_REQUIRED
        assert context.check_hostname
        assert context.cert_store_stats()["x509_ca"] > 0  # the CA bundle ccxt names is loaded
        first.open()  # ccxt keeps the context it was given
        assert first.ssl_context is context
    finally:
        await first.close()
        await second.close()


async def test_an_exchange_not_verifying_keeps_ccxts_own_way(tmp_path: Path) -> None:
    account = account_for("https://api.binance.com", tmp_path)
    exchange = open_exchange(account, verify=False)
    try:
        assert exchange.ssl_context is None
    finally:
        await exchange.close()
