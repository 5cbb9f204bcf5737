"""host.clock_synced: a time-sync daemon is configured, and the clock agrees with the exchange.

Signed requests carry a timestamp; Binance refuses one more than recvWindow
(5 s by default, often set to 1 s) away from its own clock. So besides the
daemon, the skew is measured against the first account's exchange, through
the exchange's own server-time endpoint (ccxt `fetch_time`), and must stay
under 1 s. The local reading is the midpoint of the request, so the network's
round trip adds at most half of itself to the error; that bound is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from botguard.audit.model import Context, Outcome, host_check
from botguard.config import AccountConfig
from botguard.errors import BotguardError
from botguard.findings import Severity, Status

MAX_SKEW_S = 1.0
FETCH_TIMEOUT_MS = 5000
SYNC_CONFIGS = {
    "/etc/systemd/timesyncd.conf": "systemd-timesyncd",
    "/etc/systemd/timesyncd.conf.d": "systemd-timesyncd",
    "/etc/chrony/chrony.conf": "chrony",
    "/etc/chrony.conf": "chrony",
    "/etc/ntp.conf": "ntp",
    "/etc/ntpsec/ntp.conf": "ntpsec",
    "/etc/openntpd/ntpd.conf": "openntpd",
}


@dataclass(frozen=True, slots=True)
class Skew:
    """Exchange time minus local time, and the bound on the error of that reading."""

    exchange: str
    skew_s: float
    error_s: float


PROCESSES = {
    "systemd-timesyn": "systemd-timesyncd",  # /proc/PID/comm keeps 15 characters
    "chronyd": "chrony",
    "ntpd": "ntp",
    "openntpd": "openntpd",
}


def sync_daemon(ctx: Context) -> str | None:
    """The time-sync daemon configured under the root, if any."""
    for path, name in SYNC_CONFIGS.items():
        if (ctx.root / path.lstrip("/")).exists():
            return name
    return None


def running_daemons(proc: Path) -> set[str]:
    """Time-sync daemons among the running processes (by /proc/PID/comm)."""
    found = set()
    for comm in proc.glob("[0-9]*/comm"):
        try:
            name = comm.read_text().strip()
        except OSError:
            continue
        if name in PROCESSES:
            found.add(PROCESSES[name])
    return found


def daemon_part(ctx: Context) -> tuple[bool, str]:
    """(ok, evidence): configured under the root; on the live host also running."""
    daemon = sync_daemon(ctx)
    if daemon is None:
        return False, "no timesyncd, chrony or ntp configuration found"
    if not ctx.live:
        return True, f"{daemon} configured"
    running = running_daemons(Path("/proc"))
    if not running:
        return False, f"{daemon} configured but no time-sync daemon is running"
    return True, f"{', '.join(sorted(running))} running"


async def measure_skew(account: AccountConfig, ctx: Context) -> Skew:
    """One `fetch_time` round trip against the account's exchange (or its base_url)."""
    from botguard.venues.connect import open_exchange
    from botguard.venues.errors import translate

    exchange = open_exchange(account, timeout=FETCH_TIMEOUT_MS)
    try:
        before, start = ctx.clock.now(), ctx.clock.monotonic()
        try:
            server_ms = await exchange.fetch_time()
        except Exception as exc:
            raise translate(exc) from None
        rtt = ctx.clock.monotonic() - start
    finally:
        await exchange.close()
    local = before + timedelta(seconds=rtt / 2)
    server = datetime.fromtimestamp(int(server_ms) / 1000, UTC)
    return Skew(account.exchange, (server - local).total_seconds(), rtt / 2)


async def _skew_part(ctx: Context) -> tuple[bool | None, str]:
    """(within bound, evidence); None when the skew could not be measured."""
    if not ctx.config.account:
        return None, "skew not measured: no [[account]] to ask for the exchange's time"
    account = ctx.config.account[0]
    try:
        skew = await measure_skew(account, ctx)
    except BotguardError as exc:
        line = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        return None, f"could not read {account.exchange}'s server time ({line})"
    ok = abs(skew.skew_s) < MAX_SKEW_S
    return ok, (
        f"skew vs {skew.exchange} {skew.skew_s:+.3f} s (±{skew.error_s:.3f} s, "
        f"limit {MAX_SKEW_S:.0f} s)"
    )


@host_check(
    "host.clock_synced",
    "the clock is synchronised (signed requests need < 1 s skew)",
    Severity.MEDIUM,
    "`apt-get install systemd-timesyncd` (or chrony) and `timedatectl set-ntp true`",
)
async def clock_synced(ctx: Context) -> Outcome:
    """A sync daemon configured (and running, live), and |exchange - local time| < 1 s."""
    daemon_ok, said = daemon_part(ctx)
    ok, skew = await _skew_part(ctx)
    evidence = f"{said}; {skew}"
    if not daemon_ok or ok is False:
        return Outcome(Status.FAIL, evidence)
    if ok is None and ctx.config.account:
        return Outcome(Status.ERROR, evidence)
    return Outcome(Status.PASS, evidence)
