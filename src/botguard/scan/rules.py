"""Patterns for exchange credentials whose values botguard does not know.

Each hit carries a stable rule id (`exchange.kind`, e.g. `binance.api_key`) and a
confidence. Assignment rules are keyword-first: the keywords are found in any
case (in the scan's one literal pass), a case-insensitive regex that starts
with the keyword finds `...key = value` shapes, and the
value is then judged by shape (length, alphabet, entropy) and by the exchange
named near it. Anchored rules (PEM blocks, Coinbase key names, Telegram and
Gemini tokens) have their own regexes with literal prefixes, so Python's regex
engine skips quickly through ordinary code.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from botguard.scan.literals import Literal, compiled
from botguard.scan.model import Hit

_ASSIGN = re.compile(
    rb"(key|secret|token|passphrase|password|passwd|pwd)"
    rb"[a-z0-9_.\-]{0,24}['\"]?\]?[ \t]{0,3}(=>|:=|=|:|,)[ \t]{0,3}(?:[bru]{1,2}(?=['\"]))?['\"]?"
    rb"([a-z0-9_./+=\-]{6,200})(?![a-z0-9_./+=\-])",
    re.IGNORECASE,  # ASCII only (bytes): as if on the lowered buffer, without lowering it
)
_UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ANCHORED: tuple[tuple[str, str, bytes, int, re.Pattern[bytes]], ...] = (
    (
        "coinbase.api_key_name",
        "high",
        b"organizations/",
        0,
        re.compile(rb"organizations/" + _UUID + rb"/apiKeys/" + _UUID),
    ),
    (
        "pem.private_key",
        "high",
        b"-----BEGIN ",
        0,
        re.compile(
            rb"-----BEGIN ((?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----"
            rb"(?:\\r|\\n|[\s+\"',])*[A-Za-z0-9+/=]{40,}"
        ),
    ),
    (
        "telegram.bot_token",
        "high",
        b":AA",
        10,
        re.compile(rb"(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])"),
    ),
    (
        "gemini.api_key",
        "high",
        b"master-",
        0,
        re.compile(rb"master-[A-Za-z0-9]{20}(?![A-Za-z0-9])"),
    ),
    (
        "gemini.api_key",
        "high",
        b"account-",
        0,
        re.compile(rb"account-[A-Za-z0-9]{20}(?![A-Za-z0-9])"),
    ),
)
"""(rule, confidence, literal anchor, bytes the match may start before it, regex)."""
_PHRASE_TAIL = re.compile(rb"[^\s'\",;}\]]*")
_KEYWORDS = (b"key", b"secret", b"token", b"passw", b"passphrase", b"pwd")
"""Literal starts of `_ASSIGN`, found in any case (much faster than a regex scan)."""
PATTERN_LITERALS = (
    *(Literal(kw, caseless=True) for kw in _KEYWORDS),
    *(Literal(anchor) for _, _, anchor, _, _ in _ANCHORED),
)
"""What the rules need found before any regex runs: the keywords, then each anchored rule's
anchor. A scan with known values finds these in the same pass as the values' needles."""
EXCHANGES = (
    "binance", "bybit", "okx", "okex", "kucoin", "kraken", "coinbase", "bitget", "gateio",
    "gate", "htx", "huobi", "bitfinex", "gemini", "bittrex", "mexc", "bitmex", "deribit",
    "bitstamp", "cryptocom", "hyperliquid", "bitmart", "phemex", "poloniex",
)  # fmt: skip
_EXCHANGE_RE = re.compile(rb"(?<![a-z])(?:" + rb"|".join(e.encode() for e in EXCHANGES) + rb")")
_NOT_CREDENTIAL = (
    b"public", b"listen", b"ratelimit", b"session", b"address", b"page", b"next", b"cursor",
    b"spl", b"mint", b"link", b"hash", b"nonce", b"signature", b"order", b"client", b"request",
    b"uri", b"url", b"path", b"name", b"type", b"field", b"header", b"length", b"size",
)  # fmt: skip
"""Identifier words that name something other than a credential (listenKey, page_token)."""
_AUTH_TOKEN = (b"access", b"auth", b"bot", b"api", b"bearer", b"refresh", b"secret", b"jwt")
_CODE_VALUE = re.compile(rb"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+")
_WALLET_KEY = re.compile(rb"0x[0-9a-f]{64}")
_DOCUMENTED = frozenset({"gemini.api_key", "telegram.bot_token"})
"""Anchored rules whose shapes appear in API docs' example responses, quoted in comments."""
_UUID_RE = re.compile(_UUID)
_COMMENT_STARTS = (b"#", b"//", b"*", b"--", b"/*")
_PLACEHOLDERS = (
    b"xxxx", b"your", b"example", b"placeholder", b"changeme", b"dummy", b"redacted",
    b"0000000", b"1234567", b"abcdef", b"here", b"<", b"${", b"env", b"secret", b"token",
    b"apikey", b"api_key", b"password",
)  # fmt: skip
_NOT_CREDENTIAL_RE = re.compile(b"|".join(re.escape(word) for word in _NOT_CREDENTIAL))
_PLACEHOLDER_RE = re.compile(b"|".join(re.escape(word) for word in _PLACEHOLDERS))
"""One C-level search each instead of a Python loop of `in` tests (same answer)."""
_LOOKBACK = 300
_TRIPLE_WINDOW = 500
_B64 = re.compile(rb"[A-Za-z0-9+/]{86}={0,2}")
_ALNUM64 = re.compile(rb"[A-Za-z0-9]{64}")


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(data)
    total = len(data)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def find_patterns(buf: bytes, starts: Sequence[Sequence[int]] | None = None) -> list[Hit]:
    """Every pattern hit in `buf` (bytes of a file, a diff or a log).

    `starts` holds the offsets of each of PATTERN_LITERALS in `buf`, when the
    caller found them already (in its one pass with the known values' needles).
    """
    if starts is None:
        starts = compiled(PATTERN_LITERALS).find(buf)
    keyword_starts, anchor_starts = starts[: len(_KEYWORDS)], starts[len(_KEYWORDS) :]
    hits = [
        Hit(m.start(), m.end(), None, rule, confidence, "raw")
        for (rule, confidence, _, back, regex), at in zip(_ANCHORED, anchor_starts, strict=True)
        for m in _anchored(buf, at, back, regex)
    ]
    hits = [_demote(h) if h.rule in _DOCUMENTED and _in_comment(buf, h.start) else h for h in hits]
    if b"-----BEGIN EC " in buf:
        hits = [_ec_rule(h, buf) for h in hits]
    hits += _assignment_hits(buf, keyword_starts)
    return hits


