"""Every secret reference scheme, the chmod 600 rule, and errors that never show a value."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from botguard.errors import SecretError
from botguard.secrets.redact import redact
from botguard.secrets.refs import resolve_secret
from botguard.testing.canary import CANARIES

VALUE = "s3cr3t-ref-value-XYZ123"


def private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_env_reference_resolves_and_registers() -> None:
    secret = resolve_secret("env:BOTGUARD_CANARY_SECRET")
    assert secret.reveal() == CANARIES["BOTGUARD_CANARY_SECRET"]
    assert secret.ref == "env:BOTGUARD_CANARY_SECRET"
    assert "BOTGUARD_CANARY" not in redact(secret.reveal())


def test_missing_env_names_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_KEY", raising=False)
    with pytest.raises(SecretError, match=r"env:NOPE_KEY: environment variable NOPE_KEY"):
        resolve_secret("env:NOPE_KEY")


def test_dotenv_reference_reads_one_key(tmp_path: Path) -> None:
    env = private(tmp_path / ".env", f"OTHER=x\nEX_API_SECRET='{VALUE}'\n# c\n")
    assert resolve_secret(f"dotenv:{env}#EX_API_SECRET").reveal() == VALUE
    with pytest.raises(SecretError, match=r"MISSING is not set in"):
        resolve_secret(f"dotenv:{env}#MISSING")
    with pytest.raises(SecretError, match=r"write dotenv:PATH#NAME"):
        resolve_secret(f"dotenv:{env}")


def test_file_reference_strips_the_newline(tmp_path: Path) -> None:
    path = private(tmp_path / "key", VALUE + "\n")
    assert resolve_secret(f"file:{path}").reveal() == VALUE


@pytest.mark.parametrize("scheme", ["file", "dotenv"])
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_readable_by_others_is_refused_with_the_fix(tmp_path: Path, scheme: str, mode: int) -> None:
    path = private(tmp_path / "key", f"K={VALUE}\n", mode)
    ref = f"file:{path}" if scheme == "file" else f"dotenv:{path}#K"
    with pytest.raises(SecretError) as info:
        resolve_secret(ref)
    message = str(info.value)
    assert f"chmod 600 {path}" in message
    assert f"mode {mode:04o}" in message
    assert ref in message
    assert VALUE not in message


def test_insecure_perms_allows_but_warns_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = private(tmp_path / "key", VALUE, 0o644)
    with caplog.at_level(logging.WARNING):
        assert resolve_secret(f"file:{path}", insecure_perms=True).reveal() == VALUE
    assert "INSECURE" in caplog.text
    assert str(path) in caplog.text
    assert "readable by group or others" in caplog.text


def test_missing_file_names_the_reference(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"^file:.*/absent: file .* does not exist$"):
        resolve_secret(f"file:{tmp_path / 'absent'}")


@pytest.mark.parametrize("ref", ["nope:X", "plainvalue", "env:"])
def test_bad_reference_is_a_secret_error(ref: str) -> None:
    with pytest.raises(SecretError):
        resolve_secret(ref)


def test_systemd_credential_made_by_systemd_creds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encrypt with the real `systemd-creds encrypt`, decrypt it into a 0700
    $CREDENTIALS_DIRECTORY as systemd does for LoadCredentialEncrypted=, then resolve.

    systemd-creds keeps its host key in /var/lib/systemd; a private mount namespace
    binds a temp dir there so the host is never touched.
    """
    if shutil.which("systemd-creds") is None or shutil.which("unshare") is None:
        pytest.skip("systemd-creds or unshare is not installed")
    (tmp_path / "var-lib-systemd").mkdir()
    creds, blob = tmp_path / "credentials", tmp_path / "x.cred"
    script = (
        f"mount --bind {tmp_path / 'var-lib-systemd'} /var/lib/systemd && "
        f"printf %s {VALUE} | systemd-creds encrypt --name=ex_api_secret - {blob} && "
        f"mkdir -m 0700 {creds} && umask 077 && "
        f"systemd-creds decrypt --name=ex_api_secret {blob} {creds / 'ex_api_secret'}"
    )
    proc = subprocess.run(
        ["unshare", "-rm", "sh", "-ec", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0 and "unshare" in proc.stderr:
        pytest.skip(f"no private mount namespace here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    assert VALUE.encode() not in (tmp_path / "x.cred").read_bytes()
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    assert resolve_secret("systemd:ex_api_secret").reveal() == VALUE
    with pytest.raises(SecretError, match=r"systemd:other: file .*other does not exist"):
        resolve_secret("systemd:other")


def test_systemd_without_credentials_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(SecretError, match=r"CREDENTIALS_DIRECTORY is not set"):
        resolve_secret("systemd:ex_api_secret")


def test_keyring_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """keyrings.alt's PlaintextKeyring in a temp dir stands in for the OS keyring."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        keyring.set_password("gridbot", "api_key", VALUE)
        assert resolve_secret("keyring:gridbot/api_key").reveal() == VALUE
        with pytest.raises(SecretError, match=r"no entry 'nope' for service 'gridbot'"):
            resolve_secret("keyring:gridbot/nope")
    finally:
        keyring.set_keyring(previous)


class _KV2Handler(BaseHTTPRequestHandler):
    """Answers GET /v1/<mount>/data/<path> as Vault's KV v2 "Read Secret Version" API
    documents it (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2):
    `{"data": {"data": {...}, "metadata": {...}}}`, 404 with `{"errors": []}` when absent,
    403 for a wrong X-Vault-Token."""

    store: ClassVar[dict[str, dict[str, str]]] = {"/v1/secret/data/gridbot": {"api_key": VALUE}}

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if self.headers.get("X-Vault-Token") != "test-token":
            self._reply(403, {"errors": ["permission denied"]})
        elif path in self.store:
            meta = {"created_time": "2026-01-01T00:00:00Z", "deletion_time": "",
                    "destroyed": False, "version": 1}  # fmt: skip
            self._reply(200, {"request_id": "r", "lease_id": "", "renewable": False,
                              "lease_duration": 0, "wrap_info": None, "warnings": None,
                              "auth": None, "data": {"data": self.store[path],
                                                     "metadata": meta}})  # fmt: skip
        else:
            self._reply(404, {"errors": []})

    def _reply(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def vault(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local stand-in for Vault (no Vault server can run here)."""
    server = HTTPServer(("127.0.0.1", 0), _KV2Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    addr = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("VAULT_ADDR", addr)
    monkeypatch.setenv("VAULT_TOKEN", "test-token")
    yield addr
    server.shutdown()
    server.server_close()
    thread.join()


def test_vault_kv2_reference(vault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """KV v2 read through hvac against a local server that answers as Vault documents."""
    assert resolve_secret("vault:secret/gridbot#api_key").reveal() == VALUE
    with pytest.raises(SecretError, match=r"field 'nope' is missing"):
        resolve_secret("vault:secret/gridbot#nope")
    with pytest.raises(SecretError, match=r"no secret at secret/other in Vault"):
        resolve_secret("vault:secret/other#api_key")
    monkeypatch.setenv("VAULT_TOKEN", "wrong")
    with pytest.raises(SecretError, match=r"VAULT_TOKEN may not read secret/gridbot"):
        resolve_secret("vault:secret/gridbot#api_key")
    monkeypatch.delenv("VAULT_TOKEN")
    with pytest.raises(SecretError, match=r"set VAULT_ADDR and VAULT_TOKEN"):
        resolve_secret("vault:secret/gridbot#api_key")


def test_missing_optional_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "hvac", None)
    monkeypatch.setitem(sys.modules, "keyring", None)
    with pytest.raises(SecretError, match=r"pip install botguard\[vault\]"):
        resolve_secret("vault:secret/gridbot#api_key")
    with pytest.raises(SecretError, match=r"pip install botguard\[keyring\]"):
        resolve_secret("keyring:gridbot/api_key")
