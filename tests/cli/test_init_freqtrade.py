"""`botguard init --from-freqtrade`: a real freqtrade config in, botguard.toml and a .env out.

The config files hold the canary secrets on purpose (a user's config.json does hold
its keys), so the guard's file scan is off for these tests; every test asserts
instead that the canaries end up in the .env (and a --backup) only, and that no
output shows one.
"""

from __future__ import annotations

import contextlib
import io
import json
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from botguard.config import load_config
from botguard.testing.canary import CANARIES, find_canaries
from tests.cli.process import botguard

pytestmark = pytest.mark.plants_canaries

KEY = CANARIES["BOTGUARD_CANARY_API_KEY"]
SECRET = CANARIES["BOTGUARD_CANARY_SECRET"]
PASSWORD = CANARIES["BOTGUARD_CANARY_PASSWORD"]
TELEGRAM = "7123456789:" + CANARIES["BOTGUARD_CANARY_SECRET"][:20]

CONFIG = f"""{{
    // the user's own notes stay
    "max_open_trades": 3,
    "stake_currency": "USDT",
    "dry_run": false,
    "trading_mode": "futures",
    "margin_mode": "isolated",
    "exchange": {{
        "name": "binance",
        "key": "{KEY}",
        "secret": "{SECRET}",   /* rotate me */
        "pair_whitelist": ["BTC/USDT:USDT"],
    }},
    "telegram": {{"enabled": true, "token": "{TELEGRAM}", "chat_id": "1234"}},
    "api_server": {{
        "enabled": true,
        "listen_ip_address": "0.0.0.0",
        "username": "freqtrader",
        "password": "{PASSWORD}",
        "jwt_secret_key": "somethingrandom",
    }},
}}
"""


def _write_config(folder: Path, text: str = CONFIG, mode: int = 0o640) -> Path:
    path = folder / "config.json"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def _holders(folder: Path) -> set[str]:
    """Names of the files under `folder` that hold any canary (in any encoding)."""
    found = set()
    for path in folder.rglob("*"):
        if path.is_file() and find_canaries(path.read_bytes(), str(path)):
            found.add(path.name)
    return found


def _no_canary(*texts: str) -> None:
    for text in texts:
        assert find_canaries(text, "output") == []


def test_config_becomes_botguard_toml_and_keys_move_to_a_private_env(tmp_path: Path) -> None:
    source = _write_config(tmp_path)
    done = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    _no_canary(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    cfg = load_config(tmp_path / "botguard.toml")
    account = cfg.account[0]
    assert (account.exchange, account.markets, account.quote) == ("binance", ["swap"], "USDT")
    assert cfg.bot.framework == "freqtrade"
    assert cfg.bot.framework_config == [source]
    from botguard.venues.broker import broker_prefixes

    assert cfg.bot.client_id_prefixes == list(broker_prefixes("binance", ["swap"]))
    assert cfg.bot.client_id_prefixes[0].startswith("x-")
    env = tmp_path / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert _holders(tmp_path) == {".env"}
    text = source.read_text()
    assert "// the user's own notes stay" in text
    assert "/* rotate me */" in text
    assert stat.S_IMODE(source.stat().st_mode) == 0o640
    assert "config.json" in done.stdout
    assert "FREQTRADE__EXCHANGE__KEY" in done.stdout
    assert "Next: 1. `botguard secrets check`" in done.stdout


def test_run_hands_every_moved_secret_over_under_freqtrades_name(tmp_path: Path) -> None:
    """What `botguard run` puts in freqtrade's environment: the FREQTRADE__ variables
    freqtrade reads, each with the value the config file held."""
    from botguard.harden.runner import resolve_child_secrets

    _write_config(tmp_path)
    assert botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path).returncode == 0
    handed = resolve_child_secrets(load_config(tmp_path / "botguard.toml"))
    values = {name: secret.reveal() for name, secret in handed.items()}
    assert values == {
        "FREQTRADE__EXCHANGE__KEY": KEY,
        "FREQTRADE__EXCHANGE__SECRET": SECRET,
        "FREQTRADE__TELEGRAM__TOKEN": TELEGRAM,
        "FREQTRADE__API_SERVER__PASSWORD": PASSWORD,
        "FREQTRADE__API_SERVER__JWT_SECRET_KEY": "somethingrandom",
    }


