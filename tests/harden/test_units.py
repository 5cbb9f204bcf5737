"""The generated units: what a user installs must run the bot sandboxed and gated."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.cli import main
from botguard.config import Config, load_config
from botguard.errors import ConfigError
from botguard.harden.units import quote_arg, render_bot_unit, render_watch_unit

WriteConfig = Callable[..., Path]

BG = "/usr/local/bin/botguard"


def directives(unit: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


def test_bot_unit_runs_as_its_user_gated_by_run_check(config: Config) -> None:
    d = directives(render_bot_unit(config, botguard=BG))
    assert d["User"] == ["gridbot"]
    cfg = str(config.path.resolve())
    assert d["ExecStartPre"] == [f"{BG} run --config {cfg} --check"]
    assert d["ExecStart"] == [f"{BG} run --config {cfg} -- {sys.executable} bot.py"]
    for must in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert d[must] in (["yes"], ["strict"])
    assert d["CapabilityBoundingSet"] == [""]
    assert d["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert d["MemoryDenyWriteExecute"] == ["yes"]


def test_secrets_are_encrypted_credentials_never_environment(config: Config) -> None:
    unit = render_bot_unit(config, botguard=BG)
    d = directives(unit)
    assert "Environment" not in d
    assert "EnvironmentFile" not in d
    assert d["LoadCredentialEncrypted"] == [
        f"{n}:/etc/credstore.encrypted/gridbot.{n}"
        for n in ("BOTGUARD_CANARY_API_KEY", "BOTGUARD_CANARY_SECRET", "BOTGUARD_CANARY_PASSWORD")
    ]


def test_bot_cannot_write_the_state_dir_that_holds_the_halt_flag(config: Config) -> None:
    bot = directives(render_bot_unit(config, botguard=BG))
    watch = directives(render_watch_unit(config, botguard=BG))
    assert str(config.state.dir) not in " ".join(bot.get("ReadWritePaths", []))
    assert bot["ReadWritePaths"] == [f"-{config.bot.heartbeat}".replace("/heartbeat", "")]
    assert watch["ReadWritePaths"] == [str(config.state.dir)]
    assert watch["User"] == ["botguard"]


def test_heartbeat_under_run_gets_a_runtime_directory(write_config: WriteConfig) -> None:
    config = load_config(write_config(heartbeat="/run/gridbot/heartbeat"))
    d = directives(render_bot_unit(config, botguard=BG))
    assert d["RuntimeDirectory"] == ["gridbot"]
    assert "ReadWritePaths" not in d


def test_bot_under_home_is_bound_read_only(write_config: WriteConfig) -> None:
    config = load_config(
        write_config(
            workdir="/home/ann/gridbot", command=["/home/ann/venvs/grid/bin/python", "bot.py"]
        )
    )
    d = directives(render_bot_unit(config, botguard=BG))
    assert d["ProtectHome"] == ["tmpfs"]
    assert d["BindReadOnlyPaths"] == ["/home/ann/gridbot", "/home/ann/venvs/grid"]


def test_wx_can_be_turned_off_for_cffi_bots(write_config: WriteConfig) -> None:
    config = load_config(write_config(extra="[harden]\nmemory_deny_write_execute = false\n"))
    assert "MemoryDenyWriteExecute" not in directives(render_bot_unit(config, botguard=BG))


@pytest.mark.parametrize(
    ("arg", "quoted"),
    [
        ("bot.py", "bot.py"),
        ("my config.json", '"my config.json"'),
        ("50%", "50%%"),
        ("$HOME", "$$HOME"),
        (";", '";"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("", '""'),
    ],
)
def test_arguments_are_quoted_for_systemd(arg: str, quoted: str) -> None:
    assert quote_arg(arg) == quoted


def test_missing_command_is_a_config_error_with_the_fix(write_config: WriteConfig) -> None:
    config = load_config(write_config(command=[]))
    with pytest.raises(ConfigError, match=r"bot\.command is missing; add the command"):
        render_bot_unit(config, botguard=BG)


def test_root_user_is_refused(write_config: WriteConfig, tmp_path: Path, capsys) -> None:
    path = write_config()
    path.write_text(path.read_text().replace('user = "gridbot"', 'user = "root"'))
    code = main(["harden", "--config", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "bot.user must name the bot's own non-root user" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("user", "grid bot"), ("user", "x\\nExecStartPre=/bin/sh"), ("workdir", "/opt/my bot")],
)
def test_values_that_could_break_a_unit_line_are_refused(
    write_config: WriteConfig, field: str, value: str
) -> None:
    path = write_config()
    text = path.read_text()
    old = 'user = "gridbot"' if field == "user" else text.split("\n")[4]
    path.write_text(text.replace(old, f'{field} = "{value}"'))
    with pytest.raises(ConfigError, match=f"bot.{field}"):
        render_bot_unit(load_config(path), botguard=BG)


def test_neither_unit_can_dump_a_core(config: Config) -> None:
    """A core of the bot or the watchdog would hold the exchange keys."""
    for unit in (render_bot_unit(config, botguard=BG), render_watch_unit(config, botguard=BG)):
        assert directives(unit)["LimitCORE"] == ["0"]
