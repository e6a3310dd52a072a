"""`Para`: ReportLab's Paragraph, without the repeated work.

A summary holds a few hundred small paragraphs, most of them inside table cells. Profiling
showed where ReportLab spends its time on them:

* parsing the markup (``html.parser`` under ReportLab's ParaParser) for every Paragraph,
  although most of the text is knowledge-base wording that recurs in every report;
* breaking lines twice or more for the same width: a Table wraps every cell to size its rows,
  then wraps it again when drawing it (and a table split over pages wraps it again).

`Para` is a Paragraph subclass (so tables, KeepTogether and splitting treat it exactly as a
Paragraph, and it lays out and draws with ReportLab's own code, byte for byte) that

* keeps the parsed fragments of a (markup, style) pair for the life of the process; and
* keeps the broken lines of those fragments per width, so a second wrap at the same width,
  in this document or the next, costs a dictionary look-up.

Nothing here depends on the document being built: fragments and broken lines are pure
functions of the markup, the style and the width, and neither is changed after it is made
(checked by the byte-identical-render tests). Both caches are bounded.
"""

from __future__ import annotations

from reportlab.platypus import Paragraph

__all__ = ["Para", "clear_caches"]

_PARSE_LIMIT = 20_000
_LINES_LIMIT = 40_000

#: (markup, style, bulletText) -> (text, frags, style, bulletText) as Paragraph._setup leaves them.
_parsed: dict[tuple, tuple] = {}
#: (id(frags), style, first width, later width, bulletText) -> (frags, blPara, height, width_max)
_lines: dict[tuple, tuple] = {}


def clear_caches() -> None:
    """Forget every parsed paragraph and broken line (the benchmark's cold-cache figure uses this)."""
    _parsed.clear()
    _lines.clear()


class Para(Paragraph):
    """A Paragraph whose parse and line breaking are shared between equal paragraphs."""

    def __init__(self, text, style=None, bulletText=None, frags=None, caseSensitive=1, encoding="utf8"):
        if frags is not None or text is None or style is None or not (bulletText is None or isinstance(bulletText, str)):
            # a split's second half (pre-broken fragments) and anything unusual: ReportLab's own way
            super().__init__(text, style, bulletText, frags, caseSensitive, encoding)
            self._shared = False
            return
        self._shared = True  # frags kept in the parse cache: their broken lines may be kept too
        key = (text, style, bulletText, caseSensitive)
        hit = _parsed.get(key)
        if hit is None:
            super().__init__(text, style, bulletText, None, caseSensitive, encoding)
            if len(_parsed) >= _PARSE_LIMIT:
                _parsed.clear()
            _parsed[key] = (self.text, self.frags, self.style, self.bulletText)
            return
        self.caseSensitive = caseSensitive
        self.encoding = encoding
        self.text, self.frags, self.style, self.bulletText = hit
        self.debug = 0

    def wrap(self, availWidth, availHeight):
        d = self.__dict__
        if d.get("_wrapped_at") == availWidth and "blPara" in d:
            return self.width, self.height  # the same width again (a table measuring, then drawing)
        style = self.style
        frags = self.frags
        key = None
        if self._shared and availWidth >= 1e-8 and not getattr(self, "autoLeading", None):
            first = availWidth - (style.leftIndent + style.firstLineIndent) - style.rightIndent
            later = availWidth - style.leftIndent - style.rightIndent
            bullet = self.bulletText
            if bullet is None or isinstance(bullet, str):
                key = (id(frags), style, first, later, bullet)
                hit = _lines.get(key)
                if hit is not None and hit[0] is frags:
                    self.width = availWidth
                    self._wrapWidths = [first, later]
                    self.blPara = hit[1]
                    self.height = hit[2]
                    self._width_max = hit[3]
                    d["_wrapped_at"] = availWidth
                    return availWidth, hit[2]
        result = super().wrap(availWidth, availHeight)
        d["_wrapped_at"] = availWidth
        if key is not None and "blPara" in d:
            if len(_lines) >= _LINES_LIMIT:
                _lines.clear()
            _lines[key] = (frags, self.blPara, self.height, getattr(self, "_width_max", 0))
        return result

    def split(self, availWidth, availHeight):
        self.__dict__.pop("_wrapped_at", None)  # split may re-wrap or drop the lines it was given
        return super().split(availWidth, availHeight)