def test_rerun_finds_nothing_to_move_and_keeps_the_env(tmp_path: Path) -> None:
    _write_config(tmp_path)
    assert botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path).returncode == 0
    env_before = (tmp_path / ".env").read_text()
    again = botguard("init", "--from-freqtrade", "config.json", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "nothing to move: no key or token left in config.json" in again.stdout
    assert (tmp_path / ".env").read_text() == env_before
    cfg = load_config(tmp_path / "botguard.toml")
    assert cfg.account[0].api_key.endswith("#FREQTRADE__EXCHANGE__KEY")
    assert len(cfg.bot.secrets) == 3  # telegram token, API password, jwt key: still handed over


def test_a_run_that_died_before_blanking_the_config_is_finished_by_a_rerun(
    tmp_path: Path,
) -> None:
    """init writes the .env, then botguard.toml, then blanks the configs: a death between
    the last two leaves the keys in both places. A re-run must finish the job, with each
    key once in the .env and none in the config."""
    _write_config(tmp_path)
    assert botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path).returncode == 0
    env_after_first = (tmp_path / ".env").read_text()
    _write_config(tmp_path)  # the config as it was: the blanking never happened
    refused = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    assert refused.returncode == 2  # botguard.toml exists: nothing overwritten unasked
    assert "--force" in refused.stderr
    again = botguard("init", "--from-freqtrade", "config.json", "--force", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _holders(tmp_path) == {".env"}
    env = (tmp_path / ".env").read_text()
    assert env.count(KEY) == 1
    assert env.count(SECRET) == 1
    assert env == env_after_first


def test_backup_only_when_asked_and_private(tmp_path: Path) -> None:
    _write_config(tmp_path)
    assert botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path).returncode == 0
    assert not list(tmp_path.glob("*.bak"))
    (tmp_path / "botguard.toml").unlink()
    _write_config(tmp_path)
    done = botguard("init", "--from-freqtrade", "config.json", "--backup", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [backup] = tmp_path.glob("config.json.*.bak")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert backup.read_text() == CONFIG
    assert _holders(tmp_path) == {".env", backup.name}


def test_fix_api_server_makes_the_audit_check_pass(tmp_path: Path) -> None:
    from botguard.audit.checks.freqtrade import (
        api_server_problems,
        load_freqtrade,
        with_handed_over,
    )

    _write_config(tmp_path)
    done = botguard("init", "--from-freqtrade", "config.json", "--fix-api-server", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cfg = load_config(tmp_path / "botguard.toml")
    data = load_freqtrade(cfg.bot.framework_config).data
    assert data["api_server"]["listen_ip_address"] == "127.0.0.1"
    assert api_server_problems(with_handed_over(cfg, data)) == []
    assert "(generated)" in done.stdout


def test_without_fix_it_says_what_the_audit_will_flag(tmp_path: Path) -> None:
    _write_config(tmp_path)
    done = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    assert "note: api_server listens on 0.0.0.0, beyond loopback" in done.stdout
    assert "note: api_server jwt_secret_key is a value from freqtrade's sample" in done.stdout
    assert "--fix-api-server" in done.stdout


def _futures_config(**changes: object) -> str:
    data = {"stake_currency": "USDT", "exchange": {"name": "binance", "key": "", "secret": ""}}
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{ not json", "config.json: not valid JSON"),
        ('{"a": 1} /* open', "config.json: not valid JSON"),
        ("[1, 2]", "config.json: not a JSON object"),
        (_futures_config(exchange={"name": "nosuchex"}), "is not an exchange botguard can open"),
        (_futures_config(trading_mode="margin"), "trading_mode 'margin' is not one"),
        (_futures_config(stake_currency=None), "no stake_currency"),
        ('{"stake_currency": "USDT"}', "no exchange.name"),
    ],
)
def test_bad_config_is_one_line_and_writes_nothing(tmp_path: Path, text: str, says: str) -> None:
    _write_config(tmp_path, text)
    done = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
    assert (tmp_path / "config.json").read_text() == text


def test_existing_botguard_toml_is_refused_unless_forced(tmp_path: Path) -> None:
    source = _write_config(tmp_path)
    (tmp_path / "botguard.toml").write_text("# mine\n")
    done = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "botguard.toml already exists; pass --force" in done.stderr
    assert source.read_text() == CONFIG
    assert not (tmp_path / ".env").exists()


def test_missing_or_unreadable_config_is_refused(tmp_path: Path) -> None:
    done = botguard("init", "--from-freqtrade", "nope.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "nope.json: cannot read it" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_config_files_need_the_flag(tmp_path: Path) -> None:
    done = botguard("init", "config.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "botguard init --from-freqtrade CONFIG" in done.stderr


def test_two_files_merge_in_order_and_both_are_blanked(tmp_path: Path) -> None:
    """freqtrade merges `-c a -c b`; the key in the later file is the one it uses."""
    (tmp_path / "base.json").write_text(_futures_config(trading_mode="spot"))
    private = {"exchange": {"key": KEY, "secret": SECRET}}
    (tmp_path / "private.json").write_text(json.dumps(private))
    done = botguard("init", "--from-freqtrade", "base.json", "private.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cfg = load_config(tmp_path / "botguard.toml")
    assert [p.name for p in cfg.bot.framework_config] == ["base.json", "private.json"]
    assert cfg.account[0].markets == ["spot"]
    assert _holders(tmp_path) == {".env"}
    assert json.loads((tmp_path / "private.json").read_text())["exchange"]["key"] == ""


def test_a_dry_run_config_without_keys_leaves_them_to_fill_in(tmp_path: Path) -> None:
    _write_config(tmp_path, _futures_config(dry_run=True))
    done = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Next: 1. put FREQTRADE__EXCHANGE__KEY and FREQTRADE__EXCHANGE__SECRET in" in (
        done.stdout
    )
    assert "dry_run" in (tmp_path / "botguard.toml").read_text()
    env = (tmp_path / ".env").read_text()
    assert "FREQTRADE__EXCHANGE__KEY=''" in env


_text = st.text(max_size=12)
_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text
_any = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_section = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["binance", "okx", "bybit", "kraken", "nosuchex", ""]) | _any,
        "key": _text | _any,
        "secret": _text | _any,
        "password": _text,
        "enabled": st.booleans(),
        "listen_ip_address": st.sampled_from(["0.0.0.0", "127.0.0.1", "::1"]) | _any,  # noqa: S104  # noqa: S104
        "jwt_secret_key": _text,
        "ws_token": _text | st.lists(_text, max_size=2),
        "token": _text,
    },
)
_freqtrade_like = st.fixed_dictionaries(
    {},
    optional={
        "exchange": _section | _any,
        "api_server": _section,
        "telegram": _section,
        "stake_currency": st.sampled_from(["USDT", "BTC", ""]) | _any,
        "trading_mode": st.sampled_from(["spot", "futures", "margin"]) | _any,
        "dry_run": st.booleans() | _any,
        "bot_name": _text,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_freqtrade_like | _any, fix=st.booleans())
def test_any_json_document_is_converted_or_refused_in_one_line(doc: object, fix: bool) -> None:
    """Whatever JSON a user points init at: exit 0 with a loadable botguard.toml and the
    secrets gone from the file, or exit 2 with one line and nothing written."""
    from botguard.cli import main
    from botguard.framework.freqtrade import SECRET_FIELDS
    from botguard.framework.jsonc import lookup

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        text = json.dumps(doc)
        _write_config(root, text)
        args = ["init", "--from-freqtrade", str(root / "config.json"), "--dir", folder]
        with _captured() as out:
            code = main([*args, *(["--fix-api-server"] if fix else [])])
        if code == 2:
            assert out.err.count("\n") == 1, out.err
            assert sorted(p.name for p in root.iterdir()) == ["config.json"]
            assert (root / "config.json").read_text() == text
            return
        assert code == 0, out.err
        load_config(root / "botguard.toml")
        after = json.loads((root / "config.json").read_text())
        for path in SECRET_FIELDS:
            if _has_text(lookup(after, path)):  # a list of tokens: said, left to the user
                assert f"note: {'.'.join(path)} is not text; move it" in out.out, path


def _has_text(value: object) -> bool:
    if isinstance(value, list):
        return any(_has_text(v) for v in value)
    return isinstance(value, str) and value != ""


class _Out:
    err = ""
    out = ""


@contextlib.contextmanager
def _captured() -> Iterator[_Out]:
    """stderr of an in-process main(), without pytest's per-test capsys (hypothesis reuses
    one test function for many examples)."""
    out = _Out()
    err, std = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std):
        yield out
    out.err, out.out = err.getvalue(), std.getvalue()


