"""Importing one ccxt exchange without the rest (venues/lazy.py).

The ccxt tests run in fresh processes: the test process has usually imported ccxt
whole already, and the point is what a kill's own process imports. The generic
machinery is tested on small real packages written to tmp dirs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from botguard.testing.sim import run_sim
from botguard.venues import lazy
from tests.kill.conftest import sim_account

KILL_AND_LIST = """
import json, sys
from botguard.cli import main
code = main(["kill", "--yes", "--no-halt", "-c", sys.argv[1]])
mods = sorted(m for m in sys.modules if m == "ccxt" or m.startswith("ccxt."))
lazy = [n for n in ("ccxt", "ccxt.async_support")
        if type(sys.modules[n]).__name__ == "_LazyPackage"]
sys.stderr.write(json.dumps({"code": code, "modules": mods, "lazy": lazy}) + "\\n")
"""

AFTER_LAZY = """
import json, sys
from botguard.venues.connect import exchange_class
cls = exchange_class("binance")
import ccxt, ccxt.async_support as ax
out = {"binance": cls is ax.binance, "okx": ax.okx.__name__,
       "error": ccxt.OrderNotFound.__module__, "exchanges": len(ax.exchanges),
       "okx_loaded": "ccxt.async_support.okx" in sys.modules}
out["all"] = sorted(ax.__all__)  # not a plain import in __init__: runs the real one
out["sync_binance"] = ccxt.binance.__module__
print(json.dumps(out))
"""


def run_python(code: str, *args: str, lazy_on: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, lazy.ENV: "1" if lazy_on else "0"}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def write_config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "botguard.toml"
    path.write_text(
        f'[bot]\nname = "gridbot"\n[state]\ndir = "{tmp_path / "state"}"\n'
        '[kill]\ndeadline_s = 15\n[[account]]\nname = "main"\nexchange = "binance"\n'
        'api_key = "env:BOTGUARD_CANARY_API_KEY"\nsecret = "env:BOTGUARD_CANARY_SECRET"\n'
        f'markets = ["spot", "swap"]\nbase_url = "{url}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.sim
def test_kill_process_imports_only_binance_and_gets_flat(tmp_path: Path) -> None:
    pos = {"symbol": "BTC/USDT:USDT", "side": "long", "amount": "0.05", "entry_price": "6e4"}
    order = {"symbol": "ETH/USDT", "side": "sell", "type": "limit", "amount": "1", "price": "9e3"}
    account = sim_account(spot={"USDT": "100", "ETH": "1"}, positions=[pos], orders=[order])
    scenario = {"account": [account]}
    with run_sim(scenario) as sim:
        proc = run_python(KILL_AND_LIST, str(write_config(tmp_path, sim.url)))
        state = sim.state()["accounts"]["main"]
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    assert result["code"] == 0, proc.stdout
    assert state["positions"] == []
    assert state["open_orders"] == []
    assert state["spot"]["ETH"] == {"free": "0", "locked": "0"}
    exchange_modules = [m for m in result["modules"] if _is_exchange_module(m)]
    assert exchange_modules == ["ccxt.async_support.binance"]
    assert result["lazy"] == ["ccxt", "ccxt.async_support"]  # never needed the whole package


def _is_exchange_module(name: str) -> bool:
    """`ccxt.<id>`, `ccxt.async_support.<id>` or `ccxt.pro.<id>`: not base or abstract."""
    parts = name.split(".")
    if parts[1:2] in (["base"], ["abstract"], ["static_dependencies"]):
        return False
    if parts[1:2] in (["async_support"], ["pro"]):
        return len(parts) == 3 and parts[2] != "base"
    return len(parts) == 2


def test_the_lazy_package_serves_every_name_the_real_one_has() -> None:
    lean, full = run_python(AFTER_LAZY), run_python(AFTER_LAZY, lazy_on=False)
    assert lean.returncode == 0, lean.stderr
    assert full.returncode == 0, full.stderr
    got, want = json.loads(lean.stdout), json.loads(full.stdout)
    assert got == want
    assert got["binance"] is True
    assert got["okx"] == "okx"  # a class, not the submodule of the same name
    assert got["error"] == "ccxt.base.errors"
    assert got["exchanges"] > 50


def test_an_unknown_id_is_refused_without_importing_ccxt_whole() -> None:
    code = """
import sys
from botguard.errors import ConfigError
from botguard.venues.connect import exchange_class
for bad in ("nonesuch", "base", "Binance", "../x"):
    try:
        exchange_class(bad)
    except ConfigError as exc:
        print(exc)
print("ccxt.async_support.okx" in sys.modules, "ccxt.okx" in sys.modules)
"""
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "exchange 'nonesuch' is not a ccxt exchange id"
    assert len(lines) == 5  # four refusals, then the module check
    assert lines[-1] == "False False"


FAIL_MIDWAY = """
import sys
from botguard.venues import lazy
def broken(module, name):
    raise RuntimeError("a ccxt layout this loader does not know")
