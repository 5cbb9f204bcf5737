"""Check generated files with the real tools: systemd-analyze, sshd, nft, apt-config.

Each validator returns a Validation; a missing tool gives `skipped` with the
package to install, never a pass. The tools run in throwaway namespaces where
they would otherwise need the live system:

- `nft -c` asks the kernel to check the ruleset over netlink, which needs
  CAP_NET_ADMIN; in a new user+network namespace (`unshare -rn`) any user has it
  there, and the host's rules are never touched.
- `sshd -t` insists that its privilege-separation dir /run/sshd exists; a new
  user+mount namespace gets a private tmpfs on /run with that dir in it.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from botguard.harden.model import HardenFile, Kind
from botguard.sandbox import UnitExposure, parse_security

_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Validation:
    """What one tool said about one file."""

    name: str
    tool: str
    ok: bool
    detail: str
    skipped: bool = False


def _run(argv: list[str], *, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed tool argv, no shell)
        argv, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False, cwd=cwd
    )


def _tool(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )


def _in_namespace(argv: list[str], flags: str) -> list[str]:
    unshare = _tool("unshare")
    return [unshare, flags, *argv] if unshare else argv


def unit_exposure(unit: Path) -> UnitExposure:
    """Score a unit file with `systemd-analyze security --offline=yes`."""
    tool = _tool("systemd-analyze")
    if tool is None:
        raise FileNotFoundError("systemd-analyze")
    proc = _run([tool, "security", "--offline=yes", "--no-pager", str(unit)])
    exposure = parse_security(proc.stdout)
    if exposure is None:
        raise ValueError(f"systemd-analyze printed no exposure level: {proc.stderr.strip()}")
    return exposure


def verify_unit(unit: Path) -> Validation:
    """`systemd-analyze verify`: any complaint about the file fails it."""
    tool = _tool("systemd-analyze")
    if tool is None:
        return Validation(unit.name, "systemd-analyze", False, "install systemd", skipped=True)
    proc = _run([tool, "verify", "--no-pager", str(unit)])
    complaints = [line for line in proc.stderr.splitlines() if unit.name in line]
    ok = proc.returncode == 0 and not complaints
    detail = "; ".join(complaints) or proc.stderr.strip() or "no complaints"
    return Validation(unit.name, "systemd-analyze verify", ok, detail)


def check_unit_security(unit: Path) -> Validation:
    """The unit's exposure must be at most MAX_EXPOSURE."""
    if _tool("systemd-analyze") is None:
        return Validation(unit.name, "systemd-analyze", False, "install systemd", skipped=True)
    exposure = unit_exposure(unit)
    return Validation(
        unit.name, "systemd-analyze security", exposure.acceptable, exposure.describe()
    )


_HIDDEN = (
    ("PrivateTmp", ("yes", "true", "on", "1", "disconnected"), ("/tmp", "/var/tmp")),  # noqa: S108 (names, not files)
    ("ProtectHome", ("yes", "true", "on", "1", "tmpfs"), ("/home", "/root", "/run/user")),
)
"""Which sandbox setting hides which paths from the unit (tmpfs: only what is bound back)."""
_RUN_KEYS = ("ExecStartPre", "ExecStart", "WorkingDirectory")