def test_a_key_a_later_file_overrides_is_blanked_too(tmp_path: Path) -> None:
    """freqtrade uses the later file's empty key, but the earlier file still holds one."""
    (tmp_path / "base.json").write_text(_futures_config(exchange={"name": "binance", "key": KEY}))
    (tmp_path / "over.json").write_text(json.dumps({"exchange": {"key": ""}}))
    done = botguard("init", "--from-freqtrade", "base.json", "over.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "exchange.key blanked in base.json (a later file overrides it)" in done.stdout
    assert _holders(tmp_path) == set()


def test_a_symlinked_config_is_blanked_at_its_target(tmp_path: Path) -> None:
    """user_data/config.json -> ../real.json: the file freqtrade reads loses the key."""
    real = _write_config(tmp_path).rename(tmp_path / "real.json")
    (tmp_path / "config.json").symlink_to(real.name)
    done = botguard("init", "--from-freqtrade", "config.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "config.json").is_symlink()
    assert _holders(tmp_path) == {".env"}


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"\xff\xfe{}", "config.json: not UTF-8 text"),
        (b"{" + b" " * (1 << 20) + b"}", "config.json: larger than 1048576 bytes"),
    ],
)
def test_a_file_that_is_no_config_is_refused_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: bytes, says: str
) -> None:
    from botguard.cli import main

    (tmp_path / "config.json").write_bytes(raw)
    assert (
        main(["init", "--from-freqtrade", str(tmp_path / "config.json"), "--dir", str(tmp_path)])
        == 2
    )
    err = capsys.readouterr().err
    assert says in err
    assert err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]


