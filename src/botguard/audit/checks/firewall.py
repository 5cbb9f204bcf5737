"""host.firewall_default_deny: inbound default deny, and what else is let in.

Read from, in order: ufw (its own enable flag and default policy), nftables
(`nft list ruleset` on the live host, else /etc/nftables.conf with its
`include`s resolved under --root, which is where `botguard harden` puts its
table), iptables (`iptables-save` live, else the saved rules of
iptables-persistent or RHEL). On the live host only what the kernel has loaded
counts: a /etc/nftables.conf nobody loaded protects nothing. The seed asks for
a firewall "that allows only SSH": inbound ports other than SSH make the
finding a WARN, not a PASS.
"""

from __future__ import annotations

import asyncio
import glob
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from botguard.audit.model import Context, Outcome, host_check
from botguard.findings import Severity, Status

IPTABLES_FILES = ("/etc/iptables/rules.v4", "/etc/sysconfig/iptables")
_NFT_INCLUDE = re.compile(r'^\s*include\s+"([^"]+)"', re.M)
_NFT_DPORT = re.compile(r"\bdport\s+(\{[^}]*\}|\d+)[^\n;]*\baccept\b")
_IPT_DPORT = re.compile(r"^-A INPUT\b.*?--dports?\s+(\S+).*-j ACCEPT", re.M)


@dataclass(frozen=True, slots=True)
class Firewall:
    """What one firewall tool says about inbound traffic."""

    tool: str
    default_deny: bool
    open_ports: tuple[int, ...] = ()
    detail: str = ""


def _at(ctx: Context, path: str) -> Path:
    return ctx.root / path.lstrip("/")


