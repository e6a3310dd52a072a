"""A filed record's content (the case as filed and its assessment) packed small: canonical JSON,
deflated against a fixed preset dictionary.

Most of an assessment is wording every record shares (reasons, sources, referral and
safety-netting text), so a preset dictionary of that wording takes a record from about 13 kB of
JSON to about 1.5 kB, where plain deflate reaches 3.6 kB. The first byte names the dictionary:
a dictionary, once used, is never changed (a record packed with it must always unpack), so a
better one is added as a new number beside it. Unpacking gives back exactly the dictionary that
was packed, so the re-issued PDFs are byte for byte those of the filing.
"""

from __future__ import annotations

import json
import zlib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["PackError", "pack", "unpack"]

_DICTIONARIES = {1: "record_dict_1.bin"}
_CURRENT = 1


class PackError(ValueError):
    """Stored content that cannot be unpacked (the message says why)."""


@cache
def _dictionary(number: int) -> bytes:
    name = _DICTIONARIES.get(number)
    if name is None:
        raise PackError(f"packed with dictionary {number}, which this version of the app does not have")
    return (Path(__file__).with_name(name)).read_bytes()


def pack(data: dict[str, Any]) -> bytes:
    """`data` as canonical JSON (sorted keys, no NaN), deflated with the current dictionary."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",", ":"))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _dictionary(_CURRENT))
    return bytes([_CURRENT]) + packer.compress(text.encode("utf-8")) + packer.flush()


def unpack(blob: bytes) -> dict[str, Any]:
    if not blob:
        raise PackError("the stored content is empty")
    unpacker = zlib.decompressobj(-15, _dictionary(blob[0]))
    try:
        text = unpacker.decompress(bytes(blob[1:])) + unpacker.flush()
    except zlib.error as exc:
        raise PackError(f"the stored content is damaged ({exc})") from None
    if not unpacker.eof:
        raise PackError("the stored content is cut short")
    return json.loads(text)
