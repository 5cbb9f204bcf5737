"""README.md for the harden output: what each file does and how to install it."""

from __future__ import annotations

from botguard.config import Config
from botguard.harden.credentials import config_refs, credential_names
from botguard.harden.model import HardenFile, Kind
from botguard.harden.units import CREDSTORE, credstore_path


def _file_table(files: list[HardenFile]) -> list[str]:
    rows = ["| file | installs to | what it does |", "| --- | --- | --- |"]
    rows += [f"| `{f.name}` | `{f.target}` | {f.purpose} |" for f in files if f.target]
    return rows


def _credential_steps(config: Config) -> list[str]:
    names = credential_names(config_refs(config, include_alerts=True))
    if not names:
        return ["No secret references in the config: nothing to encrypt.", ""]
    lines = [
        "Each secret becomes an encrypted credential, bound to this machine (and its TPM",
        "if it has one). The value is typed at a prompt, so it never reaches shell history:",
        "",
        "```sh",
        f"install -d -m 0700 {CREDSTORE}",
    ]
    lines.extend(
        f'systemd-ask-password -n "{name}:" | systemd-creds encrypt --name={name} - '
        f"{credstore_path(config, name)}"
        for name in names.values()
    )
    lines += [
        "```",
        "",
        "Then point the config at the credentials (systemd hands them to the unit in",
        "`$CREDENTIALS_DIRECTORY`; `botguard run` passes each to the bot as an",
        "environment variable of the same name, and nowhere else):",
        "",
        "| now | change to |",
        "| --- | --- |",
    ]
    lines += [f'| `"{ref}"` | `"systemd:{name}"` |' for ref, name in names.items()]
    return [*lines, ""]


def _install_steps(config: Config, files: list[HardenFile]) -> list[str]:
    units = [f for f in files if f.kind is Kind.UNIT]
    user, watcher = config.bot.user, config.harden.watch_user
    return [
        "## 1. Users and directories",
        "",
        "```sh",
        f"useradd --system --no-create-home --shell /usr/sbin/nologin {user}",
        f"useradd --system --no-create-home --shell /usr/sbin/nologin {watcher}",
        f"install -d -m 0750 -o {watcher} -g {user} {config.state.dir}",
        "```",
        "",
        f"The state dir belongs to the watchdog; the bot ({user}) can read the halt flag",
        "there but never lower it. Run `botguard kill` as the watchdog's user too",
        f"(`sudo -u {watcher} botguard kill --yes`): root refuses a state dir another user",
        "owns, since that user could plant links where root writes. While the watchdog",
        "runs, a root `kill --yes` is handed to it over its socket and works either way.",
        "",
        "## 2. Secrets",
        "",
        *_credential_steps(config),
        "## 3. systemd units",
        "",
        "```sh",
        *[f"install -m 0644 {f.name} {f.target}" for f in units],
        "systemctl daemon-reload",
        *[f"systemd-analyze security {f.target.name if f.target else f.name}" for f in units],
        "systemctl enable --now " + " ".join(f.target.name for f in reversed(units) if f.target),
        "```",
        "",
        "So that the watchdog can stop the bot when it trips the kill switch (polkit decides",
        "what an unprivileged user may ask of systemd):",
        "",
        "```sh",
        "install -m 0644 polkit/50-botguard-watch.rules /etc/polkit-1/rules.d/",
        "```",
        "",
        "## 4. SSH (keep a second session open while you do this)",
        "",
        "```sh",
        "install -m 0644 ssh/10-botguard.conf /etc/ssh/sshd_config.d/10-botguard.conf",
        "sshd -t && systemctl reload ssh",
        "```",
        "",
        "## 5. Firewall",
        "",
        "```sh",
        "apt-get install nftables",
        "install -D -m 0644 nftables/botguard.nft /etc/nftables.d/botguard.nft",
        "nft -c -f /etc/nftables.d/botguard.nft && nft -f /etc/nftables.d/botguard.nft",
        "echo 'include \"/etc/nftables.d/*.nft\"' >> /etc/nftables.conf",
        "systemctl enable nftables",
        "```",
        "",
        "## 6. Security updates",
        "",
        "```sh",
        "apt-get install unattended-upgrades",
        "install -m 0644 apt/20auto-upgrades /etc/apt/apt.conf.d/",
        "install -m 0644 apt/52botguard-unattended-upgrades /etc/apt/apt.conf.d/",
        "unattended-upgrade --dry-run --debug",
        "```",
        "",
    ]


_CHOICES = [
    "## Sandbox choices",
    "",
    "- `MemoryDenyWriteExecute=yes`: CPython has no JIT and ctypes callbacks use libffi's",
    "  static trampolines, so ccxt, aiohttp, ssl and cryptography run under it. cffi's",
    "  `ffi.callback()` does not: set `[harden] memory_deny_write_execute = false` if the",
    "  bot needs it.",
    "- `ProcSubset=pid` hides /proc/meminfo and /proc/cpuinfo; remove it if the bot uses psutil.",
    "- Outbound TCP is only `[harden] egress_tcp_ports` (default 443). Binance's websocket",
    "  streams also listen on 9443: add it there if the bot uses them on that port.",
    "- `IPAddressDeny=169.254.0.0/16` keeps the bot away from the cloud metadata service.",
    "- The bot cannot write the botguard state dir: a compromised bot must not be able to",
    "  lower the halt flag that stops it.",
    "- The bot's workdir is read-only: list what it writes in `[harden] writable_paths`;",
    "  its own state belongs in `/var/lib/<bot.name>` (StateDirectory=).",
    "",
]


def _freqtrade_notes(config: Config) -> list[str]:
    """What a freqtrade bot needs that botguard cannot set for it (its own flags)."""
    if config.bot.framework != "freqtrade":
        return []
    notify = "on" if config.harden.notify else "off (`[harden] notify = true` turns it on)"
    return [
        "## freqtrade",
        "",
        "- `user_data` under the workdir is writable (data, logs, strategies).",
        f"- Keep its database in the state directory: add `--db-url sqlite:////var/lib/"
        f"{config.bot.name}/tradesv3.sqlite` to `[bot] command` (the default, next to the",
        "  workdir, is read-only).",
        f"- `--sd-notify` needs Type=notify, which is {notify}.",
        "",
    ]


def render_readme(config: Config, files: list[HardenFile]) -> str:
    """The README text."""
    lines = [
        f"# Hardened deployment for {config.bot.name}",
        "",
        f"Written by `botguard harden` from `{config.path}`. Nothing here is active until",
        "you install it, with the commands below or with `botguard harden --apply`, which",
        "shows a diff of each target file and asks first (it copies files; it runs none of",
        "the commands).",
        "",
        *_file_table(files),
        "",
        *_install_steps(config, files),
        *_CHOICES,
        *_freqtrade_notes(config),
    ]
    return "\n".join(lines)
