"""Security headers for every HTTP response (pure ASGI middleware, no Streamlit import).

Reusable by any page served from this process (a patient's pre-visit form included).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["CSP", "HEADERS", "ASGIApp", "Message", "Scope", "SecurityHeaders"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",  # Streamlit's frontend (Vega charts use eval)
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",  # no remote images: a file's Markdown cannot call out
    "font-src 'self' data:",
    "connect-src 'self' ws: wss:",  # the app's own websocket (the host is checked by Streamlit's XSRF/CORS)
    "frame-src 'self' blob: data:",  # st.html / PDF previews are same-origin frames
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",  # no other site may frame the app (clickjacking)
))
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in HEADERS if h[0] not in names)]
            await send(message)

        await self.app(scope, receive, with_headers)
