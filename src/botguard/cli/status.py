"""`botguard status`: one screen of what is configured, verified and missing.

Everything is read locally: the config, the journal (audits, drills), the halt
flag, the bot's heartbeat file and the process table. Nothing is sent to an
exchange, so status is instant and safe to run at any time. Each row that needs
work carries the one command (or edit) that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.cli.app import ConfigOption, app

if TYPE_CHECKING:
    from rich.table import Table

    from botguard.config import AccountConfig, Config
    from botguard.journal import Journal


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the status: what, its state, and the fix when something is missing."""

    what: str
    state: str
    fix: str = ""


@app.command("status")
def status_command(config: ConfigOption = None) -> int:
    """One screen of what is configured, verified and missing, each with its fix."""
    from botguard.config import load_config
    from botguard.secrets.console import make_console

    cfg = load_config(config)
    rows = status_rows(cfg)
    console = make_console(highlight=False)
    console.print(_table(cfg, rows))
    urgent = [row.fix for row in rows if row.fix and row.what == "halt flag"]
    todo = urgent + [row.fix for row in rows if row.fix]  # a raised halt flag comes first
    console.print(f"next: {todo[0]}" if todo else "next: nothing missing", markup=False)
    return 0


def status_rows(cfg: Config) -> list[Row]:
    """Every row, in the order a person sets botguard up."""
    rows = [_account_row(a) for a in cfg.account] or [
        Row("accounts", "none configured", "add an [[account]] to botguard.toml (`botguard init`)")
    ]
    rows.append(_bot_row(cfg))
    rows += _journal_rows(cfg)
    rows.append(_halt_row(cfg))
    rows += [_watch_row(cfg), _heartbeat_row(cfg)]
    return rows


def _table(cfg: Config, rows: list[Row]) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"botguard status ({cfg.path})", title_justify="left")
    table.add_column("what", no_wrap=True)
    table.add_column("state", overflow="fold", ratio=1)
    table.add_column("to fix", overflow="fold", ratio=1)
    for row in rows:
        table.add_row(escape(row.what), escape(row.state), escape(row.fix))
    return table


def _account_row(account: AccountConfig) -> Row:
    from botguard.errors import SecretError
    from botguard.secrets.refs import resolve_account
    from botguard.venues import venue_class

    where = f"on the simulator {account.base_url}" if account.base_url else "(live exchange)"
    verified = (
        "verified end to end on botguard sim"
        if venue_class(account.exchange).verified_end_to_end
        else "NOT verified end to end on botguard sim (kill and audit use ccxt's generic paths)"
    )
    state = f"{account.exchange} {where}, markets {', '.join(account.markets)}; {verified}"
    try:
        resolve_account(account)
    except SecretError as exc:
        return Row(f"account {account.name}", f"{state}; key unreadable: {exc}",
                   "fill in the key, then `botguard secrets check`")  # fmt: skip
    return Row(f"account {account.name}", f"{state}; key resolves")


def _bot_row(cfg: Config) -> Row:
    bot = cfg.bot
    if bot.service:
        return Row(f"bot {bot.name}", f"halted by stopping systemd unit {bot.service}")
    if bot.pidfile:
        return Row(f"bot {bot.name}", f"halted by signalling the pid in {bot.pidfile}")
    return Row(
        f"bot {bot.name}",
        "kill cannot stop it: no [bot] service or pidfile (orders are still cancelled)",
        "set [bot] service or pidfile in botguard.toml",
    )


def _journal_rows(cfg: Config) -> list[Row]:
    from botguard.journal import Journal

    if not (cfg.state.dir / "journal.sqlite3").exists():
        return [
            Row("last audit", "no audit recorded", "`botguard audit`"),
            Row("last drill", "no drill recorded", "`botguard drill`"),
        ]
    with Journal(cfg.state.dir) as journal:
        return [_audit_row(journal), _drill_row(journal)]


