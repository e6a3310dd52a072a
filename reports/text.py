"""The one place where text a person typed becomes ReportLab Paragraph markup.

ReportLab's Paragraph parses an XML-like markup, so a name such as ``O'Brien <b>& Søren`` or a
note containing ``</para>`` would be read as tags, or break the document. Everything typed
(patient name, notes, practitioner, clinic details) goes through `markup()`, which:

* normalises to NFC and drops control and invisible formatting characters;
* shapes Arabic (joined letter forms) and puts right-to-left runs into visual order;
* escapes ``&``, ``<`` and ``>``;
* wraps runs the main font cannot draw in ``<font name="...">`` for the font that can
  (DejaVu Sans for the faces it lacks, Droid Sans Fallback for Chinese, Japanese, Korean);
* replaces anything no shipped font can draw (emoji, for instance) with a visible placeholder,
  one per run, rather than printing an empty box or nothing at all.

Text the product itself writes (labels, knowledge-base wording) is plain text too and goes
through the same function; only the renderers add tags of their own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from bidi.algorithm import get_display as get_display_mirrored

from reports.styles import COVERAGE, FALLBACK, REGULAR

__all__ = ["PLACEHOLDER", "is_rtl", "joined", "markup", "plain", "rtl_line", "visual_line"]

#: Printed in place of a run of characters that no shipped font can draw.
PLACEHOLDER = "\u25a1"  # WHITE SQUARE

_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACES = {"\t", "\u2028", "\u2029", "\u000b", "\u000c"}
#: A line of printable ASCII only: nothing to shape, drop or substitute in any of our faces.
_PRINTABLE_ASCII = re.compile("[\x20-\x7e]*")
_ASCII_FACES = frozenset(
    face for face, cover in COVERAGE.items() if all(code in cover for code in range(0x20, 0x7F))
)


def _visual(line: str) -> str:
    """Arabic letters joined and right-to-left runs in the order they are seen on paper."""
    if not _RTL.search(line):
        return line
    return get_display(arabic_reshaper.reshape(line))


def joined(line: str) -> str:
    """Arabic letters joined, still in reading order: a right-to-left paragraph (`reports.rtl`) breaks
    its lines first and puts each line into visual order when it draws it."""
    return arabic_reshaper.reshape(line) if _RTL.search(line) else line


def is_rtl(text: str) -> bool:
    """Whether `text` holds right-to-left letters (Hebrew, Arabic, their presentation forms)."""
    return bool(_RTL.search(text))


def rtl_line(line: str) -> str:
    """A line drawn on its own (a label, a page number) in a right-to-left document: joined, then in visual order."""
    return visual_line(joined(line))


def visual_line(line: str) -> str:
    """One already broken line of a right-to-left paragraph, in the order it is seen on paper.

    python-bidi's pure-Python algorithm (`bidi.algorithm`, shipped in the same package) mirrors
    brackets on right-to-left runs, so "(" prints as the opening bracket a right-to-left reader
    expects; the faster default implementation does not mirror.
    """
    return get_display_mirrored(line, base_dir="R") if line else line


def _runs(line: str, face: str) -> str:
    if face in _ASCII_FACES and _PRINTABLE_ASCII.fullmatch(line):
        return escape(line)  # the common case, same result as the loop below
    own = COVERAGE[face]
    regular = COVERAGE[REGULAR]
    fallback = COVERAGE[FALLBACK]
    pieces: list[str] = []
    current: str | None = None  # font of the open run; None = the paragraph's own face
    buffer: list[str] = []

    def flush() -> None:
        if not buffer:
            return
        text = escape("".join(buffer))
        pieces.append(text if current is None else f'<font name="{current}">{text}</font>')
        buffer.clear()

    last_was_placeholder = False
    for ch in line:
        if ch in _SPACES:
            ch = " "
        code = ord(ch)
        if code > 0xFFFF:
            # Outside the Basic Multilingual Plane (emoji and the like): ReportLab 5.1 writes a
            # malformed ToUnicode entry for these, so copied or searched text would be garbled.
            code = -1
        if code != -1 and unicodedata.category(ch) in _DROP_CATEGORIES:
            continue  # controls, joiners, variation selectors, bidi marks, lone surrogates
        if code in own:
            target, out = None, ch
        elif code in regular:
            target, out = REGULAR, ch
        elif code in fallback:
            target, out = FALLBACK, ch
        else:
            if last_was_placeholder:
                continue
            target, out = None, PLACEHOLDER
        last_was_placeholder = out == PLACEHOLDER
        if target != current:
            flush()
            current = target
        buffer.append(out)
    flush()
    return "".join(pieces)


def markup(text: str | None, face: str = REGULAR, *, rtl: bool = False) -> str:
    """Safe Paragraph markup that prints `text` as typed; line breaks become ``<br/>``.

    `face` is the font the paragraph is set in (regular, bold or oblique), so that characters
    that face lacks are drawn in one that has them. `rtl`: for a right-to-left paragraph
    (`reports.rtl.RtlPara`), which orders each line itself once it is broken.
    """
    if not text:
        return ""
    return _markup(text, face, rtl) if len(text) <= 2_000 else _markup.__wrapped__(text, face, rtl)


@lru_cache(maxsize=8192)
def _markup(text: str, face: str, rtl: bool = False) -> str:
    """`markup` proper: a pure function of its arguments, so equal text (knowledge-base wording) is done once."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    order = joined if rtl else _visual
    return "<br/>".join(_runs(order(line), face) for line in text.split("\n"))


def plain(text: str | None) -> str:
    """Typed text for places without markup (PDF metadata): normalised, controls removed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    return "".join(" " if ch in _SPACES or ch == "\n" else ch for ch in text if unicodedata.category(ch) not in _DROP_CATEGORIES or ch == "\n")
