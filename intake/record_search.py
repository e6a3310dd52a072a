"""How the records page's patient box finds records: a pseudonym (or its start) or parts of a name.

One normal form for names, used when a record is filed and when a search is typed: Unicode NFC,
case-folded, whitespace collapsed (``"  ZOË  Ünal"`` → ``"zoë ünal"``). Each word typed must appear
inside a word of the name ("hopp" finds Grace Hopper, "ada hop" finds her too). On SQLite that is
a prefix of one of the name's word endings (`name_terms`), found through an index; on PostgreSQL a
trigram index answers the same question on the normalised name itself.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_WORDS", "is_pseudonym_search", "name_terms", "normalise", "prefix_range", "pseudonym_prefix", "words"]

MAX_WORDS = 4  # words of a search that are used (a name has few; more would only slow the query)
_PSEUDONYM = re.compile(r"P-[2-9A-Z]{0,8}", re.IGNORECASE)
_LAST = "\U0010ffff"


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def words(text: str) -> list[str]:
    """The distinct words of a search, longest first (the rarest, so the cheapest to look up first)."""
    unique = dict.fromkeys(normalise(text).split())
    return sorted(unique, key=len, reverse=True)[:MAX_WORDS]


def name_terms(key: str) -> set[str]:
    """Every ending of every word of a normalised name: 'hopper' → hopper, opper, pper, per, er, r."""
    return {word[n:] for word in key.split() for n in range(len(word))}


def prefix_range(prefix: str) -> tuple[str, str]:
    """(low, high): the strings that start with `prefix` are those with low <= s < high."""
    return prefix, prefix + _LAST


def is_pseudonym_search(text: str) -> bool:
    return bool(_PSEUDONYM.fullmatch(text.strip()))


def pseudonym_prefix(text: str) -> str:
    return text.strip().upper()
