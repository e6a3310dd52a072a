"""A few lines of CSS: the red-flag banner stays in view, a little less empty space on a tablet, and
the records list's rows closer together."""

from __future__ import annotations

import streamlit as st

__all__ = ["BANNER_KEY", "apply"]

BANNER_KEY = "red-flag-banner"

_CSS = f"""<style>
.stMainBlockContainer {{ padding-top: 3.75rem; }}
div:has(> .st-key-{BANNER_KEY}) {{ position: sticky; top: 3rem; z-index: 999; }}
.st-key-{BANNER_KEY} {{ background: #fff; }}
[class*="st-key-rrow-"] {{ padding-top: 0.6rem; padding-bottom: 0.6rem; }}
[class*="st-key-rrow-"] button[kind="tertiary"] {{ min-height: 0; padding: 0; color: #a61c30; }}
[class*="st-key-rrow-"] button[kind="tertiary"] p {{ font-size: 1rem; font-weight: 600; }}
[class*="st-key-rrow-"] button[kind="tertiary"]:hover p {{ text-decoration: underline; }}
</style>"""


def apply() -> None:
    st.html(_CSS)
