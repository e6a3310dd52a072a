"""Body chart: a front and a back outline with the 11 case regions as shapes to shade.

The geometry is plain data (`OUTLINE`, `REGION_SHAPES`), drawn twice from the same numbers:
`body_chart()` makes a reportlab.graphics Drawing for the PDF, `svg_body_chart()` an inline
SVG string for the browser, so the screen and the paper show the same figure.

Coordinates: one figure is 100 units wide and 240 tall, y pointing down (as in SVG). Shapes
are given for the leg on the viewer's left and mirrored for the other one. Front view: the
viewer's left is the patient's right; back view: the viewer's left is the patient's left.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Group, Polygon, Rect, String
from reportlab.lib import colors

from reports.styles import BOLD, REGULAR

__all__ = [
    "OUTLINE",
    "PATIENT_LEGEND",
    "REGIONS",
    "REGION_SHAPES",
    "SVG_LABELS",
    "body_chart",
    "region_polygons",
    "svg_body_chart",
]

Point = tuple[float, float]

REGIONS: tuple[str, ...] = (
    "low_back", "sacroiliac", "buttock", "groin", "anterior_thigh", "lateral_hip",
    "lateral_thigh", "posterior_thigh", "knee", "below_knee", "foot",
)

FIGURE_W, FIGURE_H = 100.0, 240.0
HEAD: tuple[float, float, float] = (50.0, 15.0, 10.5)  # centre x, centre y, radius

# Half the body outline (viewer's left), from the neck round to the crotch.
_HALF_OUTLINE: list[Point] = [
    (45, 25), (44, 29), (31, 33), (25, 38), (21, 55), (19, 75), (17, 98), (15, 114),
    (16, 121), (20, 124), (23, 119), (24, 104), (26, 84), (29, 62), (32, 52), (34, 72),
    (34, 88), (30, 100), (28, 112), (29, 140), (31, 164), (33, 178), (32, 195), (38, 222),
    (31, 231), (33, 236), (46, 236), (46, 222), (47, 196), (48, 178), (48, 165), (49, 140),
    (50, 128),
]


def _mirror(points: Sequence[Point]) -> list[Point]:
    return [(FIGURE_W - x, y) for x, y in points]


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 14) -> list[Point]:
    return [(round(cx + rx * math.cos(2 * math.pi * k / n), 2), round(cy + ry * math.sin(2 * math.pi * k / n), 2)) for k in range(n)]


#: The whole outline (both views use it), clockwise from the neck.
OUTLINE: list[Point] = _HALF_OUTLINE + list(reversed(_mirror(_HALF_OUTLINE)))[1:]

_LATERAL_HIP: list[Point] = [(28, 101), (33.5, 100), (35, 118), (29, 121)]
_LATERAL_THIGH: list[Point] = [(29, 123), (35, 121), (35.5, 163), (31, 163)]
_KNEE: list[Point] = [(31, 165.5), (48, 165.5), (48, 178), (33, 178)]
_BELOW_KNEE: list[Point] = [(33, 180), (48, 180), (47, 196), (46, 220), (38.5, 220), (32, 195)]
_FOOT: list[Point] = [(38.5, 223), (46, 223), (46, 235.5), (33.5, 235.5), (31.5, 231.5)]

#: Shapes for the viewer's-left half of each view, region by region (mirrored for the other side).
REGION_SHAPES: dict[str, dict[str, list[list[Point]]]] = {
    "front": {
        "groin": [[(36.5, 104), (47, 114), (50, 127), (44, 129.5), (36, 117)]],
        "lateral_hip": [_LATERAL_HIP],
        "anterior_thigh": [[(36, 119.5), (43.5, 130), (49, 133), (48, 163), (36, 163)]],
        "lateral_thigh": [_LATERAL_THIGH],
        "knee": [_KNEE],
        "below_knee": [_BELOW_KNEE],
        "foot": [_FOOT],
    },
    "back": {
        "low_back": [[(35, 80), (50, 80), (50, 97), (35.5, 97)]],
        "buttock": [[(30, 104), (41, 106), (49.5, 110), (50, 127), (44, 132), (32, 131), (28.5, 120)]],
        "sacroiliac": [_ellipse(44.5, 102.5, 3.2, 4.2)],
        "lateral_hip": [_LATERAL_HIP],
        "posterior_thigh": [[(35.5, 134), (49, 133), (48, 163), (36, 163)]],
        "lateral_thigh": [_LATERAL_THIGH],
        "knee": [_KNEE],
        "below_knee": [_BELOW_KNEE],
        "foot": [_FOOT],
    },
}

# Which patient side the viewer's-left half shows, per view.
_VIEWER_LEFT_IS = {"front": "right", "back": "left"}


def region_polygons(view: str) -> dict[str, list[tuple[str, list[Point]]]]:
    """Every region shape of one view as (patient side, points), both sides, in draw order."""
    out: dict[str, list[tuple[str, list[Point]]]] = {}
    left_side = _VIEWER_LEFT_IS[view]
    right_side = "left" if left_side == "right" else "right"
    for region, shapes in REGION_SHAPES[view].items():
        out[region] = [(left_side, list(s)) for s in shapes] + [(right_side, _mirror(s)) for s in shapes]
    return out


def _sides(side: str | None) -> set[str]:
    return {side} if side in ("left", "right") else {"left", "right"}


def _checked(regions: Iterable[str]) -> set[str]:
    chosen = set(regions)
    unknown = chosen - set(REGIONS)
    if unknown:
        raise ValueError(f"unknown body-chart region(s): {', '.join(sorted(unknown))}")
    return chosen


PAIN_FILL = "#f19c97"
PAIN_STROKE = "#b3261e"
ZONE_STROKE = "#6a3d9a"
ZONE_FILL = "#ece3f5"
BODY_FILL = "#f4f6f8"
BODY_STROKE = "#7b8794"
REGION_STROKE = "#c3cbd3"

LEGEND = (
    ("pain", "Where the patient feels pain"),
    ("zone", "Referral zone of a suspected muscle"),
)
#: The legend of the patient's own page (no muscle zones there), and every label a translation needs.
PATIENT_LEGEND = (("pain", "Where you feel pain"),)
SVG_LABELS = ("Front", "Back", "R", "L", "Body chart, front and back: pain sites shaded, muscle referral zones outlined")


# Regions on the midline: shaded on both sides whatever the side of the symptoms.
MIDLINE = frozenset({"low_back"})


def _figures(pain: set[str], zones: set[str], side: str | None):
    """Yield (view, x offset, region, patient side, points, style) for everything to draw."""
    chosen = _sides(side)
    for index, view in enumerate(("front", "back")):
        dx = index * (FIGURE_W + 16)
        for region, shapes in region_polygons(view).items():
            for patient_side, points in shapes:
                on_side = region in MIDLINE or patient_side in chosen
                style = (
                    "pain" if region in pain and on_side else "plain",
                    region in zones and on_side,
                )
                yield view, dx, region, patient_side, points, style


def body_chart(
    pain_sites: Iterable[str],
    muscle_zones: Iterable[str] = (),
    side: str | None = None,
    height: float = 190.0,
    legend: bool = True,
) -> Drawing:
    """A Drawing of both views, pain sites shaded, muscle referral zones outlined, with a legend."""
    pain, zones = _checked(pain_sites), _checked(muscle_zones)
    legend_h = 30.0 if legend else 0.0
    total_w = 2 * FIGURE_W + 16
    scale = (height - legend_h - 12) / FIGURE_H
    width = total_w * scale
    drawing = Drawing(width, height)
    top = height - 12  # room for the view titles

    def tx(x: float, dx: float) -> float:
        return (x + dx) * scale

    def ty(y: float) -> float:
        return top - y * scale

    for index, view in enumerate(("front", "back")):
        dx = index * (FIGURE_W + 16)
        body = Group()
        body.add(Polygon([c for x, y in OUTLINE for c in (tx(x, dx), ty(y))], fillColor=colors.HexColor(BODY_FILL),
                         strokeColor=colors.HexColor(BODY_STROKE), strokeWidth=0.8, strokeLineJoin=1))
        hx, hy, hr = HEAD
        body.add(Circle(tx(hx, dx), ty(hy), hr * scale, fillColor=colors.HexColor(BODY_FILL),
                        strokeColor=colors.HexColor(BODY_STROKE), strokeWidth=0.8))
        drawing.add(body)
        drawing.add(String(tx(50, dx), height - 9, "Front" if view == "front" else "Back", fontName=BOLD,
                           fontSize=7.5, textAnchor="middle", fillColor=colors.HexColor("#3b4650")))
        left_label = "R" if _VIEWER_LEFT_IS[view] == "right" else "L"
        right_label = "L" if left_label == "R" else "R"
        drawing.add(String(tx(6, dx), ty(40), left_label, fontName=BOLD, fontSize=7, textAnchor="middle",
                           fillColor=colors.HexColor("#7b8794")))
        drawing.add(String(tx(94, dx), ty(40), right_label, fontName=BOLD, fontSize=7, textAnchor="middle",
                           fillColor=colors.HexColor("#7b8794")))

    outlines = []
    for _view, dx, _region, _side, points, (fill, zone) in _figures(pain, zones, side):
        coords = [c for x, y in points for c in (tx(x, dx), ty(y))]
        fill_colour = PAIN_FILL if fill == "pain" else (ZONE_FILL if zone else None)
        drawing.add(Polygon(coords, fillColor=colors.HexColor(fill_colour) if fill_colour else None,
                            strokeColor=colors.HexColor(PAIN_STROKE if fill == "pain" else REGION_STROKE),
                            strokeWidth=0.6 if fill == "pain" else 0.4, strokeLineJoin=1))
        if zone:
            outlines.append(coords)
    for coords in outlines:  # on top, so a shaded neighbour never hides a dashed edge
        drawing.add(Polygon(coords, fillColor=None, strokeColor=colors.HexColor(ZONE_STROKE), strokeWidth=1.3,
                            strokeDashArray=[2.2, 1.4], strokeLineJoin=1))

    if legend:
        y = legend_h - 12
        x = 0.0
        for key, text in LEGEND:
            if key == "pain":
                drawing.add(Rect(x, y - 1, 10, 7, fillColor=colors.HexColor(PAIN_FILL), strokeColor=colors.HexColor(PAIN_STROKE),
                                 strokeWidth=0.6))
            else:
                drawing.add(Rect(x, y - 1, 10, 7, fillColor=colors.HexColor(ZONE_FILL), strokeColor=colors.HexColor(ZONE_STROKE),
                                 strokeWidth=1.2, strokeDashArray=[2, 1.2]))
            drawing.add(String(x + 14, y, text, fontName=REGULAR, fontSize=6.8, fillColor=colors.HexColor("#3b4650")))
            y -= 12
    return drawing


def svg_body_chart(pain_sites: list[str], muscle_zones: list[str], side: str | None = None, *,
                   words: Callable[[str], str] | None = None,
                   legend: Sequence[tuple[str, str]] = LEGEND) -> str:
    """The same body chart as an inline SVG string (for the browser); scales to its container.

    `words` puts its labels (front, back, the sides, the legend) into another language (the patient's
    page passes its translator, intake.i18n); `legend` is the (kind, text) lines under the figures.
    """
    say = words or (lambda text: text)

    def w(text: str) -> str:
        return escape(say(text), {'"': "&quot;"})

    pain, zones = _checked(pain_sites), _checked(muscle_zones)
    total_w = 2 * FIGURE_W + 16
    top = 14
    legend_top = top + FIGURE_H + 8
    height = legend_top + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:g} {height:g}" role="img" '
        f'aria-label="{w("Body chart, front and back: pain sites shaded, muscle referral zones outlined")}" '
        'style="max-width:100%;height:auto;font-family:DejaVu Sans,Verdana,sans-serif">',
    ]

    def pts(points: Sequence[Point], dx: float) -> str:
        return " ".join(f"{x + dx:g},{y + top:g}" for x, y in points)

    for index, view in enumerate(("front", "back")):
        dx = index * (FIGURE_W + 16)
        hx, hy, hr = HEAD
        parts.append(f'<polygon points="{pts(OUTLINE, dx)}" fill="{BODY_FILL}" stroke="{BODY_STROKE}" stroke-width="1" stroke-linejoin="round"/>')
        parts.append(f'<circle cx="{hx + dx:g}" cy="{hy + top:g}" r="{hr:g}" fill="{BODY_FILL}" stroke="{BODY_STROKE}" stroke-width="1"/>')
        title = w("Front") if view == "front" else w("Back")
        parts.append(f'<text x="{50 + dx:g}" y="10" font-size="9" font-weight="bold" text-anchor="middle" fill="#3b4650">{title}</text>')
        viewer_left_is_right = _VIEWER_LEFT_IS[view] == "right"
        left_label, right_label = (w("R"), w("L")) if viewer_left_is_right else (w("L"), w("R"))
        parts.append(f'<text x="{6 + dx:g}" y="{40 + top:g}" font-size="8" text-anchor="middle" fill="#7b8794">{left_label}</text>')
        parts.append(f'<text x="{94 + dx:g}" y="{40 + top:g}" font-size="8" text-anchor="middle" fill="#7b8794">{right_label}</text>')
    outlines = []
    for view, dx, region, patient_side, points, (fill, zone) in _figures(pain, zones, side):
        fill_colour = PAIN_FILL if fill == "pain" else (ZONE_FILL if zone else "none")
        stroke = PAIN_STROKE if fill == "pain" else REGION_STROKE
        parts.append(
            f'<polygon points="{pts(points, dx)}" fill="{fill_colour}" stroke="{stroke}" stroke-width="0.7" '
            f'stroke-linejoin="round" data-region="{region}" data-side="{patient_side}" data-view="{view}">'
            f"<title>{region.replace('_', ' ')} ({patient_side})</title></polygon>"
        )
        if zone:
            outlines.append(pts(points, dx))
    for p in outlines:
        parts.append(f'<polygon points="{p}" fill="none" stroke="{ZONE_STROKE}" stroke-width="1.6" stroke-dasharray="3 2" stroke-linejoin="round"/>')
    y = legend_top
    for key, text in legend:
        if key == "pain":
            parts.append(f'<rect x="2" y="{y:g}" width="12" height="8" fill="{PAIN_FILL}" stroke="{PAIN_STROKE}" stroke-width="0.7"/>')
        else:
            parts.append(f'<rect x="2" y="{y:g}" width="12" height="8" fill="{ZONE_FILL}" stroke="{ZONE_STROKE}" stroke-width="1.4" stroke-dasharray="3 2"/>')
        parts.append(f'<text x="18" y="{y + 7:g}" font-size="8" fill="#3b4650">{w(text)}</text>')
        y += 13
    parts.append("</svg>")
    return "".join(parts)
