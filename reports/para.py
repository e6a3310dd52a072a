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

from reportlab import rl_config
from reportlab.lib.colors import CMYKColor, Color
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.platypus import Paragraph, Table

__all__ = ["Grid", "Para", "clear_caches"]

_PARSE_LIMIT = 8_000  # entries; a summary has about 200 paragraphs, most of them knowledge-base wording
_LINES_LIMIT = 16_000
_LONGEST = 2_000  # characters of markup: longer text (typed notes) is one patient's, never seen again

#: (markup, style, bulletText) -> (text, frags, style, bulletText) as Paragraph._setup leaves them.
_parsed: dict[tuple, tuple] = {}
#: (id(frags), style, first width, later width, bulletText) -> (frags, blPara, height, width_max)
_lines: dict[tuple, tuple] = {}


def _plain_colour(colour) -> bool:
    """An opaque RGB colour: what the short drawing path can set."""
    return isinstance(colour, Color) and not isinstance(colour, CMYKColor) and colour.alpha in (None, 1)


def _split(font, text: str, doc) -> list[tuple[int, bytes]]:
    """TTFont.splitString, answered from the document's glyph assignments when every character
    already has a code in the first subset (after the first few paragraphs, nearly always);
    otherwise ReportLab's own, which also numbers new characters."""
    state = font.state.get(doc)
    if state is not None and text:
        assigned = state.assignments
        try:
            return [(0, bytes([assigned[c] for c in map(ord, text)]))]
        except (KeyError, ValueError):  # a new character, a no-break space, or a code past the first subset
            pass
    return font.splitString(text, doc)


def _format(out: list[str], font, text: str, doc, tf: str | None, subset_now: int, tail: str) -> int:
    """PDFTextObject._textOut for a TrueType font: appends the operators, returns the subset now selected."""
    ops = []
    for subset, t in _split(font, text, doc):
        if subset != subset_now:
            ops.append(f"{font.getSubsetInternalName(subset, doc)} {tf}")
            subset_now = subset
        ops.append(f"({escapePDF(t)}) Tj")
    out.append(" ".join(ops) + tail)
    return subset_now


def clear_caches() -> None:
    """Forget every parsed paragraph, broken line and markup string (for the benchmark's cold figure)."""
    from reports.text import _markup

    _parsed.clear()
    _lines.clear()
    _markup.cache_clear()


