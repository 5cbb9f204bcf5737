"""ccxt's own verbose output, debug logs and errors carry no credential once redacted.

Unmodified ccxt binance (async) talks over real HTTP to a local aiohttp server that
answers every request with HTTP 500, so ccxt raises an error whose message carries
the signed URL. The apiKey and secret are the suite's canaries.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from botguard.testing.canary import CANARIES, find_canaries
from botguard.venues.redaction import redact_exchange, redacted_error

API_KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]


@pytest.fixture
async def failing_exchange() -> AsyncIterator[str]:
    seen: list[str] = []

    async def fail(request: web.Request) -> web.Response:
        seen.append(request.path_qs)
        return web.Response(status=500, text="<html>Internal Server Error</html>")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fail)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _binance(base: str) -> Any:
    import ccxt.async_support as ccxt_async

    from botguard.venues.connect import rebase_urls

    ex = ccxt_async.binance({"apiKey": API_KEY, "secret": SECRET, "verbose": True})
    ex.urls["api"] = rebase_urls(ex.urls["api"], base)
    return redact_exchange(ex)


async def test_verbose_logs_and_signed_url_error_are_redacted(
    failing_exchange: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    ex = await _binance(failing_exchange)
    caplog.set_level(logging.DEBUG, logger="ccxt")
    try:
        with pytest.raises(Exception) as info:  # noqa: PT011 (any ccxt error class)
            await ex.private_get_account()
    finally:
        await ex.close()
    exc = info.value
    assert "signature=" in str(exc)  # ccxt did put the signed URL in its message
    formatted = redacted_error(exc)
    logging.getLogger("bot").error("order failed: %s", exc, exc_info=exc)
    out = capsys.readouterr().out
    tb = "".join(traceback.format_exception(exc))
    from botguard.secrets.redact import redact

    assert "fetch Request:" in out
    assert "X-MBX-APIKEY" in out
    assert "signature=[REDACTED]" in formatted
    assert "signature=[REDACTED]" in out
    assert "signature=[REDACTED]" in caplog.text
    for channel, text in [
        ("verbose", out),
        ("logs", caplog.text),
        ("error", formatted),
        ("traceback", redact(tb)),
    ]:
        assert find_canaries(text, channel) == []
        assert "signature=" not in text.replace("signature=[REDACTED]", "")
