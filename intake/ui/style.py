"""A few lines of CSS: the red-flag banner stays in view, and a little less empty space on a tablet."""

from __future__ import annotations

import streamlit as st

__all__ = ["BANNER_KEY", "apply"]

BANNER_KEY = "red-flag-banner"

_CSS = f"""<style>
.stMainBlockContainer {{ padding-top: 3.75rem; }}
div:has(> .st-key-{BANNER_KEY}) {{ position: sticky; top: 3rem; z-index: 999; }}
.st-key-{BANNER_KEY} {{ background: #fff; }}
</style>"""


def apply() -> None:
    st.html(_CSS)
