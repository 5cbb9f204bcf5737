"""Inside a bot, botguard redacts as a guest: through the bot's handlers, lazily, undoably.

Each test runs a fresh interpreter acting as the bot, so the suite's own process-wide
install_redaction() (conftest) cannot mask what the library does on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from botguard.secrets.redact import MASK
from botguard.testing.canary import CANARIES

BOT_PREAMBLE = """
import logging, sys
import botguard

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="BOT %(levelname)s %(message)s")
seen = []

class Structured(logging.Handler):
    '''A third-party handler that reads the record itself, as error trackers do.'''
    def emit(self, record):
        seen.append((record.msg, record.args))

logging.getLogger("thirdparty").addHandler(Structured())
root = logging.getLogger()
bot_handler = root.handlers[0]
bot_formatter = bot_handler.formatter
log = logging.getLogger("bot")
key = botguard.resolve_secret("env:BOTGUARD_CANARY_SECRET").reveal()
"""

BOT_REPORT = """
log.info("after uninstall %s", "plain")
print("seen", seen)
print("restored", bot_handler.formatter is bot_formatter, type(late.formatter).__name__,
      "addHandler" in vars(root))
"""

GUARD_BOT = (
    BOT_PREAMBLE
    + """
import ccxt
from botguard.guard.policy import Policy

exchange = botguard.guard(ccxt.binance(), Policy())
log.info("trading with %s", key)
logging.getLogger("thirdparty").warning("order %s", 42)
late = logging.StreamHandler(sys.stdout)
late.setFormatter(logging.Formatter("LATE %(message)s"))
root.addHandler(late)
log.info("late handler sees %s", key)
from botguard.guard import guard_of
guard_of(exchange).log_redaction.uninstall()
"""
    + BOT_REPORT
)


def run_bot(script: str, cwd: Path) -> str:
    """The bot script's stdout; fails the test on a crash or on any canary in its output."""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, **CANARIES},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not [n for n, v in CANARIES.items() if v in proc.stdout + proc.stderr]
    return proc.stdout


def test_guard_redacts_the_bots_own_handlers_then_uninstalls(tmp_path: Path) -> None:
    out = run_bot(GUARD_BOT, tmp_path)
    assert f"BOT INFO trading with {MASK}" in out
    assert f"LATE late handler sees {MASK}" in out  # a handler added to root afterwards
    assert "BOT INFO after uninstall plain" in out
    assert "seen [('order %s', (42,))]" in out  # the record reached it as logged
    assert "restored True Formatter False" in out


KILLSWITCH_BOT = (
    BOT_PREAMBLE
    + """
import asyncio, os
from pathlib import Path
from botguard.config import parse_config
from botguard.testing.sim import run_sim

account = {"name": "main", "api_key": "env:BOTGUARD_CANARY_API_KEY",
           "secret": "env:BOTGUARD_CANARY_SECRET"}
sim_account = {"name": "main", "api_key": os.environ["BOTGUARD_CANARY_API_KEY"],
               "secret": os.environ["BOTGUARD_CANARY_SECRET"], "spot": {"USDT": "100"}}
late = bot_handler

async def main(url):
    raw = {"bot": {"name": "gridbot"}, "state": {"dir": STATE},
           "account": [{**account, "exchange": "binance", "markets": ["spot"], "base_url": url}]}
    ks = botguard.KillSwitch(parse_config(raw, path=Path(STATE) / "botguard.toml"))
    await ks.open()
    log.info("armed with %s", key)
    await ks.close()

with run_sim({"account": [sim_account]}) as sim:
    asyncio.run(main(sim.url))
"""
    + BOT_REPORT
)


@pytest.mark.sim
def test_killswitch_redacts_while_open_and_restores_on_close(tmp_path: Path) -> None:
    out = run_bot(f"STATE = {str(tmp_path / 'state')!r}\n" + KILLSWITCH_BOT, tmp_path)
    assert f"BOT INFO armed with {MASK}" in out
    assert "BOT INFO after uninstall plain" in out
    assert "restored True Formatter False" in out
