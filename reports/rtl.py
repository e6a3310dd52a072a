"""Right-to-left paragraphs (the Arabic handout) with ReportLab's own line breaking.

Putting a whole paragraph into visual order before ReportLab breaks it into lines would print its
first line last: the words that end the sentence would land on the top line. So a right-to-left
paragraph is handed to ReportLab in reading order (Arabic letters already joined, by
`reports.text.markup(..., rtl=True)`), ReportLab breaks it as it breaks any paragraph, and
`RtlPara` turns each broken line into visual order (python-bidi, base direction right to left) only
while drawing it; splitting over pages still sees the lines in reading order. The styles
(`reports.styles.styles(..., rtl=True)`) are right-aligned, with the indents and bullets on the right
(ReportLab's ``wordWrap="RTL"``, which without its optional bidi package only places bullets and indents).
"""

from __future__ import annotations

import copy

from reportlab.platypus import Paragraph

from reports.text import visual_line

__all__ = ["RtlPara", "visual_line"]


class RtlPara(Paragraph):
    """A Paragraph in a right-to-left language: broken in reading order, each line drawn in visual order."""

    def drawPara(self, debug=0):
        bl = self.blPara
        saved = bl.lines
        if bl.kind == 0:
            bl.lines = [(line[0], visual_line(" ".join(line[1])).split(" ")) for line in saved]
        else:
            lines = []
            for line in saved:
                twin = copy.copy(line)
                words = []
                for frag in line.words:  # ReportLab reverses the runs of an RTL line itself
                    frag = copy.copy(frag)
                    if isinstance(getattr(frag, "text", None), str):
                        frag.text = visual_line(frag.text)
                    words.append(frag)
                twin.words = words
                lines.append(twin)
            bl.lines = lines
        try:
            super().drawPara(debug)
        finally:
            bl.lines = saved
