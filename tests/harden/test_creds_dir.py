"""The credentials dir's lock decides what a cleaner may remove; nothing else does."""

from __future__ import annotations

from pathlib import Path

from botguard.harden.creds_dir import PREFIX, create_credentials_dir, remove_stale_credentials
from botguard.secrets.secret import Secret


def test_a_live_dir_survives_and_an_abandoned_one_goes(runtime_dir: Path) -> None:
    live = create_credentials_dir({"K": Secret("env:K", "value-of-k")}, owner=None)
    abandoned = runtime_dir / f"{PREFIX}abandoned"
    abandoned.mkdir(mode=0o700)
    (abandoned / "K").write_text("old")
    try:
        assert remove_stale_credentials() == [abandoned]
        assert live.path.is_dir()
        assert (live.path / "K").stat().st_mode & 0o777 == 0o400
        assert live.path.stat().st_mode & 0o777 == 0o700
    finally:
        live.remove()
    assert not live.path.exists()
    assert remove_stale_credentials() == []


def test_a_planted_symlink_is_never_followed(runtime_dir: Path, tmp_path: Path) -> None:
    """A symlink named like a credentials dir must not make root delete its target."""
    target = tmp_path / "precious"
    target.mkdir()
    (target / "keep").write_text("keep")
    (runtime_dir / f"{PREFIX}evil").symlink_to(target)
    assert remove_stale_credentials() == []
    assert (target / "keep").exists()
    assert (runtime_dir / f"{PREFIX}evil").is_symlink()


def test_other_names_are_not_touched(runtime_dir: Path) -> None:
    other = runtime_dir / "something-else"
    other.mkdir()
    assert remove_stale_credentials() == []
    assert other.exists()
