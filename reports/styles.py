"""Fonts, colours and paragraph styles for both documents, in one place.

Fonts are registered once, at import: DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew)
and Droid Sans Fallback (Chinese, Japanese, Korean), both shipped in `reports/fonts/`, so a
PDF never depends on what the printing machine has installed. `reports.text` reads the
character coverage exported here to decide which font each typed character needs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from intake.policy.urgency import PRESENTATION, URGENCIES

__all__ = [
    "BOLD",
    "COVERAGE",
    "FALLBACK",
    "ITALIC",
    "PAPER",
    "REGULAR",
    "URGENCY_COLOURS",
    "Palette",
    "Styles",
    "palette",
    "styles",
]

FONT_DIR = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
FALLBACK = "Fallback"

_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    FALLBACK: "DroidSansFallback.ttf",
}


def _register() -> dict[str, frozenset[int]]:
    coverage: dict[str, frozenset[int]] = {}
    for name, file in _FILES.items():
        font = TTFont(name, str(FONT_DIR / file))
        pdfmetrics.registerFont(font)
        coverage[name] = frozenset(font.face.charToGlyph)
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD)
    pdfmetrics.registerFontFamily(FALLBACK, normal=FALLBACK, bold=FALLBACK, italic=FALLBACK, boldItalic=FALLBACK)
    return coverage


#: Unicode code points each registered font can draw, by font name.
COVERAGE: dict[str, frozenset[int]] = _register()

PAPER = {"a4": A4, "letter": LETTER}

URGENCY_COLOURS = {u: colors.HexColor(PRESENTATION[u].ink) for u in URGENCIES}


@dataclass(frozen=True)
class Palette:
    accent: colors.Color
    accent_light: colors.Color
    ink: colors.Color
    muted: colors.Color
    rule: colors.Color
    shade: colors.Color
    danger: colors.Color
    danger_light: colors.Color
    caution_light: colors.Color
    ok_light: colors.Color
    pain: colors.Color
    zone: colors.Color


def _mix(colour: colors.Color, amount: float) -> colors.Color:
    """`colour` blended towards white (amount 0 = colour, 1 = white)."""
    r, g, b = colour.red, colour.green, colour.blue
    return colors.Color(r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


@lru_cache(maxsize=8)
def palette(accent: str = "#1f5f8b") -> Palette:
    base = colors.HexColor(accent)
    return Palette(
        accent=base,
        accent_light=_mix(base, 0.88),
        ink=colors.HexColor("#1b1f24"),
        muted=colors.HexColor("#5b6570"),
        rule=colors.HexColor("#c9d1d9"),
        shade=colors.HexColor("#f3f5f7"),
        danger=URGENCY_COLOURS["emergency"],
        danger_light=colors.HexColor("#fbeceb"),
        caution_light=colors.HexColor("#fff6e0"),
        ok_light=colors.HexColor("#eef6ee"),
        pain=colors.HexColor("#d9534f"),
        zone=colors.HexColor("#6a3d9a"),
    )


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    body_bold: ParagraphStyle
    small: ParagraphStyle
    small_bold: ParagraphStyle
    small_muted: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_head: ParagraphStyle
    cell_right: ParagraphStyle
    bullet: ParagraphStyle
    step: ParagraphStyle
    box_title: ParagraphStyle
    footer: ParagraphStyle
    footer_right: ParagraphStyle
    letter: ParagraphStyle
    notes: ParagraphStyle
    reference: ParagraphStyle
    center_small: ParagraphStyle


def _rtl_style(style: ParagraphStyle) -> ParagraphStyle:
    """The right-to-left form of a style: right-aligned (centred stays centred), indents and bullets mirrored."""
    out = copy.copy(style)
    out.name = f"{style.name}-rtl"
    out.alignment = TA_CENTER if style.alignment == TA_CENTER else TA_RIGHT
    out.leftIndent, out.rightIndent = style.rightIndent, style.leftIndent
    out.wordWrap = "RTL"
    return out


@lru_cache(maxsize=16)
def styles(accent: str = "#1f5f8b", scale: float = 1.0, rtl: bool = False) -> Styles:
    """Paragraph styles; `scale` enlarges every size (the patient handout uses 1.2); `rtl`: for a
    right-to-left language (set with `reports.rtl.RtlPara`)."""
    if rtl:
        ltr = styles(accent, scale)
        return Styles(**{f.name: _rtl_style(getattr(ltr, f.name)) for f in fields(Styles)})
    p = palette(accent)

    def s(name: str, size: float, font: str = REGULAR, colour: colors.Color = p.ink, lead: float = 1.3, **kw) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size * scale, leading=size * scale * lead, textColor=colour, **kw
        )

    return Styles(
        title=s("title", 17, BOLD, p.accent, 1.2, spaceAfter=2),
        subtitle=s("subtitle", 9.5, REGULAR, p.muted),
        h1=s("h1", 12.5, BOLD, p.accent, 1.25, spaceBefore=10, spaceAfter=4),
        h2=s("h2", 10, BOLD, p.ink, 1.25, spaceBefore=6, spaceAfter=2),
        body=s("body", 9, spaceAfter=3),
        body_bold=s("body_bold", 9, BOLD, spaceAfter=3),
        small=s("small", 7.8),
        small_bold=s("small_bold", 7.8, BOLD),
        small_muted=s("small_muted", 7.5, REGULAR, p.muted),
        cell=s("cell", 8, lead=1.25),
        cell_bold=s("cell_bold", 8, BOLD, lead=1.25),
        cell_head=s("cell_head", 8, BOLD, colors.white, 1.25),
        cell_right=s("cell_right", 8, lead=1.25, alignment=TA_RIGHT),
        bullet=s("bullet", 9, leftIndent=11, bulletIndent=1, spaceAfter=2.5),
        step=s("step", 9, lead=1.28, leftIndent=13, bulletIndent=0, spaceAfter=1),
        box_title=s("box_title", 11, BOLD, colors.white, 1.25),
        footer=s("footer", 6.5, REGULAR, p.muted, 1.25, alignment=TA_LEFT),
        footer_right=s("footer_right", 7.5, BOLD, p.muted, 1.25, alignment=TA_RIGHT),
        letter=s("letter", 10.5, lead=1.45, spaceAfter=7),
        notes=s("notes", 9, lead=1.4, spaceAfter=4),
        reference=s("reference", 7.8, leftIndent=12, firstLineIndent=-12, spaceAfter=2),
        center_small=s("center_small", 7.5, REGULAR, p.muted, alignment=TA_CENTER),
    )
