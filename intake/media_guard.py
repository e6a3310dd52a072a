"""Downloads and media only for a browser that has the app open (pure ASGI middleware).

Streamlit serves every download (a PDF, an export) and every image it was given as bytes at
``/media/<id>``, to anyone who has the address, for as long as the file is kept (a downloaded PDF
about a minute after the page moves on). This middleware lets a ``/media/`` request through only
when it carries the XSRF cookie of a browser whose app connection (the ``/_stcore/stream``
websocket) is open in this process at that moment: the address alone, copied to another machine
or read from a log, no longer opens a patient's PDF. The cookie is Streamlit's own (its token
bytes, which stay the same while its mask changes); with XSRF protection off there is no cookie,
and every media request is refused, so the app's config keeps it on.

What it cannot do: tell two tabs of one browser apart (they share the cookie), or shorten how long
Streamlit keeps a file for the browser that made it.
"""

from __future__ import annotations

from collections import Counter
from http.cookies import CookieError, SimpleCookie

from intake.security_headers import ASGIApp, Scope

__all__ = ["COOKIE", "MediaNeedsSession"]

COOKIE = "_streamlit_xsrf"
_STREAM = "/_stcore/stream"
_MEDIA = "/media/"


def _token(scope: Scope) -> bytes | None:
    """The browser's XSRF token (unmasked), from the request's Cookie header; None if it has none."""
    raw = b"; ".join(value for name, value in scope.get("headers", []) if name.lower() == b"cookie")
    if not raw:
        return None
    try:
        morsel = SimpleCookie(raw.decode("latin-1")).get(COOKIE)
    except CookieError:
        return None
    if morsel is None or not morsel.value:
        return None
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    token, _ = decode_xsrf_token_string(morsel.value)
    return token


def _media_prefix() -> str:
    """``/media/`` under the app's base path (``/static/media/`` is the frontend's fonts: not ours)."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{_MEDIA}" if base else _MEDIA


class MediaNeedsSession:
    def __init__(self, app: ASGIApp):
        self.app = app
        self.live: Counter[bytes] = Counter()  # token -> open app connections with it
        self.prefix: str | None = None

    async def __call__(self, scope: Scope, receive, send) -> None:
        path = scope.get("path", "")
        if scope.get("type") == "websocket" and path.endswith(_STREAM):
            token = _token(scope)
            if token is None:
                await self.app(scope, receive, send)
                return
            self.live[token] += 1
            try:
                await self.app(scope, receive, send)
            finally:
                self.live[token] -= 1
                if self.live[token] <= 0:
                    del self.live[token]
            return
        if self.prefix is None:
            self.prefix = _media_prefix()
        if scope.get("type") == "http" and path.startswith(self.prefix):
            token = _token(scope)
            if token is None or token not in self.live:
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]})
                await send({"type": "http.response.body",
                            "body": b"Not available: open it from the app, in the browser that made it.\n"})
                return
        await self.app(scope, receive, send)
