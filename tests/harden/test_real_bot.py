"""Harden for a real bot: what freqtrade needs to write, sd_notify, and paths the sandbox hides."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.config import Config, load_config
from botguard.errors import ConfigError
from botguard.harden.bundle import build_bundle, write_bundle
from botguard.harden.model import Kind
from botguard.harden.units import render_bot_unit
from botguard.harden.validate import hidden_paths, verify_unit

WriteConfig = Callable[..., Path]
BG = "/usr/local/bin/botguard"


def directives(unit: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


def freqtrade(path: Path) -> Path:
    """The config at `path`, made a freqtrade bot."""
    path.write_text(path.read_text().replace("[bot]\n", '[bot]\nframework = "freqtrade"\n', 1))
    return path


def placed(config: Config, *, command: list[str], workdir: str = "/opt/gridbot") -> Config:
    """The config as installed: botguard.toml in /etc, the bot in /opt (none under /tmp)."""
    bot = config.bot.model_copy(
        update={"command": command, "workdir": Path(workdir), "heartbeat": None}
    )
    return config.model_copy(update={"bot": bot, "path": Path("/etc/botguard/botguard.toml")})


def test_writable_paths_become_read_write_paths(write_config: WriteConfig) -> None:
    extra = '[harden]\nwritable_paths = ["/srv/gridbot/db", "/var/log/gridbot"]\n'
    d = directives(render_bot_unit(load_config(write_config(extra=extra)), botguard=BG))
    assert "/srv/gridbot/db" in d["ReadWritePaths"]
    assert "/var/log/gridbot" in d["ReadWritePaths"]
    assert d["ProtectSystem"] == ["strict"]


def test_freqtrade_gets_its_user_data_writable(write_config: WriteConfig, tmp_path: Path) -> None:
    config = load_config(freqtrade(write_config()))
    d = directives(render_bot_unit(config, botguard=BG))
    assert f"-{tmp_path}/user_data" in d["ReadWritePaths"]
    assert d["StateDirectory"] == ["gridbot"]  # where --db-url puts the SQLite database


def test_freqtrade_under_home_gets_user_data_bound_writable(write_config: WriteConfig) -> None:
    path = freqtrade(write_config(workdir="/home/ann/ft", command=["/home/ann/ft/.venv/bin/x"]))
    d = directives(render_bot_unit(load_config(path), botguard=BG))
    assert d["ProtectHome"] == ["tmpfs"]
    assert d["BindReadOnlyPaths"] == ["/home/ann/ft"]
    assert d["BindPaths"] == ["-/home/ann/ft/user_data"]


@pytest.mark.parametrize(
    "value", ["/opt/my data", "user_data", "/opt/../etc", "/opt/x\\n[Service]", "/opt/50%", "/"]
)
def test_writable_paths_that_could_break_the_unit_are_refused(
    write_config: WriteConfig, value: str
) -> None:
    extra = f'[harden]\nwritable_paths = ["{value}"]\n'
    with pytest.raises(ConfigError, match=r"harden\.writable_paths\[0\]: expected an absolute"):
        load_config(write_config(extra=extra))


def test_notify_gives_type_notify_reaching_the_bot_behind_run(write_config: WriteConfig) -> None:
    default = directives(render_bot_unit(load_config(write_config()), botguard=BG))
    assert default["Type"] == ["exec"]
    assert "NotifyAccess" not in default
    config = load_config(write_config(extra="[harden]\nnotify = true\n"))
    d = directives(render_bot_unit(config, botguard=BG))
    assert d["Type"] == ["notify"]
    assert d["NotifyAccess"] == ["all"]  # the bot is `botguard run`'s child, not the main pid


@pytest.mark.host
def test_units_with_the_new_lines_pass_systemd_analyze_verify(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    extra = '[harden]\nnotify = true\nwritable_paths = ["/srv/gridbot/db"]\n'
    files = build_bundle(load_config(freqtrade(write_config(extra=extra))))
    out = tmp_path / "out"
    write_bundle(files, out)
    unit = next(out / f.name for f in files if f.kind is Kind.UNIT)
    text = unit.read_text()
    for line in ("Type=notify", "NotifyAccess=all", "ReadWritePaths=/srv/gridbot/db"):
        assert f"\n{line}\n" in text
    result = verify_unit(unit)
    assert result.ok, result.detail


def test_a_command_under_tmp_is_refused_with_one_line(config: Config) -> None:
    unit = render_bot_unit(placed(config, command=["/tmp/ft/.venv/bin/freqtrade"]), botguard=BG)
    problems = hidden_paths(unit)
    assert len(problems) == 1
    assert problems[0].startswith("/tmp/ft/.venv/bin/freqtrade is under /tmp, which PrivateTmp=yes")


def test_botguard_under_home_is_refused_even_when_the_bot_is_bound(config: Config) -> None:
    placed_config = placed(config, command=["/home/ann/venv/bin/python"], workdir="/home/ann/bot")
    unit = render_bot_unit(placed_config, botguard="/home/ann/.local/bin/botguard")
    problems = hidden_paths(unit)
    assert len(problems) == 1, problems  # the bot's venv and workdir are bound back
    assert "/home/ann/.local/bin/botguard is under /home, which ProtectHome=tmpfs" in problems[0]


def test_a_config_under_home_is_refused(config: Config) -> None:
    at_home = placed(config, command=["/opt/gridbot/bin/python"]).model_copy(
        update={"path": Path("/root/botguard.toml")}
    )
    problems = hidden_paths(render_bot_unit(at_home, botguard=BG))
    assert len(problems) == 1
    assert "/root/botguard.toml is under /root, which ProtectHome=yes" in problems[0]


def test_an_installed_layout_has_nothing_hidden(config: Config) -> None:
    unit = render_bot_unit(
        placed(config, command=["/opt/gridbot/bin/python", "bot.py"]), botguard=BG
    )
    assert hidden_paths(unit) == []


def test_harden_exits_1_naming_the_path_and_the_setting(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's validation refuses it even where systemd-analyze is missing."""
    path = write_config(command=["/tmp/ft-bot/bin/freqtrade", "trade"])
    code = main(["harden", "--config", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 1
    line = next(li for li in err.splitlines() if li.startswith("gridbot.service: sandbox paths"))
    assert "/tmp/ft-bot/bin/freqtrade is under /tmp, which PrivateTmp=yes hides" in line
    assert "Traceback" not in err
    assert str(path.resolve()) in line


def test_the_bundle_readme_tells_a_freqtrade_user_where_the_database_goes(
    write_config: WriteConfig,
) -> None:
    files = build_bundle(load_config(freqtrade(write_config())), botguard=BG)
    readme = next(f.content for f in files if f.kind is Kind.DOC)
    assert "--db-url sqlite:////var/lib/gridbot/tradesv3.sqlite" in readme
    assert "`[harden] notify = true` turns it on" in readme