class Para(Paragraph):
    """A Paragraph whose parse and line breaking are shared between equal paragraphs."""

    def __init__(self, text, style=None, bulletText=None, frags=None, caseSensitive=1, encoding="utf8"):
        if (frags is not None or text is None or style is None or len(text) > _LONGEST
                or not (bulletText is None or isinstance(bulletText, str))):
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

    def wrapOn(self, canv, aW, aH):
        d = self.__dict__
        if d.get("_wrapped_at") == aW and "blPara" in d:
            return self.width, self.height  # Flowable.wrapOn, without setting and deleting self.canv around it
        return super().wrapOn(canv, aW, aH)

    def getSpaceBefore(self):
        """Flowable.getSpaceBefore without its two failing hasattr calls (a Para has no spaceBefore of its own)."""
        d = self.__dict__
        return d["spaceBefore"] if "spaceBefore" in d else getattr(self.style, "spaceBefore", 0)

    def getSpaceAfter(self):
        d = self.__dict__
        return d["spaceAfter"] if "spaceAfter" in d else getattr(self.style, "spaceAfter", 0)

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

    def drawOn(self, canvas, x, y, _sW=0):
        """Flowable.drawOn + Paragraph.drawPara, for the common case written out directly.

        The common case is a left-aligned paragraph without bullet, first-line indent,
        background, border, underline, link, image or raised text: nearly every paragraph of
        a summary. For it this appends exactly the operators ReportLab's own code would (the
        tests compare whole documents with ReportLab's byte for byte), without the per-call
        overhead of saving and restoring the canvas state twice and building a text object,
        which was most of the cost of drawing the few hundred small paragraphs of a summary.
        Anything else is drawn the ordinary way.
        """
        ops = self._fast_ops(canvas) if not _sW else None
        if ops is None:
            return super().drawOn(canvas, x, y, _sW)
        code = canvas._code
        code.append("q")  # Flowable.drawOn: canvas.saveState()
        code.append(f"{fp_str(1, 0, 0, 1, x, y)} cm")  # canvas.translate(x, y), never merged after "q"
        if ops:
            code += ops
        code.append("Q")  # canvas.restoreState()

    def _fast_ops(self, canvas) -> list[str] | None:
        """What drawPara would append to the canvas's code, or None when this is not the common case."""
        blPara = self.__dict__.get("blPara")
        style = self.style
        if (
            blPara is None
            or blPara.kind not in (0, 1)
            or self.bulletText
            or style.alignment != TA_LEFT
            or style.backColor
            or (getattr(style, "borderColor", None) and getattr(style, "borderWidth", None))
            or style.wordWrap
            or style.endDots
            or getattr(self, "autoLeading", getattr(style, "autoLeading", "")) not in ("", "off")
            or getattr(self, "_offsets", None)
            or getattr(self, "_showBoundary", None)
            or getattr(canvas, "_enforceColorSpace", None)
            or not canvas.bottomup
            or canvas._extgstate.getValue("ca") != 1
        ):
            return None
        lines = blPara.lines
        if not lines:
            return []
        if any((line[0] if blPara.kind == 0 else line.extraSpace) <= -1e-8 for line in lines):
            return None  # an over-full line: drawPara spreads or squeezes its spaces
        doc = canvas._doc
        leading = style.leading
        indent = style.firstLineIndent  # the first line's offset; drawn only when more than 1e-6 (setXPos)
        if -1e-6 <= indent <= 1e-6:
            indent = 0
        if blPara.kind == 0:
            colour = blPara.textColor
            font = getFont(blPara.fontName)
            if getattr(blPara, "us_lines", None) or getattr(blPara, "link", None) or not _plain_colour(colour) \
                    or not font._dynamicFont or font.shapable:
                return None
            size = blPara.fontSize
            cur_y = self.height - (size if rl_config.paraFontSizeHeightOffset else getattr(blPara, "ascent", size))
            out = ["q", f"{fp_str((colour.red, colour.green, colour.blue))} rg"]  # saveState; setFillColor
            if colour.alpha is not None:
                doc.ensureMinPdfVersion("transparency")  # all that setFillAlpha(1) does here
            text = ["BT", f"1 0 0 1 {fp_str(style.leftIndent, cur_y)} Tm"]  # beginText(leftIndent, cur_y)
            tf = f"{fp_str(size)} Tf {fp_str(leading)} TL"
            subset_now = -1
            for i, (_, words) in enumerate(lines):  # _leftDrawParaLine: tx._textOut(" ".join(words), 1)
                if i == 0 and indent:
                    text.append(f"{fp_str(indent, 0)} Td")  # setXPos(tx, offset)
                subset_now = _format(text, font, " ".join(words), doc, tf, subset_now, " T*")
                if i == 0 and indent:
                    text.append(f"{fp_str(-indent, 0)} Td")  # setXPos(tx, -offset)
        else:
            for line in lines:  # everything checked before anything is written (splitString numbers glyphs)
                if not line.words:
                    return None
                for f in line.words:
                    if hasattr(f, "cbDefn") or getattr(f, "backColor", None) or getattr(f, "rise", 0) \
                            or getattr(f, "us_lines", None) or getattr(f, "link", None) or not _plain_colour(f.textColor):
                        return None
                    font = getFont(f.fontName)
                    if not font._dynamicFont or font.shapable:
                        return None
            first = lines[0]
            size = first.fontSize
            cur_y = self.height - (size if rl_config.paraFontSizeHeightOffset else getattr(first, "ascent", size))
            out = ["q"]  # saveState; the colours are set inside the text object
            text = ["BT", f"1 0 0 1 {fp_str(style.leftIndent, cur_y)} Tm"]
            font_now = size_now = font = colour_now = tf = None
            subset_now = -1
            for i, line in enumerate(lines):  # _leftDrawParaLineX -> _putFragLine
                words = line.words
                last = words[-1]
                if i == 0:
                    if indent:
                        text.append(f"{fp_str(indent, 0)} Td")  # setXPos(tx, offset)
                    text.append(f"{fp_str(leading)} TL")  # _putFragLine: tx.setLeading, on the first line only
                for f in words:
                    if (font_now, size_now) != (f.fontName, f.fontSize):  # tx._setFont
                        font_now, size_now = f.fontName, f.fontSize
                        font = getFont(font_now)
                        tf = f"{fp_str(size_now)} Tf {fp_str(leading)} TL"
                        subset_now = -1
                    colour = f.textColor
                    if colour_now != colour:  # tx.setFillColor
                        colour_now = colour
                        text.append(f"{fp_str((colour.red, colour.green, colour.blue))} rg")
                        if colour.alpha is not None:
                            doc.ensureMinPdfVersion("transparency")
                    subset_now = _format(text, font, f.text, doc, tf, subset_now, " T*" if f is last else "")
                if i == 0 and indent:
                    text.append(f"{fp_str(-indent, 0)} Td")  # setXPos(tx, -offset)
        text.append("ET")
        out.append(" ".join(text))  # canvas.drawText
        out.append("Q")  # restoreState
        return out

    def split(self, availWidth, availHeight):
        self.__dict__.pop("_wrapped_at", None)  # split may re-wrap or drop the lines it was given
        if self._shared and availWidth >= 1e-8:
            # ReportLab's split edits the lines it splits (a space after the last word of each line,
            # _split_blParaHard): give it lines of this paragraph's own, as a plain Paragraph has
            Paragraph.wrap(self, availWidth, availHeight)
        return super().split(availWidth, availHeight)