def _unit_settings(text: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, eq, value = line.partition("=")
        if eq and not line.startswith(("#", ";", "[")):
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def _run_paths(settings: dict[str, list[str]]) -> list[str]:
    """Absolute paths in the command lines (program, --config, the bot) and the workdir."""
    paths: list[str] = []
    for key in _RUN_KEYS:
        for value in settings.get(key, []):
            words = shlex.split(value.replace("%%", "%").replace("$$", "$").lstrip("-@:+!"))
            paths += [w for w in words if w.startswith("/")]
    return list(dict.fromkeys(paths))


def _bound(path: str, settings: dict[str, list[str]]) -> bool:
    binds = settings.get("BindReadOnlyPaths", []) + settings.get("BindPaths", [])
    return any(_under(path, b.lstrip("-").partition(":")[0]) for b in binds)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def hidden_paths(text: str) -> list[str]:
    """One line per path the unit runs or reads that its own sandbox hides from it."""
    settings = _unit_settings(text)
    problems: list[str] = []
    for path in _run_paths(settings):
        for where in dict.fromkeys([os.path.normpath(path), os.path.realpath(path)]):
            for key, hiding, roots in _HIDDEN:
                value = (settings.get(key) or ["no"])[-1]
                root = next((r for r in roots if _under(where, r)), None)
                if value in hiding and root and not _bound(where, settings):
                    shown = path if where == path else f"{path} (-> {where})"
                    problems.append(
                        f"{shown} is under {root}, which {key}={value} hides from the unit; "
                        "move it (e.g. to /opt or /etc/botguard) and run harden again"
                    )
    return problems


def check_hidden_paths(unit: Path) -> Validation:
    """The unit's command, botguard and its config must be visible inside its sandbox.

    `systemd-analyze verify` passes a unit whose ExecStart= sits in /tmp under
    PrivateTmp=yes; it fails only when started (status 203/EXEC), so this reads
    the unit's own settings and refuses such a path before it is installed.
    """
    problems = hidden_paths(unit.read_text(encoding="utf-8"))
    return Validation(unit.name, "sandbox paths", not problems, "; ".join(problems) or "visible")


def check_sshd_dropin(dropin: Path) -> Validation:
    """`sshd -t` on a config that Includes the drop-in, with a throwaway host key."""
    sshd, keygen = _tool("sshd"), _tool("ssh-keygen")
    if sshd is None or keygen is None:
        return Validation(dropin.name, "sshd -t", False, "apt-get install openssh-server", True)
    with tempfile.TemporaryDirectory(prefix="botguard-sshd-") as tmp:
        key = Path(tmp) / "host_ed25519"
        _run([keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)])
        main = Path(tmp) / "sshd_config"
        main.write_text(f"Include {dropin.resolve()}\nHostKey {key}\n", encoding="utf-8")
        script = 'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/sshd && exec "$@"'
        argv = ["sh", "-c", script, "sh", sshd, "-t", "-f", str(main)]
        proc = _run(_in_namespace(argv, "-rm"))
    detail = proc.stderr.strip() or "config OK"
    return Validation(dropin.name, "sshd -t", proc.returncode == 0, detail)


def check_ruleset(ruleset: Path) -> Validation:
    """`nft -c -f` in a new user+network namespace."""
    nft = _tool("nft")
    if nft is None:
        return Validation(ruleset.name, "nft -c", False, "apt-get install nftables", True)
    proc = _run(_in_namespace([nft, "-c", "-f", str(ruleset)], "-rn"))
    detail = proc.stderr.strip() or "ruleset OK"
    return Validation(ruleset.name, "nft -c -f", proc.returncode == 0, detail)


def check_apt_conf(conf: Path) -> Validation:
    """`apt-config -c FILE dump` parses apt's configuration syntax."""
    tool = _tool("apt-config")
    if tool is None:
        return Validation(conf.name, "apt-config", False, "not a Debian/Ubuntu host", True)
    proc = _run([tool, "-c", str(conf), "dump"])
    ok = proc.returncode == 0 and not proc.stderr.strip()
    return Validation(conf.name, "apt-config dump", ok, proc.stderr.strip() or "parses")


def validate_bundle(files: list[HardenFile], out: Path) -> list[Validation]:
    """Run every validator that applies to the files written under `out`."""
    results: list[Validation] = []
    for item in files:
        path = out / item.name
        match item.kind:
            case Kind.UNIT:
                results += [check_hidden_paths(path), verify_unit(path), check_unit_security(path)]
            case Kind.SSHD:
                results.append(check_sshd_dropin(path))
            case Kind.NFT:
                results.append(check_ruleset(path))
            case Kind.APT:
                results.append(check_apt_conf(path))
            case Kind.DOC | Kind.POLKIT:
                pass
    return results
