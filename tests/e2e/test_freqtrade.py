"""freqtrade, live against `botguard sim`, from audit to kill to restart (issue 14, Done when).

Everything is real: freqtrade 2026.9 in its own venv (`make freqtrade-env`; its ccxt pin
never touches botguard's), trading live (dry_run false) over HTTP against `botguard sim`
with every ccxt URL (websockets too) rebased to the sim and `enable_ws` off, under a real
`botguard run`; the real `botguard audit`, `botguard kill` and a restarted freqtrade.
Nothing downloads: pairs, markets and candles come from the sim.

The audit reads host settings from a fixture tree (`--root`), so its verdict does not
depend on this machine's sshd or firewall.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values

from botguard.testing.sim import SimHandle, run_sim
from botguard.venues.connect import rebase_urls

ROOT = Path(__file__).resolve().parents[2]
FT_VENV = Path(os.environ.get("BOTGUARD_FREQTRADE_VENV", ROOT / ".venv-freqtrade"))
FREQTRADE = FT_VENV / "bin" / "freqtrade"
STRATEGIES = ROOT / "tests" / "data" / "freqtrade"
HOST = ROOT / "tests" / "data" / "hosts" / "hardened"
BOTGUARD = [sys.executable, "-m", "botguard"]
KEY, SECRET = "ft-e2e-key-0123456789abcdef", "ft-e2e-secret-0123456789abcdef"
"""The sim account's key: written into config.json on purpose (the audit must flag it)."""
FT_CHECKS = ("host.framework_api", "secrets.not_in_framework_config")
PAIRS = {"spot": ["BTC/USDT", "ETH/USDT"], "futures": ["BTC/USDT:USDT", "ETH/USDT:USDT"]}

pytestmark = [
    pytest.mark.freqtrade,
    pytest.mark.slow,
    pytest.mark.skipif(
        not FREQTRADE.exists(),
        reason=f"no freqtrade at {FREQTRADE}: run `make freqtrade-env` (.ci/run does)",
    ),
]


