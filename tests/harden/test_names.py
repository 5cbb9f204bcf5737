"""Names that become paths, and values that go into generated files, cannot escape.

A `bot.service` of `../../x/pwned` must not write outside --out (or --root), and an
`ssh_users` entry with a newline must not add lines to the sshd drop-in. Both are
refused when botguard.toml is loaded (exit 2, one line naming the key), and the
writers check every final path again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest

from botguard.cli import main
from botguard.errors import UsageError
from botguard.harden.apply import plan_changes
from botguard.harden.bundle import write_bundle
from botguard.harden.model import HardenFile, Kind
from botguard.harden.units import quote_arg

WriteConfig = Callable[..., Path]


def _bot_key(key: str, value: str) -> Callable[[str], str]:
    line = f"{key} = {value}\n"
    return lambda text: text.replace("[bot]\n", "[bot]\n" + line, 1)


def _replace_bot_key(key: str, value: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        start = text.index(f"\n{key} = ") + 1
        end = text.index("\n", start)
        return text[:start] + f"{key} = {value}" + text[end:]

    return edit


def _harden_key(key: str, value: str) -> Callable[[str], str]:
    return lambda text: text + f"\n[harden]\n{key} = {value}\n"


BAD = [
    ("service-traversal", _bot_key("service", '"../../x/pwned"'), "bot.service"),
    ("service-slash", _bot_key("service", '"x/y.service"'), "bot.service"),
    ("service-newline", _bot_key("service", '"a.service\\nUser=root"'), "bot.service"),
    ("service-leading-dash", _bot_key("service", '"-x.service"'), "bot.service"),
    ("service-too-long", _bot_key("service", '"' + "s" * 248 + '.service"'), "bot.service"),
    ("service-space", _bot_key("service", '"x .service"'), "bot.service"),
    ("service-colon", _bot_key("service", '"a:b.service"'), "bot.service"),
    ("service-long-slice", _bot_key("service", '"' + "a-" * 49 + '@i"'), "bot.service"),
    ("name-dotdot", _replace_bot_key("name", '".."'), "bot.name"),
    ("name-slash", _replace_bot_key("name", '"a/../../b"'), "bot.name"),
    ("name-too-long", _replace_bot_key("name", '"' + "n" * 233 + '"'), "bot.name"),
    ("user-traversal", _replace_bot_key("user", '"../root"'), "bot.user"),
    ("user-newline", _replace_bot_key("user", '"gridbot\\nUser=root"'), "bot.user"),
    ("user-too-long", _replace_bot_key("user", '"' + "u" * 33 + '"'), "bot.user"),
    ("user-space", _replace_bot_key("user", '"grid bot"'), "bot.user"),
    ("command-cr", _replace_bot_key("command", '["/bin/bot", "a\\rUser=root"]'), "bot.command[1]"),
    ("command-nul", _replace_bot_key("command", '["/bin/bot\\u0000"]'), "bot.command[0]"),
    (
        "command-home-space",
        _replace_bot_key("command", '["/home/u/my bot/bin/python"]'),
        "bot.command[0]",
    ),
    (
        "harden-botguard-newline",
        _harden_key("botguard", '"/usr/bin/bg\\nUser=root"'),
        "harden.botguard",
    ),
    ("watch-user-too-long", _harden_key("watch_user", '"' + "w" * 33 + '"'), "harden.watch_user"),
    ("watch-user-newline", _harden_key("watch_user", '"w\\nUser=root"'), "harden.watch_user"),
    (
        "ssh-users-newline",
        _harden_key("ssh_users", '["alice\\nMatch all\\nPasswordAuthentication yes"]'),
        "harden.ssh_users[0]",
    ),
    ("ssh-users-space", _harden_key("ssh_users", '["alice bob"]'), "harden.ssh_users[0]"),
    ("ssh-users-tab", _harden_key("ssh_users", '["ok", "a\\tb"]'), "harden.ssh_users[1]"),
    ("ssh-users-hash", _harden_key("ssh_users", '["a#b"]'), "harden.ssh_users[0]"),
]


@pytest.mark.parametrize(("edit", "key"), [pytest.param(e, k, id=i) for i, e, k in BAD])
def test_bad_names_and_values_exit_2_naming_the_key_and_write_nothing(
    write_config: WriteConfig,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[str], str],
    key: str,
) -> None:
    path = write_config()
    path.write_text(edit(path.read_text()))
    before = sorted(tmp_path.rglob("*"))
    code = main(["harden", "--config", str(path), "--out", str(tmp_path / "o" / "p"),
                 "--no-validate"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert f": {key}: " in line, line
    assert sorted(tmp_path.rglob("*")) == before, "harden wrote something"


def test_service_traversal_is_refused_by_every_command(
    write_config: WriteConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check lives in the config, so `kill` never passes it to systemctl either."""
    path = write_config()
    path.write_text(_bot_key("service", '"../../x/pwned"')(path.read_text()))
    assert main(["kill", "--dry-run", "--config", str(path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "bot.service: " in line
    assert "unit name" in line


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("service", '"gridbot"'),
        ("service", '"gridbot.service"'),
        ("service", '"grid-bot_2.v2@main.service"'),
        ("service", '"' + "s" * 247 + '.service"'),
        ("service", '"' + "s" * 247 + '"'),
    ],
)
def test_legal_service_names_load(
    write_config: WriteConfig, tmp_path: Path, key: str, value: str
) -> None:
    path = write_config()
    path.write_text(_bot_key(key, value)(path.read_text()))
    out = tmp_path / "out"
    assert main(["harden", "--config", str(path), "--out", str(out), "--no-validate"]) == 0
    units = list((out / "systemd").iterdir())
    assert all(p.parent == out / "systemd" for p in units)
    assert all(len(p.name) <= 255 for p in units)


def test_write_bundle_refuses_a_file_that_would_land_outside_out(tmp_path: Path) -> None:
    """Defence in depth: whatever a name was, the writer checks the final path."""
    out = tmp_path / "a" / "out"
    files = [
        HardenFile("ok.txt", Kind.DOC, "fine", "fine"),
        HardenFile("../../escaped.txt", Kind.DOC, "pwned", "pwned"),
    ]
    with pytest.raises(UsageError, match="outside --out"):
        write_bundle(files, out)
    assert not (tmp_path / "escaped.txt").exists()
    assert not out.exists(), "a partial bundle was left"


def test_write_bundle_refuses_a_symlinked_folder_inside_out(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "systemd").symlink_to(elsewhere)
    files = [HardenFile("systemd/x.service", Kind.UNIT, "[Unit]\n", "unit")]
    with pytest.raises(UsageError, match="outside --out"):
        write_bundle(files, out)
    assert list(elsewhere.iterdir()) == []


def test_apply_refuses_a_target_outside_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    item = HardenFile("x", Kind.UNIT, "x", "x", PurePosixPath("/etc/systemd/../../../x"))
    with pytest.raises(UsageError, match="outside --root"):
        plan_changes([item], root)


def test_apply_refuses_a_symlink_in_root_that_points_out(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    (root / "etc").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "etc" / "ssh").symlink_to(elsewhere)
    item = HardenFile("x", Kind.SSHD, "x", "x", PurePosixPath("/etc/ssh/sshd_config.d/10.conf"))
    with pytest.raises(UsageError, match="outside --root"):
        plan_changes([item], root)


@pytest.mark.parametrize("char", ["\r", "\n", "\x00", "\x0b", "\x0c", "\x1b", "\x7f"])
def test_quote_arg_never_lets_a_control_character_through_raw(char: str) -> None:
    """systemd ends a line at CR and NUL too, not only at LF."""
    quoted = quote_arg(f"a{char}b")
    assert char not in quoted
    assert quoted.startswith('"')
