"""Property tests for the firewall readers: policies and open ports from generated rulesets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from botguard.audit.checks.firewall import iptables_state, nft_state

policies = st.sampled_from(["ACCEPT", "DROP"])
ports = st.lists(st.integers(min_value=1, max_value=65535), max_size=5, unique=True)


@given(policies, ports, policies)
def test_iptables_save_policy_and_ports(policy: str, open_ports: list[int], nat: str) -> None:
    """Only the filter table's INPUT chain counts (a nat INPUT policy is not a firewall)."""
    rules = "".join(f"-A INPUT -p tcp -m tcp --dport {p} -j ACCEPT\n" for p in open_ports)
    saved = (
        f"*nat\n:INPUT {nat} [0:0]\nCOMMIT\n"
        f"*filter\n:INPUT {policy} [0:0]\n:OUTPUT ACCEPT [0:0]\n{rules}COMMIT\n"
    )
    state = iptables_state(saved)
    assert state is not None
    assert state.default_deny is (policy == "DROP")
    assert state.open_ports == tuple(sorted(open_ports))


@given(ports)
def test_iptables_trailing_drop_rule_is_default_deny(open_ports: list[int]) -> None:
    rules = "".join(f"-A INPUT -p tcp --dport {p} -j ACCEPT\n" for p in open_ports)
    state = iptables_state(f"*filter\n:INPUT ACCEPT [0:0]\n{rules}-A INPUT -j DROP\nCOMMIT\n")
    assert state is not None
    assert state.default_deny


@given(st.sampled_from(["drop", "accept"]), ports, st.sampled_from(["drop", "accept"]))
def test_nft_input_chain_policy_and_ports(policy: str, open_ports: list[int], out: str) -> None:
    """Ports accepted in an output chain are egress, not inbound."""
    accept = f"tcp dport {{ {', '.join(map(str, open_ports))} }} accept" if open_ports else ""
    ruleset = (
        "table inet filter {\n"
        f"  chain input {{\n    type filter hook input priority 0; policy {policy};\n"
        f"    ct state established,related accept\n    {accept}\n  }}\n"
        f"  chain output {{\n    type filter hook output priority 0; policy {out};\n"
        "    tcp dport 443 accept\n  }\n}\n"
    )
    state = nft_state(ruleset)
    assert state is not None
    assert state.default_deny is (policy == "drop")
    assert state.open_ports == tuple(sorted(open_ports))


def test_no_input_chain_is_no_verdict() -> None:
    assert nft_state("table inet t {\n chain c { type filter hook output priority 0; }\n}") is None
    assert iptables_state("*nat\n:INPUT DROP [0:0]\nCOMMIT\n") is None