async def _run(*argv: str) -> str | None:
    """stdout of a live tool, or None when it is missing or fails (e.g. not root)."""
    tool = shutil.which(argv[0], path="/usr/sbin:/usr/bin:/sbin:/bin")
    if tool is None:
        return None
    proc = await asyncio.create_subprocess_exec(
        tool, *argv[1:], stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    out, _ = await proc.communicate()
    return out.decode(errors="replace") if proc.returncode == 0 else None


def _ports(found: list[str]) -> tuple[int, ...]:
    """Port numbers from `22`, `{ 22, 443 }` or iptables' `80,443` / `1000:1010` (first)."""
    nums = {int(n) for text in found for n in re.findall(r"(?<![\d:])(\d+)", text)}
    return tuple(sorted(nums))


def ufw_state(ctx: Context) -> Firewall | None:
    """ufw's verdict from its config files, or None when ufw is not installed."""
    conf = _at(ctx, "/etc/ufw/ufw.conf")
    if not conf.is_file():
        return None
    if not re.search(r"^ENABLED=yes", conf.read_text(errors="replace"), re.M):
        return Firewall("ufw", False, detail="ufw installed but not enabled (ENABLED=no)")
    default = _at(ctx, "/etc/default/ufw")
    text = default.read_text(errors="replace") if default.is_file() else ""
    deny = re.search(r'^DEFAULT_INPUT_POLICY="(DROP|REJECT)"', text, re.M) is not None
    rules = _at(ctx, "/etc/ufw/user.rules")
    allowed = _IPT_DPORT.findall(rules.read_text(errors="replace")) if rules.is_file() else []
    policy = "drop" if deny else "not DROP"
    return Firewall("ufw", deny, _ports(allowed), f"ufw enabled, default input policy {policy}")


def nft_files(ctx: Context) -> str:
    """/etc/nftables.conf and the files it includes (one level), read under the root."""
    conf = _at(ctx, "/etc/nftables.conf")
    if not conf.is_file():
        return ""
    text = conf.read_text(errors="replace")
    parts = [text]
    for pattern in _NFT_INCLUDE.findall(text):
        full = pattern if pattern.startswith("/") else f"/etc/{pattern}"
        matches = sorted(glob.glob(str(_at(ctx, full))))  # noqa: PTH207 - rooted glob
        parts += [Path(m).read_text(errors="replace") for m in matches]
    return "\n".join(parts)


def input_chains(ruleset: str) -> list[str]:
    """The bodies of every chain hooked on input (braces balanced)."""
    bodies = []
    for match in re.finditer(r"hook\s+input\b", ruleset):
        start = ruleset.rfind("{", 0, match.start())
        depth, end = 0, start
        for end in range(start, len(ruleset)):
            depth += {"{": 1, "}": -1}.get(ruleset[end], 0)
            if depth == 0:
                break
        bodies.append(ruleset[start : end + 1])
    return bodies


def nft_state(ruleset: str) -> Firewall | None:
    """nftables' verdict: some input chain with policy drop; ports it accepts."""
    chains = input_chains(ruleset)
    if not chains:
        return None
    deny = any(re.search(r"policy\s+drop\s*;", c) for c in chains)
    ports = _ports([m for c in chains for m in _NFT_DPORT.findall(c)])
    return Firewall(
        "nftables", deny, ports, f"nftables: input policy {'drop' if deny else 'accept'}"
    )


def iptables_state(saved: str) -> Firewall | None:
    """iptables-save format: the filter table's INPUT policy and ACCEPT rules."""
    table = re.search(r"^\*filter\s*$(.*?)^COMMIT", saved, re.M | re.S)
    if table is None:
        return None
    policy = re.search(r"^:INPUT\s+(\S+)", table.group(1), re.M)
    deny = policy is not None and policy.group(1) == "DROP"
    last_drop = re.search(r"^-A INPUT\s+-j\s+(DROP|REJECT)\s*$", table.group(1), re.M)
    deny = deny or last_drop is not None
    ports = _ports(_IPT_DPORT.findall(table.group(1)))
    word = policy.group(1) if policy else "unset"
    return Firewall("iptables", deny, ports, f"iptables: INPUT policy {word}")


async def nft_or_iptables(ctx: Context) -> Firewall | None:
    """nftables, else iptables. On the live host the kernel's loaded rules decide (the files
    only say what a boot would load); the files are read when the tools cannot be run."""
    if ctx.live:
        live_nft = await _run("nft", "list", "ruleset")
        live_ipt = await _run("iptables-save")
        if live_nft is not None or live_ipt is not None:
            return nft_state(live_nft or "") or iptables_state(live_ipt or "")
    found = nft_state(nft_files(ctx))
    if found is not None:
        return found
    files = [_at(ctx, p) for p in IPTABLES_FILES]
    return iptables_state("\n".join(p.read_text(errors="replace") for p in files if p.is_file()))


def _verdict(fw: Firewall, ssh_port: int) -> Outcome:
    if not fw.default_deny:
        return Outcome(Status.FAIL, fw.detail)
    extra = [p for p in fw.open_ports if p != ssh_port]
    if extra:
        ports = ", ".join(map(str, extra))
        return Outcome(Status.WARN, f"{fw.detail}; inbound also open: {ports} (seed: only SSH)")
    return Outcome(Status.PASS, f"{fw.detail}; inbound open: SSH only")


@host_check(
    "host.firewall_default_deny",
    "firewall on, inbound default deny, only SSH open",
    Severity.HIGH,
    "`botguard harden` writes an nftables ruleset; or `ufw default deny incoming && ufw allow ssh "
    "&& ufw enable`",
)
async def firewall_default_deny(ctx: Context) -> Outcome:
    """An enabled ufw decides; else nftables, else iptables. Installed but off is a FAIL."""
    ufw = ufw_state(ctx)
    port = ctx.config.harden.ssh_port
    if ufw is not None and ufw.default_deny:
        return _verdict(ufw, port)
    other = await nft_or_iptables(ctx)
    if other is not None and (other.default_deny or ufw is None):
        return _verdict(other, port)
    if ufw is not None:
        return Outcome(Status.FAIL, ufw.detail)
    loaded = " loaded" if ctx.live else ""
    return Outcome(
        Status.FAIL, f"no firewall: no enabled ufw, no nftables or iptables input rules{loaded}"
    )