@pytest.fixture(scope="module")
def ccxt_urls() -> dict[str, Any]:
    """ccxt.pro's binance `urls['api']` as freqtrade's own ccxt has them (REST and ws)."""
    code = "import ccxt.pro, json; print(json.dumps(ccxt.pro.binance().urls['api']))"
    out = subprocess.run(
        [str(FT_VENV / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    urls: dict[str, Any] = json.loads(out.stdout)
    return urls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Bot:
    """One freqtrade set-up in tmp_path: its config, botguard.toml, and the API client."""

    def __init__(self, tmp_path: Path, sim: SimHandle, mode: str, urls: dict[str, Any]) -> None:
        self.dir, self.sim, self.mode = tmp_path, sim, mode
        self.port = free_port()
        self.ft_config = tmp_path / "config.json"
        self.config = tmp_path / "botguard.toml"
        (tmp_path / "user_data").mkdir()
        (tmp_path / "run").mkdir()
        self.ft_config.write_text(json.dumps(self._ft_config(urls), indent=2), encoding="utf-8")
        self.config.write_text(self._botguard_toml(), encoding="utf-8")
        self.password = ""
        """The API server's password: empty until `init --fix-api-server` makes one."""

    def _ft_config(self, urls: dict[str, Any]) -> dict[str, Any]:
        """A user's live config: key in the file, API server open, every URL at the sim."""
        pricing = {"price_side": "other", "use_order_book": True, "order_book_top": 1}
        return {
            "max_open_trades": 2, "stake_currency": "USDT", "stake_amount": 100,
            "tradable_balance_ratio": 0.99, "fiat_display_currency": "", "dry_run": False,
            "trading_mode": self.mode,
            "margin_mode": "isolated" if self.mode == "futures" else "",
            "entry_pricing": pricing, "exit_pricing": pricing,
            "order_types": {"entry": "limit", "exit": "market", "stoploss": "market",
                            "stoploss_on_exchange": False},
            "unfilledtimeout": {"entry": 10, "exit": 10, "unit": "minutes"},
            "exchange": {
                "name": "binance", "key": KEY, "secret": SECRET,
                "ccxt_config": {"urls": {"api": rebase_urls(urls, self.sim.url)}},
                "enable_ws": False,  # the sim refuses websockets (404): candles over REST
                "pair_whitelist": PAIRS[self.mode], "pair_blacklist": [],
            },
            "pairlists": [{"method": "StaticPairList"}],
            "api_server": {
                "enabled": True, "listen_ip_address": "0.0.0.0",  # noqa: S104 - flagged
                "listen_port": self.port,
                "username": "freqtrader", "password": "",
                "CORS_origins": [], "verbosity": "error", "enable_openapi": False,
            },
            "bot_name": f"e2e-{self.mode}", "initial_state": "running",
            "internals": {"process_throttle_secs": 1, "heartbeat_interval": 0},
            "telegram": {"enabled": False, "token": "", "chat_id": ""},
            "db_url": f"sqlite:///{self.dir / 'tradesv3.sqlite'}",
            "user_data_dir": str(self.dir / "user_data"),
            "strategy": "E2EAlwaysBuy", "strategy_path": str(STRATEGIES),
        }  # fmt: skip

    def command(self) -> list[str]:
        return [str(FREQTRADE), "trade", "-c", str(self.ft_config)]

    def adopt_init(self, made: dict[str, Any]) -> None:
        """Use what `init --from-freqtrade` wrote: its secret references, ids and URL.

        Only what a test machine must differ in stays ours (freqtrade's path, the state
        dir, the pid file, kill timings); the rest is init's, so `run` and `kill` below
        work through the references init made and nothing else."""
        (account,) = made["account"]
        bot = made["bot"]
        refs = {k: account[k] for k in ("api_key", "secret")}
        self.config.write_text(
            self._botguard_toml(
                refs=refs, prefixes=bot["client_id_prefixes"], secrets=bot.get("secrets", []),
                base_url=account["base_url"], markets=account["markets"],
            ),
            encoding="utf-8",
        )  # fmt: skip
        secrets = dotenv_values(self.dir / ".env")
        self.password = secrets.get("FREQTRADE__API_SERVER__PASSWORD") or ""

    def _botguard_toml(
        self,
        *,
        refs: dict[str, str] | None = None,
        prefixes: list[str] | None = None,
        secrets: list[str] | None = None,
        base_url: str | None = None,
        markets: list[str] | None = None,
    ) -> str:
        argv = json.dumps(self.command())
        refs = refs or {"api_key": "env:FREQTRADE__EXCHANGE__KEY",
                        "secret": "env:FREQTRADE__EXCHANGE__SECRET"}  # fmt: skip
        prefixes = prefixes or ["x-TKT5PX2F", "x-cvBPrNm9"]
        markets = markets or ["spot" if self.mode == "spot" else "swap"]
        return f"""
[bot]
name = "ft-e2e"
workdir = "{self.dir}"
command = {argv}
pidfile = "{self.dir / "run" / "bot.pid"}"
framework = "freqtrade"
framework_config = ["{self.ft_config}"]
client_id_prefixes = {json.dumps(prefixes)}
secrets = {json.dumps(secrets or [])}

[state]
dir = "{self.dir / "state"}"

[kill]
grace_s = 20
deadline_s = 40

[[account]]
name = "main"
exchange = "binance"
base_url = "{base_url or self.sim.url}"
api_key = "{refs["api_key"]}"
secret = "{refs["secret"]}"
markets = {json.dumps(markets)}
"""

    def api(self, method: str, path: str) -> Any:
        """freqtrade's REST API on loopback (basic auth)."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/{path}", method=method
        )
        token = base64.b64encode(f"freqtrader:{self.password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    def try_api(self, path: str) -> Any:
        try:
            return self.api("GET", path)
        except OSError:
            return None


def env(**extra: str) -> dict[str, str]:
    """This environment without any FREQTRADE__ variable, plus `extra`: after init the
    keys reach freqtrade only through what `botguard run` hands over from the .env."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("FREQTRADE__")}
    out.update(extra)
    return out


def spawn(
    argv: list[str], out: Path, environ: dict[str, str], started: list[subprocess.Popen[str]]
) -> subprocess.Popen[str]:
    """Start a process whose output goes to `out` (a pipe nobody reads blocks it once full)."""
    with out.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            argv, env=environ, cwd=out.parent, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
    started.append(proc)
    return proc


def wait_for(
    what: str, probe: Callable[[], Any], proc: subprocess.Popen[str], timeout_s: float = 90.0
) -> Any:
    """Poll until probe() is truthy while `proc` lives; generous: freqtrade imports pandas
    under load."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = probe()
        if value:
            return value
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode} before {what}: {proc.args}")
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def botguard(
    *args: str, timeout_s: float = 120.0, cwd: Path = ROOT, environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BOTGUARD, *args], env=env(**(environ or {})), capture_output=True, text=True,
        timeout=timeout_s,
        cwd=cwd,
    )  # fmt: skip


def settled_trades(bot: Bot) -> list[dict[str, Any]] | None:
    """Both trades open, BTC's filled, ETH's entry resting unfilled; else None."""
    status = bot.try_api("status")
    if not isinstance(status, list) or len(status) < len(PAIRS[bot.mode]):
        return None
    resting = {t["pair"].split("/")[0]: t.get("has_open_orders") for t in status}
    return status if resting == {"BTC": False, "ETH": True} else None


def exposure(state: dict[str, Any], mode: str) -> dict[str, Any]:
    """What the sim's own books hold for the account: orders, positions, spot coins."""
    account = state["accounts"]["main"]
    coins = {a: b for a, b in account["spot"].items() if a != "USDT" and float(b["free"]) > 0}
    return {
        "orders": account["open_orders"],
        "positions": [p for p in account["positions"] if float(p["positionAmt"]) != 0],
        "coins": coins if mode == "spot" else {},
    }


def bot_coins_sold(coins: dict[str, Any], state: dict[str, Any], own: dict[str, str]) -> bool:
    """What the bot bought is sold: beyond the account's own holdings (which `flatten =
    "all"` sells too and `"bot"` keeps) less than a dollar is left (dust below the step)."""
    return all(
        (float(b["free"]) - float(own.get(a, "0"))) * float(state["prices"][f"{a}/USDT"]) < 1
        for a, b in coins.items()
    )


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.mark.parametrize("mode", ["spot", "futures"])
def test_freqtrade_from_audit_to_kill_to_restart(
    tmp_path: Path, mode: str, ccxt_urls: dict[str, Any], started: list[subprocess.Popen[str]]
) -> None:
    # The account also holds BTC the bot never bought: the kill sells all of it, so
    # freqtrade cannot readopt that sell as its own (its amount differs from the trade's).
    spot = {"USDT": "10000", "BTC": "0.01"}
    scenario = {"account": [{"name": "main", "api_key": KEY, "secret": SECRET, "spot": spot,
                             "futures": {"USDT": "10000"}}]}  # fmt: skip
    with run_sim(scenario) as sim:
        bot = Bot(tmp_path, sim, mode, ccxt_urls)
        config = str(bot.config)

        # The audit flags the API server (0.0.0.0, empty password) and the key in the file.
        keys = {"FREQTRADE__EXCHANGE__KEY": KEY, "FREQTRADE__EXCHANGE__SECRET": SECRET}
        audit = botguard(
            "audit", "--config", config, "--root", str(HOST), "--format", "json", environ=keys
        )
        assert audit.returncode == 1, audit.stderr
        findings = {f["id"]: f for f in json.loads(audit.stdout)["findings"]}
        for check_id in FT_CHECKS:
            assert findings[check_id]["status"] == "fail", findings[check_id]
        assert "0.0.0.0" in findings["host.framework_api"]["evidence"]  # noqa: S104
        assert "exchange.key" in findings["secrets.not_in_framework_config"]["evidence"]

        # init --from-freqtrade fixes both: keys out of config.json into a mode-600 .env,
        # the API server on loopback with strong secrets.
        made_at = tmp_path / "made" / "botguard.toml"
        made_at.parent.mkdir()
        init = botguard("init", "--from-freqtrade", str(bot.ft_config), "--fix-api-server",
                        "--dir", str(tmp_path), "--config", str(made_at), cwd=tmp_path)  # fmt: skip
        assert init.returncode == 0, init.stdout + init.stderr
        assert KEY not in bot.ft_config.read_text(encoding="utf-8")
        assert oct((tmp_path / ".env").stat().st_mode & 0o777) == "0o600"
        made = tomllib.loads(made_at.read_text(encoding="utf-8"))
        assert made["bot"]["framework"] == "freqtrade"
        assert made["account"][0]["base_url"] == sim.url  # ccxt_config's URLs were the sim's
        bot.adopt_init(made)
        audit = botguard("audit", "--config", config, "--root", str(HOST), "--format", "json")
        findings = {f["id"]: f for f in json.loads(audit.stdout)["findings"]}
        for check_id in FT_CHECKS:
            assert findings[check_id]["status"] == "pass", findings[check_id]
        failing = [f"--allow={i}" for i, f in findings.items() if f["status"] in ("fail", "error")]
        assert not set(FT_CHECKS) & {a.removeprefix("--allow=") for a in failing}

        run_argv = [*BOTGUARD, "run", "--config", config, "--root", str(HOST), *failing]
        run = spawn(run_argv, tmp_path / "run.out", env(), started)
        trades = wait_for("freqtrade's trades", lambda: settled_trades(bot), run)
        assert {t["pair"] for t in trades} == set(PAIRS[mode])
        # Item 7: every ccxt URL freqtrade has (websockets too) is the sim's, and with
        # enable_ws off it never opens one (the sim would refuse it: 404).
        assert set(_hosts(json.loads(bot.ft_config.read_text())["exchange"]["ccxt_config"])) == {
            sim.url.removeprefix("http://")
        }
        assert not [e for e in sim.log() if e["path"].startswith(("/ws", "/stream"))]
        held = exposure(sim.state(), mode)
        assert held["positions" if mode == "futures" else "coins"]
        assert [o["symbol"] for o in held["orders"]] == ["ETHUSDT"]

        # The kill: halt (freqtrade asked to stop over its API, then SIGTERM), flat, exit 0.
        killed_at = time.monotonic()
        kill = botguard("kill", "--yes", "--config", config)
        kill_s = time.monotonic() - killed_at
        assert kill.returncode == 0, kill.stdout + kill.stderr
        run.wait(timeout=60)
        state = sim.state()
        flat = exposure(state, mode)
        assert flat["orders"] == []
        assert flat["positions"] == []
        assert bot_coins_sold(flat["coins"], state, own={"BTC": spot["BTC"]}), flat["coins"]
        print(f"{mode}: kill took {kill_s:.2f} s\n{kill.stdout}")
        # Item 3: freqtrade accepted stopentry and stop before its SIGTERM; item 4: it
        # dropped the trades the kill closes.
        assert f"freqtrade (API 127.0.0.1:{bot.port}): stopentry, stop; dropped" in kill.stdout

        # A restarted freqtrade agrees with the exchange: no open trade for what the kill
        # closed, no zero-amount trade in a slot, and no order loop.
        orders_before = len([e for e in sim.log() if "order" in e["path"] and e["method"] != "GET"])
        handed = {k: v or "" for k, v in dotenv_values(tmp_path / ".env").items()}
        restart = spawn(
            bot.command(), tmp_path / "restart.out", env(E2E_NO_ENTRIES="1", **handed), started
        )
        begun = time.time()
        wait_for(
            "the restarted freqtrade's loop", lambda: _looped_since(bot, begun, times=5), restart
        )
        assert bot.api("GET", "status") == []
        kept = bot.api("GET", "trades")["trades"]
        assert not [t for t in kept if t["is_open"] or not t["amount"]], kept
        orders_after = len([e for e in sim.log() if "order" in e["path"] and e["method"] != "GET"])
        assert orders_after == orders_before
        assert exposure(sim.state(), mode) == flat
        assert " - ERROR - " not in (tmp_path / "restart.out").read_text(encoding="utf-8")


def _hosts(tree: Any) -> Iterator[str]:
    """host:port of every URL in a nested config tree."""
    if isinstance(tree, dict):
        for value in tree.values():
            yield from _hosts(value)
    elif isinstance(tree, str) and "://" in tree:
        yield tree.split("://", 1)[1].split("/", 1)[0]


def _looped_since(bot: Bot, since: float, *, times: int) -> bool:
    """freqtrade's main loop has run `times` throttle periods after `since` (its health)."""
    health = bot.try_api("health")
    if not isinstance(health, dict) or not health.get("last_process_ts"):
        return False
    return float(health["last_process_ts"]) > since + times
