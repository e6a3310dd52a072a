"""The body chart on screen: the reports' own SVG figure, so the screen and the PDF match."""

from __future__ import annotations

import streamlit as st

from intake.ui import fields, state

__all__ = ["show"]


def show(pain_sites: list[str], muscle_zones: list[str], *, caption: str) -> None:
    side = state.get_answer("patient.side")
    from reports.bodychart import svg_body_chart  # the PDF package (fonts): loaded on the first chart, not at start-up

    svg = svg_body_chart(list(pain_sites), list(muscle_zones), side if isinstance(side, str) else None)
    shaded = ", ".join(fields.label_of(f"pain_sites.{r}").split(": ", 1)[-1] for r in pain_sites) or "none chosen"
    text = f"{caption}. Shaded: {shaded}."
    if muscle_zones:
        text += " Outlined referral zones: " + ", ".join(z.replace("_", " ") for z in muscle_zones) + "."
    # An <img> of the SVG (st.html would strip inline SVG); the alt text reads the chart out.
    st.image(svg, alt=f"Body chart, front and back. {text}", width=320)
    st.caption(text)
