"""Root behaviour: --version, and Ctrl-C gives one line and exit 130 (typer swallows it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from botguard.cli import main
from botguard.cli.app import app


@pytest.fixture
def interrupted_command() -> Iterator[None]:
    @app.command("interrupted-for-test", hidden=True)
    def interrupted() -> int:
        raise KeyboardInterrupt

    yield
    app.registered_commands.pop()


@pytest.mark.usefixtures("interrupted_command")
def test_ctrl_c_says_interrupted_and_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["interrupted-for-test"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "botguard: error: interrupted"


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from botguard import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"botguard {__version__}\n"
