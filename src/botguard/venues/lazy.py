"""Import one ccxt exchange without ccxt's every-exchange package `__init__`.

`import ccxt.async_support.binance` first runs `ccxt/__init__.py`, which imports every
sync exchange, then `ccxt/async_support/__init__.py`, which imports every async one:
about half a second of a kill's start-up spent on ~100 exchanges it never uses.

`install_lazy("ccxt")` instead creates the package object from its spec without
running `__init__`, and serves each of its names on first access from where that
`__init__` would have imported it (read by parsing the file, never by guessing its
layout): `ccxt.async_support.binance` imports only `ccxt/async_support/binance.py`,
and `ccxt.OrderNotFound` only `ccxt/base/errors.py`. Any other name (`__all__`, or
one the file computes) runs the real `__init__` in place, so the rest of the process
still sees the whole package. Anything unexpected raises `LazyImportError` before a
module is touched; callers undo with `forget_new_modules` and import normally.

Why this is safe: the package object is the one Python would build (same spec,
`__path__` and loader), a name resolves to the very object `__init__` would bind,
and a package whose `__init__` does anything but plain absolute imports and
assignments is refused. What differs: until completed, `vars(ccxt)` lists only the
names used so far; a submodule imported directly by someone else (`import
ccxt.okx`) shadows the class of the same name until the next lazy lookup; and while
the real `__init__` runs, another thread asking for a name it computes gets
AttributeError, as from any package whose import is still running.
Set `BOTGUARD_LAZY_CCXT=0` to import ccxt whole.

Kept on a measured figure (issue 16, item 5; `benchmarks/kill.py --startup`, both
ways interleaved, median of 7, on the 2-core CI box): importing the exchange takes
0.18 s instead of 0.49 s, and `botguard kill --yes` sends its first request 0.41 s
after spawn instead of 0.65 s, 37% sooner, on the path where every second of an
emergency counts. Its risk is bounded: anything unexpected falls back to the normal
import before a module is touched (tests/venues/test_lazy.py). It matters only to a
cold `botguard kill`: a KillSwitch or a guardian imports ccxt once, at start-up.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import importlib.util
import logging
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)

ENV = "BOTGUARD_LAZY_CCXT"


class LazyImportError(ImportError):
    """The package cannot be imported lazily; import it normally instead."""


@dataclass(slots=True)
class _Plan:
    """What a package's `__init__` binds: names imported from modules, and literals."""

    imports: dict[str, tuple[str, str]] = field(default_factory=dict)
    literals: dict[str, Any] = field(default_factory=dict)
    completing: bool = False


_PLANS: dict[str, _Plan] = {}


def is_enabled() -> bool:
    """Lazy ccxt unless `BOTGUARD_LAZY_CCXT=0`."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def is_lazy(name: str) -> bool:
    """Whether `name` is in sys.modules as a lazy package not yet completed."""
    return name in _PLANS and isinstance(sys.modules.get(name), _LazyPackage)


def _assign(plan: _Plan, node: ast.Assign) -> None:
    """A literal is served as is; a computed value (`__all__ = a + b`) needs the file."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        raise LazyImportError("an assignment to something other than one name")
    try:
        plan.literals[node.targets[0].id] = ast.literal_eval(node.value)
    except ValueError:
        plan.literals.pop(node.targets[0].id, None)


def read_plan(source: str) -> _Plan:
    """Parse an `__init__`; refuse anything but a docstring, absolute imports, assignments."""
    plan = _Plan()
    for node in ast.parse(source).body:
        match node:
            case ast.Expr(value=ast.Constant(value=str())):
                continue
            case ast.ImportFrom(module=str(module), level=0) if all(
                a.name != "*" for a in node.names
            ):
                for alias in node.names:
                    plan.imports[alias.asname or alias.name] = (module, alias.name)
            case ast.Assign():
                _assign(plan, node)
            case _:
                raise LazyImportError(f"line {node.lineno}: not a plain import or assignment")
    return plan


class _LazyPackage(ModuleType):
    """A package whose names are imported on first use (PEP 562's module `__getattr__`)."""

    def __getattr__(self, name: str) -> Any:
        plan = _PLANS.get(self.__name__)
        if plan is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        if name in plan.imports:
            value = _resolve(*plan.imports[name])
            setattr(self, name, value)  # also undoes a same-named submodule binding
            return value
        if name in plan.literals:
            return plan.literals[name]
        if (name.startswith("__") and name != "__all__") or plan.completing:
            # introspection needs no full import; during completion, as for any package
            # whose __init__ is still running, a name it has not bound yet is missing
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return getattr(complete(self), name)


def _resolve(module: str, name: str) -> Any:
    """`from module import name`, as the import statement does it."""
    source = importlib.import_module(module)
    try:
        return getattr(source, name)
    except AttributeError:
        return importlib.import_module(f"{module}.{name}")


def complete(package: ModuleType) -> ModuleType:
    """Run the package's real `__init__` in place: it becomes the ordinary package.

    The plan stays in force while `__init__` runs, so other threads (and `__init__`
    itself) still get the names it serves.
    """
    plan = _PLANS.get(package.__name__)
    if plan is None or plan.completing:
        return package
    logger.debug("completing the import of %s", package.__name__)
    plan.completing = True
    spec = package.__spec__
    try:
        if spec is None or spec.loader is None:  # pragma: no cover - set by install_lazy
            raise ImportError(f"{package.__name__} has no loader")
        spec.loader.exec_module(package)
    finally:
        _PLANS.pop(package.__name__, None)
        package.__class__ = ModuleType
    return package


def install_lazy(name: str) -> ModuleType:
    """Put package `name` in sys.modules without running its `__init__` (parent first).

    Returns the module already there if it is imported (lazily or not). Raises
    LazyImportError if the package cannot be found or its `__init__` is not plain.
    """
    if name in sys.modules:
        return sys.modules[name]
    parent, _, child = name.rpartition(".")
    path = install_lazy(parent).__path__ if parent else None
    spec = importlib.machinery.PathFinder.find_spec(name, path)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise LazyImportError(f"{name} is not a package on the path")
    loader = spec.loader
    if not isinstance(loader, importlib.machinery.SourceFileLoader):
        raise LazyImportError(f"{name} is not loaded from source")
    source = loader.get_source(name)
    if source is None:
        raise LazyImportError(f"{name} has no source")
    plan = read_plan(source)
    package = importlib.util.module_from_spec(spec)
    package.__class__ = _LazyPackage
    _PLANS[name] = plan
    sys.modules[name] = package
    if parent:
        setattr(sys.modules[parent], child, package)
    return package


def forget_new_modules(prefix: str, before: set[str]) -> None:
    """Drop `prefix` and its submodules imported since `before` (undo a failed lazy import)."""
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        if name not in before:
            del sys.modules[name]
            _PLANS.pop(name, None)
