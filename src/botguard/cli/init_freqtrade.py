"""`botguard init --from-freqtrade CONFIG...`: botguard.toml and a .env from freqtrade's config.

The plan (botguard.framework.ftinit) is made first and the botguard.toml it yields is
validated; only then is anything written: backups (--backup), the .env (mode 600),
botguard.toml, and last each config file with its secrets blanked, replaced
atomically with its old mode and owner. A refusal writes nothing.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botguard.errors import ConfigError, UsageError
from botguard.framework.ftinit import InitPlan, Inputs, Source, plan_init, toml_string
from botguard.fsutil import write_atomic

DOTENV_HEADER = (
    "# Secrets for botguard.toml's references (freqtrade's FREQTRADE__ variables).\n"
    "# Mode 600, listed in .gitignore: never commit.\n"
)


@dataclass(frozen=True, slots=True)
class Targets:
    """Where init writes."""

    config: Path
    env: Path
    directory: Path


def read_source(path: Path) -> Source:
    """One freqtrade config, parsed as freqtrade would; UsageError saying why not."""
    from botguard.framework.freqtrade import MAX_CONFIG_BYTES
    from botguard.framework.jsonc import JsoncError, parse_jsonc

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot read it ({exc.strerror}); pass freqtrade's config"
        ) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise UsageError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; not a freqtrade config")
    try:
        text = raw.decode("utf-8")
        data = parse_jsonc(text)
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text; freqtrade would not read it either") from None
    except JsoncError as exc:
        raise UsageError(f"{path}: {exc}; freqtrade would not read it either") from None
    return Source(path, text, data)


def read_dotenv(path: Path) -> dict[str, str]:
    """The .env's entries (a re-run keeps them); {} when there is none."""
    from dotenv import dotenv_values

    if not path.exists():
        return {}
    try:
        return {k: v or "" for k, v in dotenv_values(path, interpolate=False).items()}
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"{path}: cannot read it; fix or move it, then re-run") from None


def make_plan(files: Sequence[Path], targets: Targets, *, fix_api_server: bool) -> InitPlan:
    """Read everything and plan; UsageError before any write."""
    from botguard.framework.ftinit import account_basics, merged
    from botguard.venues.broker import PREFIX_OPTION, broker_prefixes, is_exchange

    sources = [read_source(p) for p in files]
    data = merged(sources)
    exchange, markets, _ = account_basics(sources, data)
    ok = is_exchange(exchange)
    option = PREFIX_OPTION.get(exchange, "")
    override = _ccxt_option(data, option)
    inputs = Inputs(
        exchange_ok=ok,
        prefixes=broker_prefixes(exchange, markets, override) if ok else (),
        dotenv=read_dotenv(targets.env),
        fix_api_server=fix_api_server,
    )
    return plan_init(sources, inputs)


def _ccxt_option(data: dict[str, object], option: str) -> object:
    """The bot's own ccxt option (freqtrade passes ccxt_config to ccxt), or None."""
    from botguard.framework.jsonc import lookup

    for section in ("ccxt_config", "ccxt_async_config"):
        value = lookup(data, ("exchange", section, "options", option))
        if value is not None:
            return value
    return None


def render_config(plan: InitPlan, files: Sequence[Path], targets: Targets) -> str:
    """botguard.toml's text; validated by the caller before it is written."""
    exe = shutil.which("freqtrade") or "freqtrade"
    base = targets.config.resolve().parent
    env_ref = _relative(targets.env, base)
    lines = [
        "# botguard.toml, written by `botguard init --from-freqtrade` from "
        + ", ".join(p.name for p in files)
        + ".",
        "# freqtrade's keys and tokens are in the .env (mode 600) below; `botguard run` hands",
        "# each to freqtrade as the FREQTRADE__... variable it reads (env wins over its files).",
        "",
        "[bot]",
        f"name = {toml_string(plan.bot_name)}",
        'framework = "freqtrade"',
        f"framework_config = [{', '.join(toml_string(_relative(p, base)) for p in files)}]",
        f"workdir = {toml_string(_relative(files[0].resolve().parent, base))}",
        "command = [" + ", ".join(toml_string(a) for a in _command(exe, files)) + "]",
        'pidfile = "state/freqtrade.pid"       # `botguard run` writes it; `kill` reads it',
        '# user = "freqtrade"                  # its own non-root user (harden needs one)',
        *_prefix_lines(plan),
        *_ref_list("secrets", [n for n, f in plan.refs.items() if f == "bot"], env_ref),
        "",
        "[state]",
        'dir = "state"                          # journal, halt flag, caches',
        "",
        *_account_lines(plan, env_ref),
    ]
    return "\n".join(lines) + "\n"


def _command(exe: str, files: Sequence[Path]) -> list[str]:
    args = [exe, "trade"]
    for path in files:
        args += ["--config", str(path.resolve())]
    return args


