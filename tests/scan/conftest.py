"""Fixtures for scan: real git repositories in tmp dirs, and the canary secrets."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.secrets.secret import Secret
from botguard.testing.canary import CANARIES

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bot Dev",
    "GIT_AUTHOR_EMAIL": "dev@example.invalid",
    "GIT_COMMITTER_NAME": "Bot Dev",
    "GIT_COMMITTER_EMAIL": "dev@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run real git in `repo` and return its stdout."""
    import os

    full_env = {**os.environ, "HOME": str(repo.parent), **GIT_ENV, **(env or {})}
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=full_env, check=True
    )
    return proc.stdout.strip()


Commit = Callable[..., str]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty git repository on branch main."""
    path = tmp_path / "bot"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


@pytest.fixture
def commit(repo: Path) -> Commit:
    """Write files (path -> text, None deletes) and commit them; returns the full sha."""

    def _commit(files: dict[str, str | None], message: str = "change", date: str = "") -> str:
        for rel, text in files.items():
            target = repo / rel
            if text is None:
                git(repo, "rm", "-q", rel)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            git(repo, "add", "-f", rel)
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
        git(repo, "commit", "-q", "-m", message, env=env)
        return git(repo, "rev-parse", "HEAD")

    return _commit


@pytest.fixture
def canary_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The canary values exported as environment variables (what a config references)."""
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    return dict(CANARIES)


@pytest.fixture
def secrets(canary_env: dict[str, str]) -> list[Secret]:
    """The canaries as resolved Secrets, referenced as env:NAME."""
    return [Secret(f"env:{name}", value) for name, value in canary_env.items()]


KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
PASSWORD = CANARIES["BOTGUARD_CANARY_PASSWORD"]
KEY_REF = "env:BOTGUARD_CANARY_API_KEY"
SECRET_REF = "env:BOTGUARD_CANARY_SECRET"
