"""Debian version comparison, as dpkg does it (lib/dpkg/version.c, verrevcmp).

`[epoch:]upstream[-revision]`: epochs compare as numbers, then upstream and
revision alternate non-digit runs (letters sort before other symbols, `~` before
everything, even the end of the string) and digit runs compared as numbers.
"""

from __future__ import annotations


def _order(c: str) -> int:
    if c == "" or c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


def _at(s: str, i: int) -> str:
    return s[i] if i < len(s) else ""


def _isdigit(c: str) -> bool:
    return c != "" and c in "0123456789"


def _skip_zeros(s: str, i: int) -> int:
    while _at(s, i) == "0":
        i += 1
    return i


def _digits(a: str, i: int, b: str, j: int) -> tuple[int, int, int]:
    """Compare two digit runs as numbers: (sign, new i, new j)."""
    i, j = _skip_zeros(a, i), _skip_zeros(b, j)
    first_diff = 0
    while _isdigit(_at(a, i)) and _isdigit(_at(b, j)):
        first_diff = first_diff or ord(a[i]) - ord(b[j])
        i, j = i + 1, j + 1
    if _isdigit(_at(a, i)):
        return 1, i, j
    if _isdigit(_at(b, j)):
        return -1, i, j
    return first_diff, i, j


def verrevcmp(a: str, b: str) -> int:
    """dpkg's comparison of one upstream version or revision: <0, 0 or >0."""
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not _isdigit(a[i])) or (j < len(b) and not _isdigit(b[j])):
            ac, bc = _order(_at(a, i)), _order(_at(b, j))
            if ac != bc:
                return ac - bc
            i, j = i + 1, j + 1
        diff, i, j = _digits(a, i, b, j)
        if diff:
            return diff
    return 0


def split_version(version: str) -> tuple[int, str, str]:
    """(epoch, upstream, revision) of a Debian version string."""
    epoch_text, colon, rest = version.partition(":")
    if not colon:
        epoch_text, rest = "0", version
    upstream, dash, revision = rest.rpartition("-")
    if not dash:
        upstream, revision = rest, ""
    return int(epoch_text or 0), upstream, revision


def compare_versions(a: str, b: str) -> int:
    """Negative when a is older than b, 0 when equal, positive when newer."""
    ea, ua, ra = split_version(a.strip())
    eb, ub, rb = split_version(b.strip())
    if ea != eb:
        return ea - eb
    return verrevcmp(ua, ub) or verrevcmp(ra, rb)