class Grid(Table):
    """A Table whose plain-string cells are drawn with the operators canvas.drawString would write.

    Table._drawCell draws a string cell with canvas.drawString, which measures the string (for
    bidi/shaping it does not do here), builds a text object and formats it; the findings table
    has dozens of such cells. Same bytes; anything but a one-line, left/top string in a TrueType
    font goes the ordinary way.
    """

    def _drawCell(self, cellval, cellstyle, pos, size):
        if (
            type(cellval) is not str
            or "\n" in cellval
            or cellstyle.alignment != "LEFT"
            or cellstyle.valign != "TOP"
            or cellstyle.direction
            or cellstyle.shaping
            or cellstyle.href
            or cellstyle.destination
            or not self.canv.bottomup
        ):
            return super()._drawCell(cellval, cellstyle, pos, size)
        canv = self.canv
        if self._curcellstyle is not cellstyle:  # as Table._drawCell: set only what changed
            cur = self._curcellstyle
            if cur is None or cellstyle.color != cur.color:
                canv.setFillColor(cellstyle.color)
            if cur is None or cellstyle.leading != cur.leading or cellstyle.fontname != cur.fontname \
                    or cellstyle.fontsize != cur.fontsize:
                canv.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            self._curcellstyle = cellstyle
        colpos, rowpos = pos
        x = colpos + cellstyle.leftPadding
        y = rowpos + size[1] - cellstyle.topPadding - cellstyle.fontsize
        font = getFont(canv._fontname)
        if not font._dynamicFont or font.shapable:
            canv.drawString(x, y, cellval)
            return
        text = ["BT", f"1 0 0 1 {fp_str(x, y)} Tm"]  # beginText(x, y); textLine(cellval); drawText
        _format(text, font, cellval, canv._doc, f"{fp_str(canv._fontsize)} Tf {fp_str(canv._leading)} TL", -1, " T*")
        text.append("ET")
        canv._code.append(" ".join(text))