def _anchored(
    buf: bytes, anchor_starts: Iterable[int], back: int, regex: re.Pattern[bytes]
) -> list[re.Match[bytes]]:
    """Regex matches that start at most `back` bytes before an occurrence of the anchor."""
    matches = []
    last_end = -1
    for pos in anchor_starts:
        start = max(0, pos - back, last_end)
        m = regex.search(buf, start, pos + 8192) if back else regex.match(buf, pos)
        if m is not None and m.start() <= pos:
            matches.append(m)
            last_end = m.end()
    return matches


def _ec_rule(hit: Hit, buf: bytes) -> Hit:
    if hit.rule == "pem.private_key" and buf.startswith(b"-----BEGIN EC ", hit.start):
        return Hit(hit.start, hit.end, None, "coinbase.ec_private_key", "high", "raw")
    return hit


def _line_at(buf: bytes, pos: int) -> bytes:
    start = buf.rfind(b"\n", 0, pos) + 1
    end = buf.find(b"\n", pos)
    return buf[start : end if end != -1 else len(buf)]


def _kind(keyword: bytes, ident: bytes) -> str:
    if keyword in (b"passphrase", b"password", b"passwd", b"pwd"):
        return "passphrase"
    if keyword == b"secret" or b"secret" in ident or b"priv" in ident:
        return "secret"
    return "token" if keyword == b"token" else "api_key"


def _exchange_near(buf: bytes, pos: int) -> str | None:
    """The last exchange named in the `_LOOKBACK` bytes before `pos`, in any case."""
    start = max(0, pos - _LOOKBACK)
    window = buf[max(0, start - 1) : pos].lower()  # one byte more, for the lookbehind
    names = _EXCHANGE_RE.findall(window, 1 if start > 0 else 0)
    return names[-1].decode().replace("okex", "okx").replace("gateio", "gate") if names else None


def _is_placeholder(value_lower: bytes) -> bool:
    return _PLACEHOLDER_RE.search(value_lower) is not None or len(set(value_lower)) < 5


def _looks_random(value: bytes) -> bool:
    has_digit = any(48 <= c <= 57 for c in value)
    has_alpha = any(65 <= c <= 90 or 97 <= c <= 122 for c in value)
    dots = value.count(b".")
    return has_digit and has_alpha and dots <= 1 and entropy(value) >= 3.3


