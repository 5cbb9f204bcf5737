"""Shared fixtures. The canary guard is autouse: no test may leak a canary secret.

Every test gets the canary env vars; afterwards its captured stdout, stderr and
log (and whatever it read through capsys/capfd), its caplog records and the files
under its tmp_path are searched for each canary in raw, URL, base64, hex and
JSON-escaped form. The machinery is botguard.testing.canary.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from botguard.secrets.logging import install_redaction
from botguard.testing import canary

install_redaction()
canary.register_canaries()
canary.record_capture_reads()

# `make test` runs the suite in xdist workers under coverage, on CI's loaded 2-core box:
# an example can take many times its usual time there. Hypothesis's 200 ms deadline and
# its too-slow health check would then fail property tests for load alone; what the
# tests assert (a parser's answer for each input) does not depend on time.
settings.register_profile("botguard", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("botguard")

PLANTS = "plants_canaries"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{PLANTS}: the test writes canaries into files under tmp_path on purpose "
        "(a leak scanner's fixture); the guard skips those files, still checks output",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The leak scanner's tests plant canaries in fixture trees by design."""
    for item in items:
        if "scan" in item.path.relative_to(item.config.rootpath).parts[:2]:
            item.add_marker(PLANTS)


@pytest.fixture(autouse=True)
def canary_guard(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[None]:
    """Set the canary env vars; fail if a canary reached caplog, capsys or tmp_path files."""
    for name, value in canary.CANARIES.items():
        monkeypatch.setenv(name, value)
    scan_files = "tmp_path" in request.fixturenames and not request.node.get_closest_marker(PLANTS)
    tmp = request.getfixturevalue("tmp_path") if scan_files else None
    yield
    hits = canary.report_hits(canary.capture_reads(request.node))
    hits += canary.report_hits([("log record", r.getMessage()) for r in caplog.records])
    hits += canary.scan_tree(tmp) if tmp is not None else []
    if hits:
        pytest.fail(canary.describe(hits), pytrace=False)


@pytest.fixture(autouse=True)
def private_runtime_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's own $XDG_RUNTIME_DIR. `run` makes credentials dirs there, and every kill
    removes the unlocked ones it finds there; unset, that is the machine's shared /dev/shm,
    where tests in other xdist workers (and other checkouts' suites) make theirs."""
    runtime = tmp_path_factory.mktemp("runtime")
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))


@pytest.fixture(autouse=True)
def no_terminal_size_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output widths as in a pipe with no $COLUMNS, in every process the suite runs in:
    xdist workers start with COLUMNS=80 and LINES=24 in their environment (the serial
    run has neither), and botguard's output honours $COLUMNS, so tables narrowed and
    wrapped text the tests look for. A test that wants a width sets it itself."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, Any, None]:
    """Turn a passing test into a failure if its captured output holds a canary."""
    report = (yield).get_result()
    hits = canary.report_hits(report.sections) if report.when == "call" and report.passed else []
    if hits:
        report.outcome = "failed"
        report.longrepr = canary.describe(hits)


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A 127.0.0.1 apprise `json://` endpoint recording every body it receives.

    Alerts are tested through real apprise over HTTP, not a mock of apprise.
    """
    from aiohttp import web

    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(json.loads(await request.text()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"json://127.0.0.1:{runner.addresses[0][1]}/hook", received
    await runner.cleanup()