lazy._resolve = broken  # the lazy path fails after installing its packages
from botguard.venues.connect import exchange_class
cls = exchange_class("binance")
print(cls.__module__, type(sys.modules["ccxt"]).__name__, "ccxt.async_support.okx" in sys.modules)
"""


def test_any_failure_falls_back_to_importing_ccxt_whole() -> None:
    proc = run_python(FAIL_MIDWAY)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ccxt.async_support.binance", "module", "True"]


# -- the generic machinery, on real packages in a tmp dir ---------------------------


@pytest.fixture
def pkg_root(tmp_path: Path) -> Iterator[Path]:
    """A sys.path entry for throwaway packages; they leave sys.modules afterwards."""
    before = set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in set(sys.modules) - before:
        if name.startswith("lazytest"):
            lazy.forget_new_modules(name, before)


def write_package(root: Path, name: str, init: str, modules: dict[str, str]) -> None:
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(init), encoding="utf-8")
    for module, text in modules.items():
        (pkg / f"{module}.py").write_text(textwrap.dedent(text), encoding="utf-8")


PLAIN_INIT = """
    '''A package whose __init__ imports every submodule, like ccxt's.'''
    from lazytest_a.one import One
    from lazytest_a.two import Two as Deux
    names = ['One', 'Deux']
    __all__ = names + ['extra']
    extra = 1
"""
MODULES = {"one": "class One: pass\n", "two": "import sys\nLOADED = True\nclass Two: pass\n"}


def test_names_resolve_one_submodule_at_a_time(pkg_root: Path) -> None:
    write_package(pkg_root, "lazytest_a", PLAIN_INIT, MODULES)
    pkg = lazy.install_lazy("lazytest_a")
    assert "lazytest_a.one" not in sys.modules
    assert pkg.One.__name__ == "One"
    assert "lazytest_a.one" in sys.modules
    assert "lazytest_a.two" not in sys.modules
    assert pkg.names == ["One", "Deux"]  # a literal, served without running __init__
    assert lazy.is_lazy("lazytest_a")


def test_a_computed_name_runs_the_real_init_once(pkg_root: Path) -> None:
    write_package(pkg_root, "lazytest_b", PLAIN_INIT.replace("lazytest_a", "lazytest_b"), MODULES)
    pkg = lazy.install_lazy("lazytest_b")
    assert pkg.__all__ == ["One", "Deux", "extra"]
    assert not lazy.is_lazy("lazytest_b")
    assert type(pkg).__name__ == "module"
    assert pkg.Deux.__name__ == "Two"
    with pytest.raises(AttributeError):
        _ = pkg.missing


def test_introspection_does_not_import_the_whole_package(pkg_root: Path) -> None:
    write_package(pkg_root, "lazytest_c", PLAIN_INIT.replace("lazytest_a", "lazytest_c"), MODULES)
    pkg: Any = lazy.install_lazy("lazytest_c")
    assert not hasattr(pkg, "__wrapped__")
    assert lazy.is_lazy("lazytest_c")


@pytest.mark.parametrize(
    "init",
    [
        "if True:\n    from lazytest_d.one import One\n",
        "from .one import One\n",
        "from lazytest_d.one import *\n",
        "import os\n",
        "print('side effect')\n",
        "a, b = 1, 2\n",
    ],
    ids=["if", "relative", "star", "plain-import", "call", "tuple-assign"],
)
def test_an_init_that_is_not_plain_is_refused(pkg_root: Path, init: str) -> None:
    write_package(pkg_root, "lazytest_d", init, MODULES)
    with pytest.raises(lazy.LazyImportError):
        lazy.install_lazy("lazytest_d")
    assert "lazytest_d" not in sys.modules


def test_a_module_not_a_package_is_refused(pkg_root: Path) -> None:
    (pkg_root / "lazytest_e.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(lazy.LazyImportError):
        lazy.install_lazy("lazytest_e")


def test_forget_new_modules_undoes_only_what_was_added(pkg_root: Path) -> None:
    write_package(pkg_root, "lazytest_f", PLAIN_INIT.replace("lazytest_a", "lazytest_f"), MODULES)
    before = set(sys.modules)
    pkg = lazy.install_lazy("lazytest_f")
    _ = pkg.One
    lazy.forget_new_modules("lazytest_f", before)
    assert not any(m.startswith("lazytest_f") for m in sys.modules)
    assert not lazy.is_lazy("lazytest_f")
    import lazytest_f  # type: ignore[import-not-found]  # the normal import works again

    assert lazytest_f.__all__ == ["One", "Deux", "extra"]


def test_switched_off_by_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lazy.ENV, "0")
    assert not lazy.is_enabled()
    monkeypatch.setenv(lazy.ENV, "1")
    assert lazy.is_enabled()