def _assignment_hits(buf: bytes, keyword_starts: Sequence[Sequence[int]]) -> list[Hit]:
    """Keyword-anchored `...key = value` hits, judged by value shape and nearby exchange."""
    found: list[tuple[Hit, str]] = []
    for m in _assign_matches(buf, keyword_starts):
        keyword, start, end = m.group(1).lower(), m.start(3), m.end(3)
        ident = _identifier(buf, m.start(1), m.start(2)).lower()
        kind = _kind(keyword, ident)
        if kind == "passphrase":  # passphrases may hold any printable character
            tail = _PHRASE_TAIL.match(buf, end)
            end = tail.end() if tail else end
        if not _is_credential_name(ident, kind) or _is_code_or_placeholder(buf, start, end):
            continue
        hit = _judge(buf[start:end], kind, _exchange_near(buf, m.start()), (start, end))
        if hit is not None:
            found.append((_demote(hit) if _in_comment(buf, start) else hit, kind))
    return _resolve_passphrases(found)


def _assign_matches(buf: bytes, keyword_starts: Sequence[Sequence[int]]) -> list[re.Match[bytes]]:
    """`_ASSIGN` matched only where one of its keywords occurs, in buffer order."""
    starts = sorted({pos for at in keyword_starts for pos in at})
    matches = []
    last_end = -1
    for pos in starts:
        if pos >= last_end and (m := _ASSIGN.match(buf, pos)) is not None:
            matches.append(m)
            last_end = m.end()
    return matches


def _is_credential_name(ident: bytes, kind: str) -> bool:
    """False for names like listenKey, page_token, publicKey, tokenAddress."""
    if _NOT_CREDENTIAL_RE.search(ident) is not None:
        return False
    if kind == "token":
        bare = ident.strip(b"'\"[]._-$@")
        return bare == b"token" or any(word in ident for word in _AUTH_TOKEN)
    return True


def _is_code_or_placeholder(buf: bytes, start: int, end: int) -> bool:
    """The value is an expression (a call, a dotted name) or an obvious placeholder."""
    value = buf[start:end].lower()
    after = buf[end : end + 3].lstrip(b" ")[:1]
    if after in (b"(", b"[", b"=") or b"=" in value.rstrip(b"="):
        return True
    return bool(_CODE_VALUE.fullmatch(value)) or _is_placeholder(value)


def _in_comment(buf: bytes, pos: int) -> bool:
    line = _line_at(buf, pos).lstrip(b"+ \t")
    return line.startswith(_COMMENT_STARTS)


def _demote(hit: Hit) -> Hit:
    """Lower the confidence of a hit in a comment (API docs quote example responses)."""
    confidence = {"high": "medium", "medium": "low"}.get(hit.confidence, hit.confidence)
    return Hit(hit.start, hit.end, None, hit.rule, confidence, hit.encoding)


def _identifier(buf: bytes, kw_start: int, sep_start: int) -> bytes:
    start = kw_start
    while start > 0 and (chr(buf[start - 1]).isalnum() or buf[start - 1] in b"_.-"):
        start -= 1
    return buf[start:sep_start]


def _judge(value: bytes, kind: str, exchange: str | None, span: tuple[int, int]) -> Hit | None:
    """Rule id and confidence for an assigned value, or None when it is not credible."""
    start, end = span
    if kind == "passphrase":
        if 6 <= len(value) <= 64 and len(set(value)) >= 5:
            return Hit(start, end, None, f"{exchange or 'generic'}.passphrase", "medium", "raw")
        return None
    if _B64.fullmatch(value) and value.endswith(b"=="):
        return Hit(start, end, None, "kraken.secret", "high" if exchange else "medium", "raw")
    if len(value) < 16 or not _looks_random(value):
        return None
    if kind == "secret" and _WALLET_KEY.fullmatch(value.lower()):
        return Hit(start, end, None, "wallet.private_key", "high", "raw")
    if _ALNUM64.fullmatch(value) and exchange in (None, "binance"):
        return Hit(start, end, None, f"binance.{kind}", "high" if exchange else "medium", "raw")
    if exchange is not None:
        return Hit(start, end, None, f"{exchange}.{kind}", "high", "raw")
    lowered = value.lower()
    is_id = _UUID_RE.fullmatch(lowered) or lowered.startswith(b"0x")
    confidence = "medium" if len(value) >= 20 and entropy(value) >= 3.7 and not is_id else "low"
    return Hit(start, end, None, f"generic.{kind}", confidence, "raw")


def _resolve_passphrases(found: list[tuple[Hit, str]]) -> list[Hit]:
    """Keep a passphrase only as part of a key/secret/passphrase triple (OKX, KuCoin, Bitget)."""
    creds = [h.start for h, kind in found if kind != "passphrase"]
    hits = []
    for hit, kind in found:
        if kind != "passphrase":
            hits.append(hit)
            continue
        near = [p for p in creds if abs(p - hit.start) <= _TRIPLE_WINDOW]
        if len(near) >= 2:
            exchange = (hit.rule or "generic.passphrase").split(".")[0]
            confidence = "low" if exchange == "generic" else "high"
            hits.append(Hit(hit.start, hit.end, None, f"{exchange}.passphrase", confidence, "raw"))
    return hits
