"""secrets.env_permissions: mode 600 and the bot user as owner, on real files."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from botguard.audit import run_audit
from botguard.audit.checks.secret_files import secret_file
from botguard.config import Config, parse_config
from botguard.findings import Finding, Status

ME = pwd.getpwuid(os.getuid()).pw_name
OTHER = next(u.pw_name for u in pwd.getpwall() if u.pw_uid != os.getuid())


def _config(tmp_path: Path, secret_ref: str, user: str | None = ME) -> Config:
    bot: dict[str, Any] = {"name": "bot"} | ({"user": user} if user else {})
    raw = {
        "bot": bot,
        "state": {"dir": str(tmp_path / "state")},
        "account": [
            {
                "name": "main",
                "exchange": "binance",
                "api_key": "env:BOTGUARD_CANARY_API_KEY",
                "secret": secret_ref,
            }
        ],
    }
    return parse_config(raw, path=tmp_path / "botguard.toml")


async def _check(config: Config) -> Finding:
    report = await run_audit(config, root=Path("/nonexistent"), only=["secrets"])
    return next(f for f in report.findings if f.id == "secrets.env_permissions")


def _dotenv(folder: Path, mode: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".env"
    path.write_text("EX_API_SECRET=placeholder-value\n")
    path.chmod(mode)
    return path


async def test_dotenv_in_a_folder_with_hash_is_found(tmp_path: Path) -> None:
    """The bug: `dotenv:PATH#NAME` was cut at the first '#', so this file went unchecked."""
    env = _dotenv(tmp_path / "bots#1", 0o644)

    found = await _check(_config(tmp_path, f"dotenv:{env}#EX_API_SECRET"))

    assert found.status is Status.FAIL
    assert found.subject == str(env)
    assert "mode 644" in found.evidence


async def test_private_file_owned_by_the_bot_user_passes(tmp_path: Path) -> None:
    env = _dotenv(tmp_path / "bot", 0o600)

    found = await _check(_config(tmp_path, f"dotenv:{env}#EX_API_SECRET"))

    assert found.status is Status.PASS
    assert f"owned by {ME}" in found.evidence


async def test_file_owned_by_another_user_fails(tmp_path: Path) -> None:
    """Mode 600 is not enough: the owner (here the test's user) is not the bot user."""
    secret = tmp_path / "secret.txt"
    secret.write_text("placeholder-value\n")
    secret.chmod(0o600)

    found = await _check(_config(tmp_path, f"file:{secret}", user=OTHER))

    assert found.status is Status.FAIL
    assert found.evidence == f"{secret}: owned by {ME}"


async def test_unknown_bot_user_fails(tmp_path: Path) -> None:
    env = _dotenv(tmp_path / "bot", 0o600)

    found = await _check(_config(tmp_path, f"dotenv:{env}#X", user="no-such-bot-user"))

    assert found.status is Status.FAIL
    assert "does not exist" in found.evidence


async def test_without_a_bot_user_only_the_mode_is_judged(tmp_path: Path) -> None:
    env = _dotenv(tmp_path / "bot", 0o600)

    found = await _check(_config(tmp_path, f"dotenv:{env}#X", user=None))

    assert found.status is Status.PASS
    assert "owner not checked" in found.evidence


async def test_only_env_refs_is_skip(tmp_path: Path) -> None:
    found = await _check(_config(tmp_path, "env:BOTGUARD_CANARY_SECRET"))
    assert found.status is Status.SKIP


segment = st.text(
    alphabet=st.characters(codec="ascii", exclude_characters="/\0~", min_codepoint=33),
    min_size=1,
    max_size=12,
)


@given(st.lists(segment, min_size=1, max_size=4), st.from_regex(r"[A-Z_]{1,10}", fullmatch=True))
def test_dotenv_path_is_everything_before_the_last_hash(parts: list[str], name: str) -> None:
    """As botguard.secrets.refs reads it: the name follows the last '#'."""
    path = "/" + "/".join(parts)
    assert secret_file(f"dotenv:{path}#{name}") == Path(path)
    assert secret_file(f"file:{path}") == Path(path)


def test_non_file_refs_have_no_file() -> None:
    assert secret_file("env:X") is None
    assert secret_file("vault:secret/bot#key") is None
    assert secret_file("dotenv:.env") is None
    assert secret_file("file:~/k") == Path("~/k").expanduser()


async def test_relative_dotenv_is_the_one_next_to_the_config(tmp_path: Path) -> None:
    """`botguard init` writes dotenv:.env#...; it means the .env beside botguard.toml."""
    env = _dotenv(tmp_path, 0o640)

    found = await _check(_config(tmp_path, "dotenv:.env#EX_API_SECRET"))

    assert found.status is Status.FAIL
    assert found.subject == str(env)
    assert "mode 640" in found.evidence
