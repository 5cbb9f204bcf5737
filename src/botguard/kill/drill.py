"""`botguard drill`: the real kill switch, end to end, against an in-process `botguard sim`.

The sim is seeded with a given scenario, or with the live accounts' current exposure
(read only: the drill never trades, cancels or halts anything real). The kill runs with
a scratch state dir (its halt flag and run journal live there, and no unit or pid is
stopped), and the drill is recorded in the REAL journal as kind 'drill' with its
timings, which the audit's kill.drilled_recently reads.
"""

from __future__ import annotations

import os
import tempfile
import time
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from botguard.config import Config, make_state_dir
from botguard.errors import ConfigError, VenueError
from botguard.journal import Journal
from botguard.kill.report import KillReport
from botguard.venues.types import Exposure, Order, Position

DRILL_KEY_ENV = "BOTGUARD_DRILL_{i}_{field}"


SIM_EXCHANGES = ("binance", "okx", "bybit")
"""The exchanges whose wire protocol the sim speaks; a drill of another seeds Binance."""
Sizes = Mapping[str, Decimal]
"""Base units per contract by symbol (OKX swaps: ctVal); absent means 1."""


def _order(order: Order, sizes: Sizes | None = None) -> dict[str, Any]:
    size = (sizes or {}).get(order.symbol, Decimal(1))
    spec: dict[str, Any] = {"symbol": order.symbol, "side": order.side.value,
                            "amount": str(order.amount * size)}  # fmt: skip
    if order.conditional:
        spec.update(type="stop_market", trigger_price=str(order.price or 1),
                    reduce_only=order.reduce_only)  # fmt: skip
    else:
        spec.update(type="limit", price=str(order.price))
    return spec


def _position(pos: Position, sizes: Sizes | None = None) -> dict[str, Any]:
    size = (sizes or {}).get(pos.symbol, Decimal(1))
    return {"symbol": pos.symbol, "side": pos.side.value, "amount": str(pos.contracts * size),
            "entry_price": str(pos.entry_price or 1)}  # fmt: skip


def scenario_from_exposure(
    exposures: list[Exposure],
    exchanges: Mapping[str, str] | None = None,
    sizes: Mapping[str, Sizes] | None = None,
) -> dict[str, Any]:
    """A sim scenario holding the live accounts' exposure (limit orders only, no trigger
    prices beyond what the exchange reported).

    Args:
        exchanges: account name -> exchange id; OKX and Bybit accounts are seeded on the
            sim's OKX / Bybit dialect (anything else on Binance's).
        sizes: account name -> base units per contract, so contracts become the sim's
            base units (an OKX BTC swap contract is 0.01 BTC).
    """
    accounts, prices = [], {}
    for i, exp in enumerate(exposures):
        prices.update({s: str(p) for s, p in exp.prices.items()})
        exchange = (exchanges or {}).get(exp.account, "binance")
        dialect = exchange if exchange in SIM_EXCHANGES else "binance"
        per = (sizes or {}).get(exp.account)
        accounts.append({
            "name": exp.account, "exchange": dialect,
            **({"passphrase": f"drill-pass-{i:04d}"} if dialect == "okx" else {}),
            "api_key": f"drill-key-{i:04d}-0123456789",
            "secret": f"drill-secret-{i:04d}-0123456789",
            "permissions": {"spot": True, "futures": True},
            "position_mode": "hedge" if any(p.hedged for p in exp.positions) else "one-way",
            "spot": {b.asset: str(b.total) for b in exp.balances},
            "futures": {"USDT": "1000000"},
            "orders": [_order(o, per) for o in exp.orders
                       if o.price is not None or o.conditional],
            "positions": [_position(p, per) for p in exp.positions],
        })  # fmt: skip
    return {"prices": prices, "account": accounts}


def load_scenario_file(path: Path) -> dict[str, Any]:
    """A scenario TOML as a mapping; unreadable is a ConfigError naming the file."""
    from botguard.sim.scenario import load_scenario

    try:
        scenario = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"--scenario {path}: cannot read it ({exc.strerror}); pass a scenario TOML file"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"--scenario {path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"--scenario {path}: not UTF-8 text; save it as UTF-8") from None
    except RecursionError:
        raise ConfigError(
            f"--scenario {path}: nested too deeply; a scenario is a few tables deep"
        ) from None
    try:
        load_scenario(scenario)  # every key checked before any work, naming this file
    except ConfigError as exc:
        raise ConfigError(f"--scenario {path}: {str(exc).removeprefix('scenario: ')}") from None
    return scenario


