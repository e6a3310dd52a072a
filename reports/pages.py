"""Page furniture shared by both documents: the document template, running header and footer
with "Page n of N", the clinic letterhead, and the safe-paragraph helper.

"Page n of N" needs the page count before the last page is drawn, so the canvas keeps each
finished page's state and draws every footer when the document is saved (one layout pass).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from reportlab.lib.utils import ImageReader, _digester
from reportlab.pdfbase.pdfdoc import PDFImageXObject, PDFObjectReference
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, TableStyle

from reports.branding import Branding
from reports.content import Header
from reports.para import Grid, Para
from reports.rtl import RtlPara
from reports.styles import BOLD, ITALIC, PAPER, REGULAR, Styles, palette
from reports.text import markup, plain, rtl_line

__all__ = [
    "BOTTOM",
    "MARGIN",
    "TOP",
    "Letterhead",
    "NoRunningHeader",
    "P",
    "build_pdf",
    "logo_reader",
]

MARGIN = 42.0
TOP = 44.0
BOTTOM = 58.0


def P(text: str | None, style, *, prefix: str = "", suffix: str = "") -> Para:
    """A Paragraph of typed or product text printed as written; `prefix`/`suffix` are trusted markup.

    A right-to-left style (``wordWrap="RTL"``, `reports.styles.styles(rtl=True)`) gives an `RtlPara`.
    """
    face = style.fontName if style.fontName in (BOLD, ITALIC) else None
    if style.wordWrap == "RTL":
        return RtlPara(f"{prefix}{markup(text, face or REGULAR, rtl=True)}{suffix}", style)
    body = markup(text, face) if face else markup(text)
    return Para(f"{prefix}{body}{suffix}", style)


@lru_cache(maxsize=8)
def logo_reader(path: Path) -> ImageReader:
    """The logo decoded once per process (a batch of 1,000 reports reads it once)."""
    return ImageReader(str(path))


@lru_cache(maxsize=8)
def _logo_xobject(path: Path) -> tuple[str, PDFImageXObject]:
    """The logo as ReportLab's image XObject (name, compressed pixels, soft mask), made once per process.

    `canvas.drawImage` decodes, digests and deflates the image again for every document (about
    1 ms of a 25 ms summary); `_Logo.draw` registers a copy of this one instead, exactly as
    drawImage would (same names, same objects, same bytes).
    """
    reader = logo_reader(path)
    raw = reader.getRGBData()
    alpha = reader._dataA.getRGBData() if reader._dataA else b"auto"
    name = _digester(raw + alpha)  # the name drawImage gives it
    xobject = PDFImageXObject(name, reader, mask="auto")
    xobject.name = name
    return name, xobject


class _Logo(Flowable):
    def __init__(self, path: Path | None, size: float):
        super().__init__()
        self.path, self.size = path, size
        self.width = self.height = size
        if path is not None:
            w, h = logo_reader(path).getSize()
            ratio = min(size / w, size / h)
            self.draw_w, self.draw_h = w * ratio, h * ratio

    def wrap(self, aw, ah):
        return (self.size, self.size) if self.path else (0, 0)

    def draw(self):
        if self.path is None:
            return
        canv = self.canv
        name, template = _logo_xobject(self.path)
        # canvas.drawImage(logo_reader(self.path), 0, self.size - self.draw_h, self.draw_w, self.draw_h, mask="auto"),
        # with the image object made once: the same registration, the same drawing operators
        canv._currentPageHasImages = 1
        doc = canv._doc
        reg = doc.getXObjectName(name)
        if not doc.idToObject.get(reg, None):
            image = copy.copy(template)
            canv._setXObjects(image)
            doc.Reference(image, reg)
            doc.addForm(name, image)
            smask = getattr(template, "_smask", None)
            if smask:
                del image._smask
                mreg = doc.getXObjectName(smask.name)
                if not doc.idToObject.get(mreg, None):
                    smask = copy.copy(smask)
                    canv._setXObjects(smask)
                    image.smask = doc.Reference(smask, mreg)
                else:
                    image.smask = PDFObjectReference(mreg)
        canv.saveState()
        canv.translate(0, self.size - self.draw_h)
        canv.scale(self.draw_w, self.draw_h)
        canv._code.append(f"/{reg} Do")
        canv.restoreState()
        canv._formsinuse.append(name)


class Letterhead(Grid):
    """The clinic's logo, name, address and contact details beside the document's patient block."""

    def __init__(self, header: Header, st: Styles, width: float, right: list[Flowable], rtl: bool = False):
        b = header.clinic
        clinic: list[Flowable] = [P(b.name, st.h2)]
        clinic += [P(line, st.small_muted) for line in b.address]
        contact = " · ".join(b.contact_lines)
        if contact:
            clinic.append(P(contact, st.small_muted))
        logo = _Logo(b.logo, 46) if b.logo else ""
        logo_w = 54 if b.logo else 0
        cells, widths = [logo, clinic, right], [logo_w, (width - logo_w) * 0.5, (width - logo_w) * 0.5]
        if rtl:  # mirrored: the logo and the clinic on the right, where a right-to-left reader starts
            cells, widths = cells[::-1], widths[::-1]
        super().__init__([cells], colWidths=widths)
        p = palette(b.accent)
        padding = [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (1, 0), 6), ("RIGHTPADDING", (2, 0), (2, 0), 0)]
        if rtl:
            padding = [("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LEFTPADDING", (1, 0), (2, 0), 6), ("LEFTPADDING", (0, 0), (0, 0), 0)]
        self.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            *padding,
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ("LINEBELOW", (0, 0), (-1, 0), 1.2, p.accent),
        ]))


class NoRunningHeader(Flowable):
    """Placed at the top of a page (a letter) that carries its own letterhead instead of the running header."""

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        self.canv._skip_running_header = True


class _NumberedCanvas(Canvas):
    """Keeps each page until the end so the footer can say "Page n of N"."""

    def __init__(self, *args, furniture: Callable[[Canvas, int, int], None], **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._furniture = furniture

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._skip_running_header = False
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._furniture(self, self._pageNumber, total)
            super().showPage()
        super().save()


def build_pdf(
    story: list[Flowable],
    *,
    header: Header,
    st: Styles,
    paper: str,
    title: str,
    subject: str,
    disclaimer: str,
    running_title: str,
    language: str = "en-GB",
    page_label: str = "Page {page} of {total}",
    patient_label: str = "Patient",
    case_label: str = "Case {ref}",
    rtl: bool = False,
) -> bytes:
    """Lay out `story` with the running header and footer; same input, same bytes (invariant).

    `language` (BCP 47) is the document's, `page_label` the footer's page number in it; `rtl` sets the
    footer and running header right to left (`st` is then a right-to-left set of styles)."""
    if paper not in PAPER:
        raise ValueError(f"paper must be one of {', '.join(PAPER)}, got {paper!r}")
    pagesize = PAPER[paper]
    buffer = io.BytesIO()
    b: Branding = header.clinic
    p = palette(b.accent)
    width = pagesize[0] - 2 * MARGIN
    footer_para = P(disclaimer, st.footer)
    _, footer_h = footer_para.wrap(width - 80, BOTTOM)
    who = header.patient_name or (case_label.format(ref=header.case_ref) if header.case_ref else patient_label)
    if rtl:  # the date straight after the title: its day number would otherwise join a Latin name before it
        running = P(" · ".join(x for x in (b.name, running_title, header.date, who) if x), st.small_muted)
    else:
        running = Para(" · ".join(markup(x) for x in (b.name, running_title, who, header.date)), st.small_muted)
    running.wrap(width, TOP)

    def furniture(canv: Canvas, page: int, total: int) -> None:
        canv.saveState()
        canv.setStrokeColor(p.rule)
        canv.setLineWidth(0.5)
        canv.line(MARGIN, BOTTOM - 10, pagesize[0] - MARGIN, BOTTOM - 10)
        canv.setFont(BOLD, 7.5)
        canv.setFillColor(p.muted)
        number = page_label.format(page=page, total=total)
        if rtl:  # the page number on the left, the footer text right-aligned beside it
            footer_para.drawOn(canv, MARGIN + 80, BOTTOM - 14 - footer_h)
            canv.drawString(MARGIN, BOTTOM - 21, rtl_line(number))
        else:
            footer_para.drawOn(canv, MARGIN, BOTTOM - 14 - footer_h)
            canv.drawRightString(pagesize[0] - MARGIN, BOTTOM - 21, number)
        if page > 1 and not getattr(canv, "_skip_running_header", False):
            running.drawOn(canv, MARGIN, pagesize[1] - TOP + 12)
            canv.setStrokeColor(p.accent)
            canv.line(MARGIN, pagesize[1] - TOP + 8, pagesize[0] - MARGIN, pagesize[1] - TOP + 8)
        canv.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=plain(title),
        author=plain(b.name),
        subject=plain(subject),
        creator="hip-intake reports",
        producer="ReportLab",
        invariant=1,
        lang=language,
    )

    def canvasmaker(*args, **kwargs):
        return _NumberedCanvas(*args, furniture=furniture, **kwargs)

    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()