def _prefix_lines(plan: InitPlan) -> list[str]:
    if not plan.prefixes:
        return [f"# client_id_prefixes = []   # ccxt adds no broker id to {plan.exchange} orders"]
    items = ", ".join(toml_string(p) for p in plan.prefixes)
    return [f"client_id_prefixes = [{items}]   # ccxt's broker ids on freqtrade's orders"]


def _ref_list(key: str, names: list[str], env_ref: str) -> list[str]:
    if not names:
        return []
    refs = [f"    {toml_string(f'dotenv:{env_ref}#{name}')}," for name in names]
    return [
        f"{key} = [                            # handed to freqtrade under these names",
        *refs,
        "]",
    ]


def _account_lines(plan: InitPlan, env_ref: str) -> list[str]:
    lines = [
        "[[account]]",
        'name = "main"',
        f"exchange = {toml_string(plan.exchange)}",
        *(f"{field} = {toml_string(f'dotenv:{env_ref}#{name}')}"
          for name, field in plan.refs.items() if field != "bot"),
        f"markets = [{', '.join(toml_string(m) for m in plan.markets)}]",
        f"quote = {toml_string(plan.quote)}                  # freqtrade's stake_currency",
        "keep = []                         # assets kill never sells, e.g. [\"BNB\"]",
        'flatten = "all"                   # "bot": kill sells only what freqtrade\'s trades hold',
    ]  # fmt: skip
    if plan.base_url:
        lines.append(
            f"base_url = {toml_string(plan.base_url)}   # freqtrade's ccxt urls point here"
        )
    if plan.dry_run:
        lines.append(
            "# freqtrade's dry_run is true: its trades are simulated, the account untouched"
        )
    return lines


def _relative(path: Path, base: Path) -> str:
    """`path` from `base` (how botguard.toml names files), or absolute when far off."""
    full = path.resolve()
    try:
        return full.relative_to(base).as_posix() or "."
    except ValueError:
        return str(full)


def check_config(text: str, path: Path) -> None:
    """The botguard.toml about to be written loads; UsageError otherwise."""
    import tomllib

    from botguard.config import parse_config

    try:
        parse_config(tomllib.loads(text), path=path)
    except (ConfigError, tomllib.TOMLDecodeError) as exc:
        first = str(exc).splitlines()[0]
        raise UsageError(f"cannot write a valid botguard.toml from it: {first}") from None


_ENV_LINE = "^[ \t]*(?:export[ \t]+)?{}[ \t]*="


def dotenv_text(current: str, values: dict[str, str]) -> str:
    """The .env with `values` set (old lines for those names dropped), all else kept."""
    lines = current.splitlines(keepends=True) if current else [DOTENV_HEADER]
    for name in values:
        pattern = re.compile(_ENV_LINE.format(re.escape(name)))
        lines = [line for line in lines if not pattern.match(line)]
    text = "".join(lines)
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "".join(f"{name}={dotenv_quote(value)}\n" for name, value in values.items())


def dotenv_quote(value: str) -> str:
    """A single-quoted dotenv value python-dotenv reads back as exactly `value`."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def check_dotenv(text: str, before: dict[str, str], values: dict[str, str], path: Path) -> None:
    """Every new value reads back, and every other entry is unchanged; else UsageError."""
    from dotenv import dotenv_values

    after = {
        k: v or "" for k, v in dotenv_values(stream=io.StringIO(text), interpolate=False).items()
    }
    expected = {**before, **values}
    if after != expected:
        raise UsageError(f"{path}: cannot add freqtrade's secrets without changing other "
                         "entries (a multi-line value?); move them by hand")  # fmt: skip


def backup_name(path: Path, now: datetime | None = None) -> Path:
    """`config.json.20261205T040000Z.bak`: never the name of an earlier backup."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return path.with_name(f"{path.name}.{stamp}.bak")