def test_a_secret_freqtrade_would_read_as_a_number_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from botguard.cli import main

    text = _futures_config(exchange={"name": "binance", "key": "1234567890", "secret": "x"})
    _write_config(tmp_path, text)
    assert (
        main(["init", "--from-freqtrade", str(tmp_path / "config.json"), "--dir", str(tmp_path)])
        == 2
    )
    assert "exchange.key looks like a number or true/false" in capsys.readouterr().err
    assert (tmp_path / "config.json").read_text() == text


def test_an_existing_env_keeps_its_other_entries(tmp_path: Path) -> None:
    """The user's .env has more in it; a stale value for a moved name is replaced."""
    from dotenv import dotenv_values

    from botguard.cli import main

    env = tmp_path / ".env"
    env.write_text("# mine\nOTHER='keep me'\nFREQTRADE__EXCHANGE__KEY=old\n")
    env.chmod(0o600)
    text = _futures_config(exchange={"name": "bybit", "key": "new-key-abc", "secret": "s-xyz"})
    _write_config(tmp_path, text)
    assert (
        main(["init", "--from-freqtrade", str(tmp_path / "config.json"), "--dir", str(tmp_path)])
        == 0
    )
    values = dotenv_values(env)
    assert values["OTHER"] == "keep me"
    assert values["FREQTRADE__EXCHANGE__KEY"] == "new-key-abc"
    assert env.read_text().startswith("# mine\n")
    toml = (tmp_path / "botguard.toml").read_text()
    assert "# client_id_prefixes = []   # ccxt adds no broker id to bybit orders" in toml
