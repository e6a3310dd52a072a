"""Simple line drawings for the patient handout's self-care items.

Each drawing is data: a short list of strokes on a 120 x 80 grid (y up) — floor, wall,
chair, a stick figure's limbs, a ball, a movement arrow. The knowledge base names the
drawing for each self-care item (`self_care.drawing`); an unknown name gets a neutral
generic figure rather than failing, so new knowledge never breaks the handout.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from reports.styles import BOLD
from reports.text import is_rtl, rtl_line

__all__ = ["DRAWINGS", "LABELS", "exercise_drawing"]

W, H = 120.0, 80.0
INK = colors.HexColor("#2b3540")
FLOOR = colors.HexColor("#9aa5b1")
ARROW = colors.HexColor("#c25e00")

# Op codes: floor y | wall x | chair x y | head x y | limb x1 y1 x2 y2 ... | ball x y r | arrow x1 y1 x2 y2 |
#           pillow x y w h | bottle x y | icepack x y | dot x y | label x y text
DRAWINGS: dict[str, list[tuple]] = {
    "clam": [
        ("floor", 12), ("head", 17, 21), ("limb", 24, 20, 60, 18), ("limb", 28, 21, 22, 32, 16, 29),
        ("limb", 60, 17, 80, 24, 62, 14), ("limb", 60, 19, 78, 44, 62, 16), ("arrow", 88, 28, 86, 46),
    ],
    "pillow_between_knees": [
        ("floor", 12), ("head", 17, 21), ("limb", 24, 20, 60, 18), ("limb", 28, 21, 22, 32, 16, 29),
        ("pillow", 70, 23, 20, 9), ("limb", 60, 17, 82, 19, 64, 13), ("limb", 60, 19, 82, 34, 64, 16),
    ],
    "ball_wall": [
        ("floor", 8), ("wall", 30), ("ball", 35, 40, 4.5), ("head", 45, 71), ("limb", 45, 64, 42, 40),
        ("limb", 42, 40, 48, 24, 46, 8), ("limb", 44, 61, 52, 46, 52, 34), ("arrow", 60, 30, 60, 50), ("arrow", 60, 50, 60, 30),
    ],
    "ball_floor": [
        ("floor", 12), ("ball", 58, 16.5, 4.5), ("head", 17, 18), ("limb", 24, 17, 58, 22),
        ("limb", 58, 22, 78, 38, 90, 13), ("limb", 30, 18, 42, 14), ("arrow", 48, 30, 68, 30), ("arrow", 68, 30, 48, 30),
    ],
    "piriformis_stretch": [
        ("floor", 8), ("chair", 30, 30), ("head", 56, 70), ("limb", 54, 63, 45, 34), ("limb", 45, 33, 74, 33, 74, 8),
        ("limb", 45, 35, 64, 48, 80, 36), ("limb", 53, 60, 64, 47), ("arrow", 64, 76, 72, 66),
    ],
    "hip_flexor_stretch": [
        ("floor", 8), ("head", 46, 71), ("limb", 46, 64, 46, 36), ("limb", 46, 36, 38, 9, 20, 9),
        ("limb", 46, 36, 70, 36, 70, 8), ("limb", 46, 60, 52, 48, 50, 38), ("arrow", 34, 40, 52, 40),
    ],
    "standing_side_stretch": [
        ("floor", 8), ("head", 50, 70), ("limb", 52, 63, 58, 38), ("limb", 58, 38, 52, 8),
        ("limb", 58, 38, 66, 8), ("limb", 53, 62, 42, 74, 34, 80), ("arrow", 66, 66, 54, 78),
    ],
    "press_ups": [
        ("floor", 12), ("head", 27, 42), ("limb", 34, 37, 62, 15), ("limb", 62, 15, 98, 14),
        ("limb", 36, 35, 36, 13), ("arrow", 20, 30, 22, 50),
    ],
    "nerve_glide": [
        ("floor", 8), ("chair", 28, 30), ("head", 42, 68), ("limb", 42, 61, 42, 34), ("limb", 42, 33, 68, 33, 70, 8),
        ("limb", 42, 35, 70, 35, 94, 40), ("limb", 42, 58, 52, 44, 62, 36), ("arrow", 80, 14, 96, 32),
    ],
    "walking": [
        ("floor", 8), ("head", 56, 70), ("limb", 56, 63, 54, 38), ("limb", 54, 38, 64, 24, 70, 8),
        ("limb", 54, 38, 46, 23, 38, 9), ("limb", 55, 60, 64, 48, 70, 40), ("limb", 55, 60, 48, 48, 42, 42),
        ("arrow", 78, 56, 100, 56),
    ],
    "sit_to_stand": [
        ("floor", 8), ("chair", 22, 30), ("head", 58, 64), ("limb", 56, 57, 42, 36), ("limb", 42, 36, 60, 30, 58, 8),
        ("limb", 54, 54, 66, 46, 72, 48), ("arrow", 80, 30, 80, 60),
    ],
    "heat_cold": [
        ("bottle", 18, 18), ("icepack", 74, 20),
        ("label", 36, 4, "warm"), ("label", 88, 4, "cold"),
    ],
    "acupressure_points": [
        ("floor", 8), ("head", 40, 70), ("limb", 40, 63, 40, 34), ("limb", 40, 34, 36, 8), ("limb", 40, 34, 46, 8),
        ("limb", 41, 60, 56, 50, 54, 38), ("dot", 50, 38), ("dot", 44, 44), ("arrow", 70, 46, 58, 40),
    ],
}
GENERIC = [
    ("floor", 8), ("head", 60, 70), ("limb", 60, 63, 60, 36), ("limb", 60, 36, 54, 8), ("limb", 60, 36, 66, 8),
    ("limb", 60, 60, 48, 44), ("limb", 60, 60, 72, 44),
]


def _arrow(x1: float, y1: float, x2: float, y2: float) -> list:
    angle = math.atan2(y2 - y1, x2 - x1)
    size = 4.5
    left = (x2 - size * math.cos(angle - 0.45), y2 - size * math.sin(angle - 0.45))
    right = (x2 - size * math.cos(angle + 0.45), y2 - size * math.sin(angle + 0.45))
    return [
        Line(x1, y1, x2, y2, strokeColor=ARROW, strokeWidth=1.4),
        Polygon([x2, y2, *left, *right], fillColor=ARROW, strokeColor=ARROW, strokeWidth=0.5),
    ]


#: Every word a drawing prints (the "label" steps above), for the catalogues of the patient's language.
LABELS = tuple(dict.fromkeys(op[3] for ops in DRAWINGS.values() for op in ops if op[0] == "label"))


def exercise_drawing(name: str, width: float = 96, accent: str = "#1f5f8b",
                     words: Callable[[str], str] | None = None) -> Drawing:
    """The drawing for a self-care item, scaled to `width` points; a generic figure for unknown names.

    `words` puts its labels ("warm", "cold") into the handout's language (see `LABELS`)."""
    ops = DRAWINGS.get(name, GENERIC)
    scale = width / W
    d = Drawing(width, H * scale)
    accent_colour = colors.HexColor(accent)
    shapes: list = [Rect(0, 0, W, H, fillColor=colors.HexColor("#f6f8fa"), strokeColor=None)]
    for op in ops:
        kind, args = op[0], op[1:]
        if kind == "floor":
            shapes.append(Line(4, args[0], W - 4, args[0], strokeColor=FLOOR, strokeWidth=1.2))
        elif kind == "wall":
            shapes.append(Line(args[0], 8, args[0], H - 4, strokeColor=FLOOR, strokeWidth=2.4))
        elif kind == "chair":
            x, y = args
            shapes.append(PolyLine([x, y + 26, x, y, x + 26, y], strokeColor=FLOOR, strokeWidth=2.2))
            shapes.append(PolyLine([x + 2, y, x + 2, 8], strokeColor=FLOOR, strokeWidth=1.6))
            shapes.append(PolyLine([x + 24, y, x + 24, 8], strokeColor=FLOOR, strokeWidth=1.6))
        elif kind == "head":
            shapes.append(Circle(args[0], args[1], 6, fillColor=colors.white, strokeColor=INK, strokeWidth=2.2))
        elif kind == "limb":
            shapes.append(PolyLine(list(args), strokeColor=INK, strokeWidth=3.2, strokeLineCap=1, strokeLineJoin=1))
        elif kind == "ball":
            shapes.append(Circle(args[0], args[1], args[2], fillColor=accent_colour, strokeColor=accent_colour))
        elif kind == "arrow":
            shapes.extend(_arrow(*args))
        elif kind == "pillow":
            x, y, w, h = args
            shapes.append(Rect(x, y, w, h, rx=3, ry=3, fillColor=colors.HexColor("#dfe7ef"), strokeColor=FLOOR, strokeWidth=1))
        elif kind == "bottle":
            x, y = args
            shapes.append(Rect(x, y, 34, 42, rx=7, ry=7, fillColor=colors.HexColor("#f4b183"), strokeColor=INK, strokeWidth=1.4))
            shapes.append(Rect(x + 12, y + 42, 10, 8, fillColor=colors.HexColor("#f4b183"), strokeColor=INK, strokeWidth=1.4))
            for k in range(3):
                xx = x + 8 + k * 9
                shapes.append(PolyLine([xx, y + 56, xx + 3, y + 62, xx, y + 68, xx + 3, y + 74], strokeColor=ARROW, strokeWidth=1.2))
        elif kind == "icepack":
            x, y = args
            shapes.append(Rect(x, y, 30, 40, rx=5, ry=5, fillColor=colors.HexColor("#cfe6f7"), strokeColor=INK, strokeWidth=1.4))
            cx, cy = x + 15, y + 20
            for k in range(3):
                a = k * math.pi / 3
                shapes.append(Line(cx - 10 * math.cos(a), cy - 10 * math.sin(a), cx + 10 * math.cos(a), cy + 10 * math.sin(a),
                                   strokeColor=colors.HexColor("#2f6fa3"), strokeWidth=1.4))
        elif kind == "dot":
            shapes.append(Circle(args[0], args[1], 2.6, fillColor=ARROW, strokeColor=None))
        elif kind == "label":
            label = words(args[2]) if words else args[2]
            if is_rtl(label):
                label = rtl_line(label)
            shapes.append(String(args[0], args[1], label, fontName=BOLD, fontSize=8, textAnchor="middle", fillColor=INK))
    group = Group(*shapes)
    group.scale(scale, scale)
    d.add(group)
    return d