async def live_exposure(config: Config) -> list[Exposure]:
    """Read every account's exposure (read-only calls only)."""
    return (await live_world(config))[0]


async def live_world(config: Config) -> tuple[list[Exposure], dict[str, Sizes]]:
    """Every account's exposure and contract sizes (read-only calls only)."""
    import asyncio

    from botguard.kill.run import open_venues

    if not config.account:
        raise ConfigError(
            f"{config.path}: no [[account]] to drill; add one, or pass --scenario FILE"
        )
    try:
        venues = await open_venues(config, list(config.account))
    except VenueError as exc:
        raise VenueError(
            f"drill: cannot read the accounts' exposure ({exc}); check base_url and the "
            "network, or pass --scenario FILE to drill without them"
        ) from None
    try:
        exposures = list(await asyncio.gather(*(v.exposure() for v in venues)))
        sizes = {v.account: _sizes(v, e) for v, e in zip(venues, exposures, strict=True)}
        return exposures, sizes
    finally:
        await asyncio.gather(*(v.close() for v in venues), return_exceptions=True)


def _sizes(venue: Any, exposure: Exposure) -> Sizes:
    """Contract sizes of the exposure's symbols, where the venue reports them."""
    symbols = {p.symbol for p in exposure.positions} | {o.symbol for o in exposure.orders}
    found = {}
    for symbol in symbols:
        info = venue.market_info(symbol)
        if info is not None and info.contract_size:
            found[symbol] = info.contract_size
    return found


def drill_config(config: Config, scenario: dict[str, Any], url: str, state: Path) -> Config:
    """The config pointed at the sim: scenario keys via env refs, scratch state, no unit."""
    raw = config.model_dump(mode="json", exclude_none=True)
    raw["state"] = {"dir": str(state)}
    raw["bot"].pop("service", None)
    raw["bot"].pop("pidfile", None)
    wanted = {a.name for a in config.account}
    accounts = []
    for i, acct in enumerate(scenario.get("account", [])):
        base = next((a for a in raw["account"] if a["name"] == acct["name"]), None)
        if wanted and base is None:
            continue
        base = dict(base or {"name": acct["name"], "exchange": acct.get("exchange", "binance"),
                             "markets": ["spot", "swap"]})  # fmt: skip
        if base["exchange"] not in SIM_EXCHANGES:  # the sim seeded it on its Binance dialect
            base["exchange"] = "binance"
        base.pop("password", None)
        fields = {"api_key": "api_key", "secret": "secret"}
        if acct.get("passphrase"):
            fields["password"] = "passphrase"  # noqa: S105 - a field name, not a value
        for field, key in fields.items():
            env = DRILL_KEY_ENV.format(i=i, field=field.upper())
            os.environ[env] = str(acct[key])
            base[field] = f"env:{env}"
        base.update(base_url=url, sandbox=False)
        accounts.append(base)
    if not accounts:
        raise ConfigError("drill: no scenario account has the name of a configured [[account]]")
    raw["account"] = accounts
    return Config.model_validate(raw)


async def run_drill(config: Config, scenario_path: Path | None) -> KillReport:
    """Seed a sim, kill against it, journal the drill; returns the kill's report."""
    from botguard.kill.options import KillOptions
    from botguard.kill.run import kill_config
    from botguard.sim.embedded import start_sim

    t0 = time.monotonic()
    scenario = load_scenario_file(scenario_path) if scenario_path is not None else None
    make_state_dir(config.state.dir)  # the drill is journaled there: fail before the work
    if scenario is None:
        exposures, sizes = await live_world(config)
        exchanges = {a.name: a.exchange for a in config.account}
        scenario = scenario_from_exposure(exposures, exchanges, sizes)
    t_seed = time.monotonic() - t0
    with tempfile.TemporaryDirectory(prefix="botguard-drill-") as scratch:
        async with start_sim(scenario) as sim:
            cfg = drill_config(config, scenario, sim.url, Path(scratch))
            options = KillOptions(reason="drill", kind="drill")
            report = await kill_config(cfg, accounts=None, options=options)
            requests = len(sim.log())
    report.timings.update(seed_s=round(t_seed, 3), drill_s=round(time.monotonic() - t0, 3))
    summary = {**report.summary(), "requests": requests,
               "scenario": str(scenario_path) if scenario_path else "live exposure"}  # fmt: skip
    with Journal(config.state.dir) as journal:
        run_id = f"drill-{report.run_id}"
        journal.start_run(run_id, "drill")
        journal.finish_run(run_id, report.status, summary)
    return report
