"""The README's `systemd-creds encrypt` commands make credentials the unit can load.

Runs the README's own command lines (the interactive `systemd-ask-password`
swapped for printf) and then decrypts each `LoadCredentialEncrypted=ID:PATH`
of the unit by that ID, as systemd does when it starts the unit; a name or path
that disagrees between the two fails. systemd-creds keeps its host key in
/var/lib/systemd, so a private mount namespace binds a temp dir there, and the
credstore path is redirected into the temp dir: the host is never touched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from botguard.config import Config
from botguard.harden.bundle import build_bundle
from botguard.harden.model import Kind
from botguard.harden.units import CREDSTORE

pytestmark = pytest.mark.host
ASK = re.compile(r'systemd-ask-password -n "(\w+):"')


def test_readme_commands_make_credentials_the_unit_loads(config: Config, tmp_path: Path) -> None:
    if shutil.which("systemd-creds") is None or shutil.which("unshare") is None:
        pytest.skip("systemd-creds or unshare is not installed")
    files = {f.name: f for f in build_bundle(config)}
    store = tmp_path / "credstore"
    (tmp_path / "var-lib-systemd").mkdir()
    readme = files["README.md"].content.replace(str(CREDSTORE), str(store))
    commands = [line for line in readme.splitlines() if "systemd-creds encrypt" in line]
    assert len(commands) == 3
    unit = next(f for f in files.values() if f.kind is Kind.UNIT and "watch" not in f.name)
    loads = [
        line.split("=", 1)[1].replace(str(CREDSTORE), str(store)).split(":", 1)
        for line in unit.content.splitlines()
        if line.startswith("LoadCredentialEncrypted=")
    ]
    script = [
        f"mount --bind {tmp_path / 'var-lib-systemd'} /var/lib/systemd",
        f"mkdir -m 0700 {store}",
    ]
    script += [ASK.sub(r"printf %s value-of-\1", cmd) for cmd in commands]
    script += [f"systemd-creds decrypt --name={name} {path} - && echo" for name, path in loads]
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-ec", " && ".join(script)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [f"value-of-{name}" for name, _ in loads]
    assert oct((store).stat().st_mode & 0o777) == "0o700"