def write_backup(path: Path, text: str) -> Path:
    """The original, mode 600, under a fresh name (O_EXCL: never over another file)."""
    target = backup_name(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
    return target


def replace_keeping_owner(path: Path, text: str) -> None:
    """Replace `path` atomically with `text`, keeping its mode and (when we may) owner."""
    info = path.stat()
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), info.st_mode & 0o7777)
            if (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                os.fchown(handle.fileno(), info.st_uid, info.st_gid)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def env_values(plan: InitPlan, current: dict[str, str]) -> dict[str, str]:
    """What the .env gets: the moved secrets, and an empty line for each required
    variable it lacks (the user fills those in)."""
    blanks = {name: "" for name in plan.missing if name not in current}
    return {**blanks, **plan.env}


def env_current(path: Path) -> str:
    """The .env's text ("" when there is none)."""
    return path.read_text(encoding="utf-8") if path.exists() else ""


def write_all(plan: InitPlan, texts: Texts, targets: Targets, *, backup: bool) -> list[Path]:
    """Write in the order that never loses a secret: backups, .env, toml, then configs."""
    from botguard.config import make_state_dir

    make_state_dir(targets.config.resolve().parent / "state")
    backups = [write_backup(p, t) for p, t in texts.originals.items()] if backup else []
    if texts.env is not None:
        write_atomic(targets.env, texts.env, mode=0o600)
    write_atomic(targets.config, texts.config, mode=0o644)
    for path, text in plan.rewrites.items():
        replace_keeping_owner(path.resolve(), text)  # a symlinked config: its target
    return backups


@dataclass(frozen=True, slots=True)
class Texts:
    """Every file's new text, made and checked before the first write."""

    config: str
    env: str | None
    """The .env's new text; None when it stays as it is."""
    originals: dict[Path, str]
    """The config files about to be rewritten, as they are now (for --backup)."""


def prepare(
    files: Sequence[Path], targets: Targets, *, fix_api_server: bool
) -> tuple[InitPlan, Texts]:
    """The plan and every text it writes, all checked; UsageError before any write."""
    plan = make_plan(files, targets, fix_api_server=fix_api_server)
    config = render_config(plan, files, targets)
    check_config(config, targets.config)
    current = env_current(targets.env)
    before = read_dotenv(targets.env)
    values = env_values(plan, before)
    env = None
    if values or not targets.env.exists():
        env = dotenv_text(current, values)
        check_dotenv(env, before, values, targets.env)
    for path in plan.rewrites:
        check_rewritable(path.resolve())
    originals = {p: p.read_text(encoding="utf-8") for p in plan.rewrites}
    return plan, Texts(config, env, originals)


def check_rewritable(path: Path) -> None:
    """Before any write: the config can be replaced with its owner kept (UsageError if not)."""
    info = path.stat()
    mine = (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid())
    if not mine and os.geteuid() != 0:
        raise UsageError(
            f"{path}: owned by another user or group; run init as its owner (or root) so "
            "the blanked file keeps its owner"
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise UsageError(f"{path.parent}: not writable; init replaces {path.name} in place")


def init_from_freqtrade(
    files: Sequence[Path], targets: Targets, *, force: bool, backup: bool, fix_api_server: bool
) -> int:
    """Plan, check, write, then say what moved and what to do next (names, never values)."""
    from botguard.cli.init_cmd import ignore_dotenv

    if targets.config.exists() and not force:
        raise UsageError(f"{targets.config} already exists; pass --force to overwrite")
    plan, texts = prepare(files, targets, fix_api_server=fix_api_server)
    backups = write_all(plan, texts, targets, backup=backup)
    ignored = ignore_dotenv(targets.directory / ".gitignore")
    _say(plan, files, targets, backups, ignored=ignored)
    return 0


def _say(plan: InitPlan, files: Sequence[Path], targets: Targets, backups: list[Path], *,
         ignored: bool) -> None:  # fmt: skip
    from rich.markup import escape

    from botguard.secrets.console import make_console

    console = make_console(highlight=False, soft_wrap=True)
    names = ", ".join(str(p) for p in files)
    console.print(escape(f"read {names}: {plan.exchange}, {'/'.join(plan.markets)}, "
                         f"quote {plan.quote}{', dry_run' if plan.dry_run else ''}"))  # fmt: skip
    if plan.moved:
        console.print(escape(f"moved into {targets.env} (mode 600): " + "; ".join(plan.moved)))
        changed = ", ".join(str(p) for p in plan.rewrites)
        console.print(escape(f"blanked them in {changed}" if changed else "nothing to blank"))
    else:
        console.print(escape(f"nothing to move: no key or token left in {names}"))
    for path in backups:
        console.print(escape(f"backup of the original: {path} (mode 600)"))
    console.print(escape(f"wrote {targets.config}"))
    if ignored:
        console.print(escape(f"added .env to {targets.directory / '.gitignore'}"))
    for note in plan.notes:
        console.print(escape(f"note: {note}"))
    for i, step in enumerate(_next_steps(plan, targets), 1):
        console.print(escape(f"{'Next:' if i == 1 else '     '} {i}. {step}"))


def _next_steps(plan: InitPlan, targets: Targets) -> list[str]:
    """What to run next, in order; each true for the files just written."""
    flag = (
        ""
        if targets.config == targets.directory / "botguard.toml"
        else f" --config {targets.config}"
    )
    steps = []
    if plan.missing:
        steps.append(f"put {' and '.join(plan.missing)} in {targets.env} (a trade-only key)")
    steps += [
        f"`botguard secrets check{flag}`: every reference resolves",
        f"`botguard audit{flag}`: the key, the host and freqtrade's API server",
        f"`botguard run{flag}`: starts freqtrade with its secrets as FREQTRADE__ variables",
    ]
    return steps
