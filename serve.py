"""The app as an ASGI application with the security headers Streamlit's own server does not send.

``streamlit run serve.py`` (what ``scripts/run.sh`` starts) finds ``app`` below and serves
``streamlit_app.py`` through it: every response carries a Content-Security-Policy that forbids
framing by other sites (``frame-ancestors 'none'``, and ``X-Frame-Options: DENY`` for older
browsers), images, scripts and connections from anywhere but this server, ``nosniff`` and
``Referrer-Policy: no-referrer``; and a download or other media file (``/media/…``) is served only
to a browser that has the app open (``intake.media_guard``). What Streamlit needs is allowed: its own inline styles and
scripts (``'unsafe-inline'``; Streamlit's frontend is not built for nonces) and ``data:``/``blob:``
images (the body chart, downloads). See the README for what this cannot cover.
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from intake.media_guard import MediaNeedsSession
from intake.security_headers import SecurityHeaders

# Outermost first: the refusal of a media request without a live session carries the headers too.
app = st.App("streamlit_app.py", middleware=[Middleware(SecurityHeaders), Middleware(MediaNeedsSession)])
