"""`botguard harden --out DIR [--apply]` as a user runs it."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from botguard.cli import main

WriteConfig = Callable[..., Path]
BOTGUARD = str(Path(sys.executable).parent / "botguard")


def test_writes_every_file_and_a_readme_that_names_them(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(["harden", "--config", str(write_config()), "--out", str(out), "--no-validate"])
    assert code == 0
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [
        "README.md",
        "apt/20auto-upgrades",
        "apt/52botguard-unattended-upgrades",
        "nftables/botguard.nft",
        "polkit/50-botguard-watch.rules",
        "ssh/10-botguard.conf",
        "systemd/botguard-watch-gridbot.service",
        "systemd/gridbot.service",
    ]
    readme = (out / "README.md").read_text()
    for name in names[1:]:
        assert f"`{name}`" in readme
    assert "systemd-creds encrypt --name=BOTGUARD_CANARY_SECRET" in readme
    assert '`"systemd:BOTGUARD_CANARY_SECRET"`' in readme
    assert "Next: read" in capsys.readouterr().out


def test_missing_command_exits_2_with_the_fix(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["harden", "--config", str(write_config(command=[])), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "bot.command is missing" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.host
def test_validation_runs_and_passes(write_config: WriteConfig, tmp_path: Path, capsys) -> None:
    if not Path("/usr/bin/systemd-analyze").exists():
        pytest.skip("systemd-analyze is not installed")
    # Not under /tmp (PrivateTmp=yes would hide the config and workdir from the unit,
    # and harden's own check refuses that): a scratch dir in the checkout.
    root = Path(__file__).resolve().parents[2]
    if any(root.is_relative_to(h) for h in ("/tmp", "/var/tmp", "/home", "/root", "/run/user")):
        pytest.skip(f"the checkout {root} is under a path the unit's sandbox hides")
    base = Path(tempfile.mkdtemp(prefix=".harden-validate-", dir=root))
    try:
        here = write_config(
            command=["/usr/bin/python3", "bot.py"],  # this venv's python may be a pyenv's
            workdir=str(base),
            heartbeat=str(base / "hb"),
            state=str(base / "s"),
        )
        config = base / "botguard.toml"
        shutil.move(here, config)
        code = main(["harden", "--config", str(config), "--out", str(tmp_path / "o")])
    finally:
        shutil.rmtree(base)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "exposure 1." in out
    assert "FAIL" not in out


def test_apply_without_a_terminal_or_yes_exits_2_and_writes_nothing(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    proc = subprocess.run(
        [BOTGUARD, "harden", "--config", str(write_config()), "--out", str(tmp_path / "o"),
         "--apply", "--root", str(root), "--no-validate"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "add --yes" in proc.stderr
    assert not root.exists()


def test_apply_yes_installs_under_root_then_reports_up_to_date(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    (root / "etc/ssh/sshd_config.d").mkdir(parents=True)
    (root / "etc/ssh/sshd_config.d/10-botguard.conf").write_text("PasswordAuthentication yes\n")
    args = ["harden", "--config", str(write_config()), "--out", str(tmp_path / "o"),
            "--apply", "--yes", "--root", str(root), "--no-validate"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "-PasswordAuthentication yes" in out
    assert "+PasswordAuthentication no" in out
    assert "+++ /etc/systemd/system/gridbot.service" in out
    unit = root / "etc/systemd/system/gridbot.service"
    assert "ExecStartPre=" in unit.read_text()
    assert (root / "etc/nftables.d/botguard.nft").exists()
    assert (root / "etc/apt/apt.conf.d/20auto-upgrades").exists()
    assert oct(unit.stat().st_mode & 0o777) == "0o644"
    assert main(args) == 0
    assert "already up to date" in capsys.readouterr().out


def _answer_in_pty(argv: list[str], answer: str) -> tuple[int, str]:
    """Run botguard with a real terminal on stdin and type `answer` at its prompt.

    EIO on the leader means the child closed the terminal (it exited): stop reading
    and let the assertions show what it printed. The child is always reaped.
    """
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"[y/N]" not in seen and time.monotonic() < deadline and proc.poll() is None:
            if select.select([leader], [], [], 1)[0]:
                try:
                    seen += os.read(leader, 65536)
                except OSError:
                    break
        if proc.poll() is None:
            os.write(leader, answer.encode() + b"\n")
        code = proc.wait(timeout=60)
        while select.select([leader], [], [], 0.2)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(leader)
    return code, seen.decode(errors="replace")


@pytest.mark.parametrize(("answer", "code", "written"), [("n", 1, False), ("y", 0, True)])
def test_apply_shows_the_diff_and_asks_first(
    write_config: WriteConfig, tmp_path: Path, answer: str, code: int, written: bool
) -> None:
    root = tmp_path / "root"
    argv = [BOTGUARD, "harden", "--config", str(write_config()), "--out", str(tmp_path / "o"),
            "--apply", "--root", str(root), "--no-validate"]  # fmt: skip
    got, output = _answer_in_pty(argv, answer)
    assert got == code, output
    assert "+++ /etc/ssh/sshd_config.d/10-botguard.conf" in output
    assert "Write these 7 files?" in output
    assert (root / "etc/ssh/sshd_config.d/10-botguard.conf").exists() is written


@pytest.mark.host
def test_files_that_fail_validation_are_never_applied(
    write_config: WriteConfig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/usr/bin/systemd-analyze").exists():
        pytest.skip("systemd-analyze is not installed")
    path = write_config(extra='[harden]\nbotguard = "/nonexistent/botguard"\n')
    root = tmp_path / "root"
    args = ["harden", "--config", str(path), "--out", str(tmp_path / "o"), "--apply", "--yes",
            "--root", str(root)]  # fmt: skip
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "failed validation; nothing applied" in out
    assert not root.exists()


def test_readme_install_commands_name_files_that_exist(
    write_config: WriteConfig, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert (
        main(["harden", "--config", str(write_config()), "--out", str(out), "--no-validate"]) == 0
    )
    installs = [
        line.split()
        for line in (out / "README.md").read_text().splitlines()
        if line.startswith("install -") and " -d " not in line
    ]
    sources = [word for words in installs for word in words[1:-1] if "/" in word]
    written = [str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()]
    assert sorted(sources) == sorted(w for w in written if w != "README.md")
