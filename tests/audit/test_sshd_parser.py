"""Property tests for the sshd_config parser: first value wins, Match scoped."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from botguard.audit.checks.sshd import parse_sshd

values = st.lists(st.sampled_from(["yes", "no", "prohibit-password"]), min_size=1, max_size=6)


@given(values)
def test_first_value_wins(vals: list[str]) -> None:
    """However many times a key repeats, sshd keeps the first."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "etc/ssh").mkdir(parents=True)
        text = "".join(f"PermitRootLogin {v}\n" for v in vals)
        (root / "etc/ssh/sshd_config").write_text(text)
        g, _ = parse_sshd(root, root / "etc/ssh/sshd_config")
        assert g["permitrootlogin"] == vals[0]


@given(st.lists(st.sampled_from(["yes", "no"]), min_size=2, max_size=5))
def test_dropins_in_lexical_order_before_main(vals: list[str]) -> None:
    """Drop-ins included first are read in lexical order; the first file's value wins."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        dd = root / "etc/ssh/sshd_config.d"
        dd.mkdir(parents=True)
        for i, v in enumerate(vals):
            (dd / f"{i:02d}.conf").write_text(f"PasswordAuthentication {v}\n")
        main = root / "etc/ssh/sshd_config"
        main.write_text("Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication maybe\n")
        g, _ = parse_sshd(root, main)
        assert g["passwordauthentication"] == vals[0]


@given(st.sampled_from(["yes", "no"]), st.sampled_from(["yes", "no"]))
def test_match_block_does_not_set_global(outer: str, inner: str) -> None:
    """A value inside Match applies to matching connections only."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "etc/ssh").mkdir(parents=True)
        main = root / "etc/ssh/sshd_config"
        main.write_text(
            f"Match User x\n PermitRootLogin {inner}\nMatch all\nPermitRootLogin {outer}\n"
        )
        g, m = parse_sshd(root, main)
        assert g["permitrootlogin"] == outer
        assert m["permitrootlogin"] == inner
