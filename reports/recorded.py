"""`Recorded`: a Drawing drawn once per process, then replayed into each document.

ReportLab draws a Drawing (the body chart: some fifty polygons, circles and labels) by walking
its shape tree with a state tracker, saving and restoring the canvas state around every node;
that walk cost about a millisecond of each summary. What it appends to the page is the same for
the same Drawing in every document, except for what depends on the document itself: the codes
of the glyphs of its labels (each document numbers the glyphs it uses) and the names of the
Type 1 fonts it selects. So the first time, `Recorded` runs ReportLab's renderer on a scratch
canvas that notes those two kinds of operation instead of writing them; every draw after that
appends the noted operators, writing the labels and font selections for the real document
exactly as `canvas.drawString` and `canvas.setFont` would (the tests compare with ReportLab's
own output byte for byte). Anything the recording cannot stand for (transparency states, spot
colours, text modes) makes it draw the ordinary way, always.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from reports.para import _format

__all__ = ["Recorded"]


class _CannotRecord(Exception):
    pass


@dataclass(frozen=True)
class _Text:
    x: float
    y: float
    text: str
    font: str
    size: float
    leading: float


@dataclass(frozen=True)
class _Type1Font:
    name: str
    size: float
    leading: float


class _Recorder(Canvas):
    """A scratch canvas that notes the document-dependent operations instead of writing them."""

    def drawString(self, x, y, text, mode=None, charSpace=0, direction=None, wordSpace=None, shaping=False):
        font = getFont(self._fontname)
        if mode is not None or charSpace or direction or wordSpace or shaping or not font._dynamicFont or font.shapable:
            raise _CannotRecord("text the recording does not model")
        self._code.append(_Text(x, y, text, self._fontname, self._fontsize, self._leading))

    def setFont(self, psfontname, size, leading=None):
        before = len(self._code)
        super().setFont(psfontname, size, leading)
        if len(self._code) != before:  # a Type 1 font: its name in the document's font table
            self._code[before:] = [_Type1Font(psfontname, size, self._leading)]

    def _checkSeparation(self, cmyk):
        raise _CannotRecord("spot colour")

    def drawImage(self, *args, **kwargs):
        raise _CannotRecord("image")

    def drawInlineImage(self, *args, **kwargs):
        raise _CannotRecord("image")


class Recorded(Flowable):
    """Draws `drawing` exactly as the Drawing itself would, replaying a recording after the first time."""

    def __init__(self, drawing: Drawing):
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height
        self.hAlign = getattr(drawing, "hAlign", "LEFT")
        self._ops: list | None = None
        self._record_failed = False

    def wrap(self, availWidth, availHeight):
        return self.drawing.wrap(availWidth, availHeight)

    def getSpaceBefore(self):
        return self.drawing.getSpaceBefore()

    def getSpaceAfter(self):
        return self.drawing.getSpaceAfter()

    def _record(self) -> list | None:
        scratch = _Recorder(io.BytesIO(), invariant=1)
        version = scratch._doc._pdfVersion
        start = len(scratch._code)
        try:
            renderPDF.draw(self.drawing, scratch, 0, 0, showBoundary=getattr(self.drawing, "_showBoundary", rl_config._unset_))
        except _CannotRecord:
            return None
        if scratch._extgstate._c or scratch._formsinuse:
            return None  # transparency states or forms: named in the document, not modelled here
        ops = scratch._code[start:]
        return [("version", scratch._doc._pdfVersion), *ops] if scratch._doc._pdfVersion != version else ops

    def draw_plain(self):
        """The Drawing's own way: renderPDF.draw(drawing, canv, 0, 0)."""
        self.drawing.canv = self.canv
        try:
            self.drawing.draw()
        finally:
            del self.drawing.canv

    def draw(self):
        canv = self.canv
        if self._ops is None and not self._record_failed:
            self._ops = self._record()
            self._record_failed = self._ops is None
        if self._ops is None or not canv.bottomup or getattr(canv, "_enforceColorSpace", None):
            self.draw_plain()
            return
        code = canv._code
        doc = canv._doc
        for op in self._ops:
            if type(op) is str:
                code.append(op)
            elif type(op) is _Text:  # canvas.drawString: beginText(x, y); textLine(text); drawText
                font = getFont(op.font)
                text = ["BT", f"1 0 0 1 {fp_str(op.x, op.y)} Tm"]
                _format(text, font, op.text, doc, f"{fp_str(op.size)} Tf {fp_str(op.leading)} TL", -1, " T*")
                text.append("ET")
                code.append(" ".join(text))
            elif type(op) is _Type1Font:  # canvas.setFont for a Type 1 font
                code.append(f"BT {doc.getInternalFontName(op.name)} {fp_str(op.size)} Tf {fp_str(op.leading)} TL ET")
            else:  # ("version", n): what setFillAlpha leaves behind
                doc._pdfVersion = max(doc._pdfVersion, op[1])
