"""`botguard init`: a commented config that parses, a private .env, .gitignore, no clobbering."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.cli.init_templates import CONFIG_TEMPLATE
from botguard.config import Config, load_config


def test_init_writes_config_env_and_gitignore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    config = load_config(tmp_path / "botguard.toml")
    assert config.account[0].api_key == f"dotenv:{tmp_path / '.env'}#EX_API_KEY"
    assert config.account[0].secret == f"dotenv:{tmp_path / '.env'}#EX_API_SECRET"
    env = tmp_path / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert "EX_API_KEY=" in env.read_text()
    assert ".env" in (tmp_path / ".gitignore").read_text().splitlines()
    assert "botguard secrets check" in capsys.readouterr().out


def test_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "botguard.toml").write_text("# mine\n")
    assert main(["init", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "already exists; pass --force" in err
    assert (tmp_path / "botguard.toml").read_text() == "# mine\n"
    assert not (tmp_path / ".env").exists()
    assert main(["init", "--dir", str(tmp_path), "--force"]) == 0
    assert "[[account]]" in (tmp_path / "botguard.toml").read_text()


def test_gitignore_is_appended_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("__pycache__/")
    assert main(["init", "--dir", str(tmp_path)]) == 0
    assert main(["init", "--dir", str(tmp_path), "--force"]) == 0
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    assert lines[0] == "__pycache__/"
    assert lines.count(".env") == 1


def test_init_config_option_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "conf" / "bg.toml"
    target.parent.mkdir()
    assert main(["init", "--dir", str(tmp_path), "--config", str(target)]) == 0
    assert load_config(target).bot.name == "mybot"


def _fill_env(env: Path) -> None:
    """What the user does next: put a key and secret (not canaries: tmp_path is scanned)."""
    text = env.read_text().replace("EX_API_KEY=", "EX_API_KEY=user-key-0123456789")
    env.write_text(text.replace("EX_API_SECRET=", "EX_API_SECRET=user-secret-0123456789"))


def test_filling_the_written_env_is_enough_for_secrets_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """init says "fill in .env": the references it writes must read that file, from anywhere."""
    assert main(["init", "--dir", str(tmp_path)]) == 0
    _fill_env(tmp_path / ".env")
    monkeypatch.chdir("/")
    assert main(["secrets", "check", "-c", str(tmp_path / "botguard.toml")]) == 0
    assert "All secret references resolved." in capsys.readouterr().out


def test_config_elsewhere_still_reads_the_env_init_wrote(tmp_path: Path) -> None:
    target = tmp_path / "conf" / "bg.toml"
    target.parent.mkdir()
    assert main(["init", "--dir", str(tmp_path / "bot"), "--config", str(target)]) == 0
    _fill_env(tmp_path / "bot" / ".env")
    assert main(["secrets", "check", "-c", str(target)]) == 0


def test_unfilled_env_fails_saying_where_it_looked_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["secrets", "check", "-c", str(tmp_path / "botguard.toml")]) == 1
    lines = capsys.readouterr().err.splitlines()
    env = tmp_path / ".env"
    assert lines[0] == (
        f"botguard: secret failed: main.api_key: dotenv:{env}#EX_API_KEY: "
        f"EX_API_KEY is not set in {env}; fix: put EX_API_KEY=<value> in {env}"
    )


def _fields(model: type[object], prefix: str) -> set[str]:
    from pydantic import BaseModel

    out = set()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        if name in ("path", "fleet"):  # [fleet] is opt-in: the README's Fleet section has it
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out |= _fields(annotation, f"{name}.")
        elif name == "account":
            from botguard.config import AccountConfig

            out |= _fields(AccountConfig, "account.")
        else:
            out.add(prefix + name)
    return out


def test_template_documents_every_config_key(tmp_path: Path) -> None:
    """Uncommenting every optional line gives a valid config naming every model key."""
    uncommented = re.sub(r"(?m)^# (\w+ = )", r"\1", CONFIG_TEMPLATE)
    path = tmp_path / "botguard.toml"
    path.write_text(uncommented)
    load_config(path)  # every documented example value is valid
    section, documented = "", set()
    for line in uncommented.splitlines():
        if m := re.match(r"^\[+(\w+)\]+", line):
            section = m.group(1)
        elif m := re.match(r"^(\w+) = ", line):
            documented.add(f"{section}.{m.group(1)}")
    assert documented == _fields(Config, "")
