"""`botguard demo`, step by step: sim, workspace, bot, audit, scan, kill, what next.

Every step calls the same library code the commands use (run_audit, run_scan,
kill) on a real config, against a real `botguard sim` over HTTP, with a real bot
process and a real git repository. Whatever happens (failure, Ctrl-C) the bot is
stopped and reaped, the sim shut down and the temp workspace removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from botguard.demo import show
from botguard.demo.botproc import BotProcess
from botguard.demo.workspace import ACCOUNT, KEEP, RepoHistory, Workspace, new_credential
from botguard.errors import BotguardError, UsageError
from botguard.secrets.redact import redact

if TYPE_CHECKING:
    from rich.console import Console

    from botguard.config import Config
    from botguard.kill.report import KillReport
    from botguard.secrets.secret import Secret
    from botguard.sim.embedded import SimHandle

STEPS = 7
SIM_LATENCY_MS = 20
"""Per-request latency of the sim: a VPS near the exchange, so the timings mean something."""
BOT_START_TIMEOUT_S = 45.0


@dataclass
class Demo:
    """One run of the story; holds what cleanup needs even after a failure."""

    console: Console
    root: Path
    api_key: Secret = field(default_factory=lambda: new_credential("demo:EX_API_KEY"))
    secret: Secret = field(default_factory=lambda: new_credential("demo:EX_API_SECRET"))
    exchange: str = "binance"
    """Which exchange's wire protocol the sim speaks for the demo account."""
    passphrase: Secret | None = None
    """OKX keys have a passphrase (made in __post_init__ for OKX)."""
    bot: BotProcess | None = None
    step_now: str = "start"
    interrupted: bool = False
    """Ctrl-C was pressed: set by our SIGINT handler, checked at every step's start, so
    a cancellation that CPython 3.11's asyncio loses (its wait_for race) still stops us."""
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.exchange == "okx" and self.passphrase is None:
            self.passphrase = new_credential("demo:EX_API_PASSWORD")

    def begin(self, n: int, title: str, why: str) -> float:
        """A rule with the step's title and a line saying why; returns the start time."""
        if self.interrupted:
            raise KeyboardInterrupt
        self.step_now = f"step {n} ({title})"
        self.console.print()
        self.console.rule(f"[bold cyan]{n}/{STEPS}  {title}", align="left")
        self.console.print(why, style="dim", highlight=False)
        return time.monotonic()

    def done(self, title: str, t0: float) -> None:
        """The step's closing line with its duration."""
        self.console.print(f"[green]✓[/] {title} [dim]({time.monotonic() - t0:.2f} s)[/]")

    @contextlib.contextmanager
    def step(self, n: int, title: str, why: str) -> Iterator[None]:
        """begin() ... done() around a block."""
        t0 = self.begin(n, title, why)
        yield
        self.done(title, t0)

    async def story(self) -> int:
        """Steps 1-7; the exit code is the kill's: 0 only when verified flat."""
        _on_ctrl_c(self)
        self.console.print(show.intro(), soft_wrap=False)
        async with self.sim() as sim:
            try:
                ws, history, cfg = await self.workspace(sim.url)
                await self.start_bot(ws, cfg, sim.url)
                await self.audit(cfg)
                await self.scan(ws, cfg, history)
                report = await self.kill(cfg, sim)
            finally:
                if self.bot is not None:
                    await asyncio.to_thread(self.bot.stop)
        with self.step(7, "What to do next on a real account", "The same commands, your key."):
            self.console.print(show.next_steps(), soft_wrap=False)
        return self.verdict(report)

    @contextlib.asynccontextmanager
    async def sim(self) -> AsyncIterator[SimHandle]:
        """Step 1: the sim in this process, on a free loopback port."""
        from botguard.demo.workspace import scenario
        from botguard.sim.embedded import start_sim

        name = {"binance": "Binance", "okx": "OKX v5", "bybit": "Bybit v5"}[self.exchange]
        why = (
            f"botguard sim speaks {name}'s wire protocol (spot + USDT perps) with real HMAC checks."
        )
        title = "Start the simulated exchange"
        t0 = self.begin(1, title, why)
        world = scenario(
            self.api_key, self.secret, exchange=self.exchange, passphrase=self.passphrase
        )
        async with start_sim(world, latency_ms=SIM_LATENCY_MS) as sim:
            self.console.print(
                f"sim on {sim.url}, {SIM_LATENCY_MS} ms per request\n"
                f"account {ACCOUNT!r}: 100000 USDT + 1 BNB spot, 100000 USDT futures\n"
                "its API key: a fresh random 64-character value (never shown), with\n"
                "[bold red]withdrawals ENABLED[/] and [bold red]no IP whitelist[/]"
            )
            self.done(title, t0)
            yield sim

    async def workspace(self, sim_url: str) -> tuple[Workspace, RepoHistory, Config]:
        """Step 2: botguard.toml, .env (mode 600) and the bot's repo with a leaky past."""
        from botguard.config import load_config
        from botguard.demo.workspace import write_workspace

        why = "What `botguard init` would give you, plus a bot repo that once committed its key."
        with self.step(2, "Make a workspace", why):
            ws, history = await asyncio.to_thread(
                write_workspace, self.root, sim_url=sim_url, api_key=self.api_key,
                secret=self.secret, exchange=self.exchange, passphrase=self.passphrase,
            )  # fmt: skip
            cfg = load_config(ws.config)
            self.console.print(show.workspace_table(ws, cfg, history))
        return ws, history, cfg

    async def start_bot(self, ws: Workspace, cfg: Config, sim_url: str) -> None:
        """Step 3: the sample bot opens its book; show what is at risk."""
        from botguard.kill.drill import live_exposure

        why = "A real process trading over HTTP: spot buys, resting bids, perps, a stop."
        with self.step(3, "Start the sample bot", why):
            self.bot = BotProcess.start(ws, sim_url=sim_url, api_key=self.api_key,
                                        secret=self.secret, exchange=self.exchange,
                                        passphrase=self.passphrase)  # fmt: skip
            took = await self.bot.wait_trading(timeout_s=BOT_START_TIMEOUT_S)
            self.console.print(f"bot pid {self.bot.pid} opened its book in {took:.1f} s")
            (exposure,) = await live_exposure(cfg)
            self.console.print(show.exposure_table(exposure, cfg.account[0].quote))
            self.console.print(show.exposure_summary(exposure), highlight=False)

    async def audit(self, cfg: Config) -> None:
        """Step 4: `botguard audit --only key,secrets,kill`."""
        from botguard.audit import run_audit
        from botguard.findings import Status
        from botguard.report.text import summary

        why = "The checklist against the exchange's own view of the key and this workspace."
        with self.step(4, "botguard audit --only key,secrets,kill", why):
            report = await run_audit(cfg, only=("key", "secrets", "kill"))
            self.console.print(show.findings_table(report.findings))
            failing = sum(1 for f in report.findings if f.status is Status.FAIL)
            self.console.print(
                f"{summary(report.findings)}: botguard audit would exit "
                f"{report.exit_code} ({failing} failing)",
                highlight=False,
            )

    async def scan(self, ws: Workspace, cfg: Config, history: RepoHistory) -> None:
        """Step 5: `botguard scan --history` on the bot's repo."""
        from botguard.scan.run import ScanRequest, run_scan
        from botguard.secrets.refs import resolve_account

        why = "Known values from the config, in every encoding, in every commit on any ref."
        with self.step(5, "botguard scan --history gridbot/", why):
            secrets = list(resolve_account(cfg.account[0]).values())
            request = ScanRequest(paths=(ws.repo,), history=True, min_prefix=cfg.scan.min_prefix)
            leaks = await asyncio.to_thread(run_scan, request, secrets)
            self.console.print(show.leaks_table(leaks, removed_in=history.removed))
            in_history = [leak for leak in leaks if leak.commit]
            if in_history:
                self.console.print(
                    f"[bold red]{len(in_history)} leak(s) in git history[/]: deleting the file "
                    "did not remove the key.\nRotate the key, then rewrite history (filter-repo)."
                )

    async def kill(self, cfg: Config, sim: SimHandle) -> KillReport:
        """Step 6: `botguard kill --yes`, then an independent look at the exchange's books."""
        from botguard.demo.phases import kill_phases
        from botguard.kill import kill

        why = "Halt the bot, cancel every order (stops too), flatten all but keep, verify flat."
        with self.step(6, "botguard kill --yes", why):
            report = await kill(cfg, reason="botguard demo")
            self.console.print(show.kill_table(report))
            phases = kill_phases(cfg.state.dir, report.run_id)
            self.console.print(show.timings_table(phases))
            self.console.print(show.exchange_view(sim.state()["accounts"][ACCOUNT]))
            self.console.print(self.kill_line(report, phases))
        return report

    def kill_line(self, report: KillReport, phases: list[tuple[str, float]]) -> str:
        """One line: verified flat in N s, and whether the bot process is gone."""
        total = dict(phases).get("total", report.timings.get("total_s", 0.0))
        bot = self.bot
        gone = bot is not None and not bot.is_running()
        state = f"bot pid {bot.pid} {'exited' if gone else 'STILL RUNNING'}" if bot else ""
        if report.exit_code == 0:
            return (
                f"[bold green]verified flat in {total:.2f} s[/] (keep: {', '.join(KEEP)}); {state}"
            )
        return f"[bold red]NOT flat: {report.status}[/] after {total:.2f} s; {state}"

    def verdict(self, report: KillReport) -> int:
        """0 when the kill verified flat; otherwise its exit code and one clear line."""
        took = time.monotonic() - self.started
        if report.exit_code == 0:
            self.console.print(f"\n[bold green]demo complete in {took:.1f} s[/]: "
                               "the kill switch verified the account flat.")  # fmt: skip
            return 0
        raise DemoFailed(
            f"demo: the kill switch did not verify the account flat ({report.status}); "
            "see the kill table above",
            report.exit_code,
        )