def _ago(when: datetime) -> str:
    minutes = int((datetime.now(UTC) - when).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago" if minutes < 48 * 60 else f"{minutes // 1440} days ago"


def _audit_row(journal: Journal) -> Row:
    from botguard.cli.audit import AUDIT_EVENT

    events = journal.events(AUDIT_EVENT)
    if not events:
        return Row("last audit", "no audit recorded", "`botguard audit`")
    last = events[-1]
    at = datetime.fromisoformat(last["at"])
    failing = [str(f) for f in last["detail"].get("failing", [])]
    counts = _counts(last["detail"].get("counts", {}))
    state = f"{at:%Y-%m-%d %H:%M} UTC ({_ago(at)}): {counts}"
    if not failing:
        return Row("last audit", state)
    shown = ", ".join(failing[:4]) + (f" and {len(failing) - 4} more" if len(failing) > 4 else "")
    return Row("last audit", f"{state}; failing: {shown}", "`botguard audit` shows each fix")


def _counts(counts: dict[str, int]) -> str:
    """`9 fail, 2 warn, 4 pass`: worst first, as the audit prints it."""
    from botguard.report.text import SUMMARY_ORDER

    return ", ".join(f"{counts[s.value]} {s.value}" for s in SUMMARY_ORDER if counts.get(s.value))


def _drill_row(journal: Journal) -> Row:
    from datetime import timedelta

    from botguard.audit.checks.kill import DRILL_DAYS, DRILL_ENDS
    from botguard.cli.drill import SCENARIO_KIND

    drills = journal.runs("drill")
    scenario = journal.runs(SCENARIO_KIND)
    note = f" (scenario drill {scenario[0].started_at:%Y-%m-%d}: not counted)" if scenario else ""
    if not drills:
        return Row("last drill", f"no drill of the real accounts{note}", "`botguard drill`")
    last = drills[0]
    state = f"{last.started_at:%Y-%m-%d %H:%M} UTC ({_ago(last.started_at)}): {last.status}"
    stale = datetime.now(UTC) - last.started_at > timedelta(days=DRILL_DAYS)
    if last.status not in DRILL_ENDS or stale:
        return Row("last drill", state, "`botguard drill`")
    return Row("last drill", state)


def _halt_row(cfg: Config) -> Row:
    from botguard.halt import halt_flag_path, read_halt

    halt = read_halt(cfg.state.dir)
    if halt is None:
        return Row("halt flag", "down: the bot may trade")
    path = halt_flag_path(cfg.state.dir)
    state = f"RAISED {halt.get('at', '')} by {halt.get('by', '?')}: {halt.get('reason', '')}"
    return Row("halt flag", state, f"check the account, then `rm {path}` to let the bot start")


def _watch_row(cfg: Config) -> Row:
    pids = watch_pids(cfg.path)
    if pids:
        return Row("watch", f"running for this config (pid {', '.join(map(str, pids))})")
    return Row("watch", "not running", "`botguard watch` (or the unit `botguard harden` writes)")


def watch_pids(config: Path, proc: Path = Path("/proc")) -> list[int]:
    """Pids of running `botguard watch` processes using this config (the process table)."""
    pids = []
    for entry in proc.glob("[0-9]*"):
        try:
            argv = [
                a.decode(errors="replace") for a in (entry / "cmdline").read_bytes().split(b"\0")
            ]
            watched = _watched_config(entry, argv)
        except OSError:
            continue
        if watched is not None and watched == config.resolve():
            pids.append(int(entry.name))
    return sorted(pids)


def _watched_config(entry: Path, argv: list[str]) -> Path | None:
    """The config a `botguard watch` process reads, or None when it is something else."""
    names = [Path(a).name for a in argv]
    start = next((i for i, n in enumerate(names) if n == "botguard"), None)
    if start is None or "watch" not in argv[start + 1 :]:
        return None
    args = argv[start + 1 :]
    explicit = next(
        (args[i + 1] for i, a in enumerate(args[:-1]) if a in {"-c", "--config"}),
        next((a.split("=", 1)[1] for a in args if a.startswith("--config=")), None),
    )
    if explicit is None:
        environ = (entry / "environ").read_bytes().split(b"\0")
        env = dict(e.decode(errors="replace").partition("=")[::2] for e in environ if b"=" in e)
        explicit = env.get("BOTGUARD_CONFIG") or "botguard.toml"
    return ((entry / "cwd").resolve() / explicit).resolve()


def _heartbeat_row(cfg: Config) -> Row:
    path, max_age = cfg.bot.heartbeat, cfg.guard.heartbeat_max_age_s
    if path is None:
        return Row("bot heartbeat", "not configured: watch cannot see a hung bot",
                   "set [bot] heartbeat (botguard run writes it)")  # fmt: skip
    try:
        age = datetime.now(UTC).timestamp() - path.stat().st_mtime
    except OSError:
        return Row(
            "bot heartbeat", f"{path} does not exist yet", "start the bot with `botguard run`"
        )
    state = f"{path} touched {age:.0f} s ago (watch trips after {max_age:.0f} s)"
    return Row("bot heartbeat", state, "" if age <= max_age else "is the bot running?")
