"""Every rule id a scan pattern can report: a public contract, frozen by a test.

A rule id lands in baselines (inside each fingerprint), SARIF `ruleId`s, CI
filters and users' `--exclude` habits, so renaming one silently re-opens every
accepted finding (detect-secrets says the same of its `secret_type`). Ids are
`exchange.kind`; they are added, never renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("api_key", "secret", "token", "passphrase")
"""What an assignment rule found, from the keyword and identifier that named it."""
RULE_EXCHANGES = (
    "binance", "bybit", "okx", "kucoin", "kraken", "coinbase", "bitget", "gate", "htx",
    "huobi", "bitfinex", "gemini", "bittrex", "mexc", "bitmex", "deribit", "bitstamp",
    "cryptocom", "hyperliquid", "bitmart", "phemex", "poloniex", "generic",
)  # fmt: skip
"""Exchange prefixes of assignment rules (okex reports as okx, gateio as gate)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern rule: its permanent id and what it means."""

    id: str
    """`exchange.kind`, e.g. `binance.api_key`; never renamed."""
    description: str
    """One line for SARIF's rule list and for humans."""


_ANCHORED = (
    Rule("coinbase.api_key_name", "Coinbase CDP API key name (organizations/.../apiKeys/...)"),
    Rule("coinbase.ec_private_key", "EC private key block, as Coinbase CDP keys ship"),
    Rule("pem.private_key", "PEM private key block"),
    Rule("telegram.bot_token", "Telegram bot token"),
    Rule("gemini.api_key", "Gemini master or account API key"),
    Rule("wallet.private_key", "hex wallet private key (0x + 64 hex digits)"),
)
RULES: tuple[Rule, ...] = _ANCHORED + tuple(
    Rule(f"{exchange}.{kind}", f"{exchange} {kind.replace('_', ' ')} assigned in code or config")
    for exchange in RULE_EXCHANGES
    for kind in KINDS
    if f"{exchange}.{kind}" not in {r.id for r in _ANCHORED}
)
"""Every rule, anchored ones first; the order is the SARIF rule list's."""
RULE_IDS = frozenset(rule.id for rule in RULES)
BY_ID = {rule.id: rule for rule in RULES}
