"""build_bundle(): every file `botguard harden` writes, as values; write_bundle() saves them."""

from __future__ import annotations

from pathlib import Path

from botguard.config import Config
from botguard.errors import UsageError
from botguard.harden import firewall, polkit, ssh, units, updates
from botguard.harden.model import HardenFile, Kind, inside
from botguard.harden.readme import render_readme


def build_bundle(config: Config, *, botguard: str | None = None) -> list[HardenFile]:
    """All generated files, README last (it describes the others)."""
    exe = botguard or (str(config.harden.botguard) if config.harden.botguard else None)
    exe = exe or units.default_botguard()
    bot_unit = units.bot_unit_name(config)
    watch_unit = units.watch_unit_name(config)
    files = [
        HardenFile(
            f"systemd/{bot_unit}",
            Kind.UNIT,
            units.render_bot_unit(config, botguard=exe),
            "runs the bot as its own user in a sandbox, gated by `botguard run --check`",
            units.UNIT_DIR / bot_unit,
        ),
        HardenFile(
            f"systemd/{watch_unit}",
            Kind.UNIT,
            units.render_watch_unit(config, botguard=exe),
            "runs `botguard watch`, which trips the kill switch on anomalies",
            units.UNIT_DIR / watch_unit,
        ),
        HardenFile(
            "polkit/50-botguard-watch.rules",
            Kind.POLKIT,
            polkit.render_polkit_rule(config, unit=bot_unit),
            "lets the watchdog's user stop (only stop) the bot's unit when it trips",
            polkit.POLKIT_RULE,
        ),
        HardenFile(
            "ssh/10-botguard.conf",
            Kind.SSHD,
            ssh.render_sshd_dropin(config),
            "sshd drop-in: keys only, no root login, no keyboard-interactive",
            ssh.SSHD_DROPIN,
        ),
        HardenFile(
            "nftables/botguard.nft",
            Kind.NFT,
            firewall.render_ruleset(config),
            "firewall: SSH in; HTTPS, DNS, NTP out; everything else dropped",
            firewall.NFT_TARGET,
        ),
        HardenFile(
            "apt/20auto-upgrades",
            Kind.APT,
            updates.render_auto_upgrades(),
            "turns on the daily unattended-upgrades run",
            updates.AUTO_UPGRADES,
        ),
        HardenFile(
            "apt/52botguard-unattended-upgrades",
            Kind.APT,
            updates.render_origins(),
            "installs security updates (Debian and Ubuntu security origins)",
            updates.ORIGINS,
        ),
    ]
    readme = render_readme(config, files)
    return [*files, HardenFile("README.md", Kind.DOC, readme, "this file")]


def write_bundle(files: list[HardenFile], out: Path) -> list[Path]:
    """Write the files under `out` (created 0700: it may name users and paths).

    Everything is written to a scratch folder beside `out` first and moved into
    place only when all of it was written, so a failure leaves no partial bundle.
    """
    import shutil
    import tempfile

    for item in files:
        inside(out, item.name, option="--out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"--out {out}: a file is in the way; pass a directory path") from None
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create it ({exc.strerror})") from None
    try:
        for item in files:
            path = inside(scratch, item.name, option="--out")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(item.content, encoding="utf-8")
            path.chmod(item.mode)
        return _move_into(scratch, out, [item.name for item in files])
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write the files ({exc.strerror})") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _move_into(scratch: Path, out: Path, names: list[str]) -> list[Path]:
    """A new `out` is one rename; an existing one gets each file replaced in turn."""
    if not out.exists():
        scratch.rename(out)
        return [out / name for name in names]
    for name in names:
        dest = inside(out, name, option="--out")
        dest.parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).replace(inside(out, name, option="--out"))
    return [out / name for name in names]
