"""--host against a fixture root: histories, crontabs, units, drop-ins, cmdlines, bot home."""

from __future__ import annotations

import os
from pathlib import Path

from botguard.scan import scan_host
from botguard.secrets.secret import Secret

from .conftest import KEY, KEY_REF, PASSWORD, SECRET, SECRET_REF


def write(root: Path, rel: str, text: str | bytes, mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    path.chmod(mode)


def test_host_hiding_places(tmp_path: Path, secrets: list[Secret]) -> None:
    root = tmp_path / "host"
    write(root, "home/gridbot/.bash_history", f"ls\nexport EX_API_KEY={KEY}\npython bot.py\n")
    write(root, "etc/cron.d/gridbot", f"*/5 * * * * gridbot /opt/bot/run --secret {SECRET}\n")
    write(
        root,
        "etc/systemd/system/gridbot.service.d/override.conf",
        f"[Service]\nEnvironment=EX_API_KEY={KEY}\n",
    )
    write(root, "proc/4242/cmdline", b"python\0bot.py\0--key\0" + SECRET.encode() + b"\0")
    write(root, "opt/gridbot/config.ini", f"[ex]\nsecret = {SECRET}\n", mode=0o644)
    write(root, "opt/gridbot/.env", f"EX_API_KEY={KEY}\n", mode=0o600)
    write(root, "etc/systemd/system/other.service", "[Service]\nExecStart=/bin/true\n")

    leaks = scan_host(root, secrets, bot_home=Path("/opt/gridbot"))
    found = {(x.location, x.line, x.secret_ref) for x in leaks}

    assert found == {
        ("/home/gridbot/.bash_history", 2, KEY_REF),
        ("/etc/cron.d/gridbot", 1, SECRET_REF),
        ("/etc/systemd/system/gridbot.service.d/override.conf", 2, KEY_REF),
        ("/proc/4242/cmdline", 1, SECRET_REF),
        ("/opt/gridbot/config.ini", 2, SECRET_REF),
    }
    assert PASSWORD  # the password canary is loaded but planted nowhere


def test_live_proc_cmdline_of_a_real_process_is_read(tmp_path: Path) -> None:
    """Our own command line, read through the real /proc, carries no planted value."""
    own = Path(f"/proc/{os.getpid()}/cmdline")
    marker = Secret("env:M", "python", register=False)
    leaks = [x for x in scan_host(Path("/"), [marker]) if x.location == str(own)]
    assert leaks, "the running test process's cmdline contains 'python'"