class DemoFailed(BotguardError):
    """The story did not complete; carries the exit code to return."""

    def __init__(self, message: str, exit_code: int = 3) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _on_ctrl_c(demo: Demo) -> None:
    """Ctrl-C cancels the story and is remembered (asyncio.run's own handler only cancels)."""
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def interrupt() -> None:
        demo.interrupted = True
        if task is not None:
            task.cancel()

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
        loop.add_signal_handler(signal.SIGINT, interrupt)


def workspace_root(keep: Path | None) -> Path:
    """A fresh temp dir, or `keep` (which must be absent or empty)."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="botguard-demo-"))
    if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
        raise UsageError(f"--keep-workspace {keep}: not an empty directory; pick a new path")
    keep.mkdir(parents=True, exist_ok=True, mode=0o700)
    return keep.resolve()


def run_demo(console: Console, *, keep: Path | None = None, exchange: str = "binance") -> int:
    """Tell the whole story; always stop the bot and remove the workspace (unless kept)."""
    demo = Demo(console, workspace_root(keep), exchange=exchange)
    try:
        return asyncio.run(demo.story())
    except DemoFailed:
        raise
    except BotguardError as exc:
        raise DemoFailed(f"demo failed at {demo.step_now}: {exc}", exc.exit_code) from None
    except Exception as exc:  # a bug or an unexpected failure: one line, never a traceback
        line = (redact(str(exc)).splitlines() or [""])[0]
        raise DemoFailed(f"demo failed at {demo.step_now}: {type(exc).__name__}: {line}") from None
    except (KeyboardInterrupt, asyncio.CancelledError):
        if not demo.interrupted and not isinstance(sys.exc_info()[1], KeyboardInterrupt):
            raise
        demo.step_now += ": interrupted"
        raise KeyboardInterrupt from None
    finally:
        _clean_up(demo, keep)


def _clean_up(demo: Demo, keep: Path | None) -> None:
    """Reap the bot, remove the workspace (unless kept) and say so if interrupted."""
    if demo.bot is not None:
        demo.bot.stop()
    if keep is None:
        shutil.rmtree(demo.root, ignore_errors=True)
    else:
        demo.console.print(
            f"workspace kept in {demo.root} (its .env holds the sim's throwaway key)"
        )
    if demo.step_now.endswith(": interrupted"):
        # say what was cleaned up; cli.main adds the generic 'interrupted' line
        gone = "removed" if keep is None else "kept"
        sys.stderr.write(f"botguard: demo {demo.step_now}; bot stopped, sim shut down, "
                         f"workspace {gone}\n")  # fmt: skip
