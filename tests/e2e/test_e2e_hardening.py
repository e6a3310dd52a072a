"""Web hardening in Chromium: every response carries the security headers (CSP with
frame-ancestors 'none', X-Frame-Options, nosniff, no referrer), and the app works under them: the
wizard signs in and draws with no Content-Security-Policy violation in the console."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect
from wizard import WIZARD_HEADING, idle, open_app

pytestmark = pytest.mark.browser


def test_every_response_carries_the_security_headers(server):
    for path in ("/", "/_stcore/health"):
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "img-src 'self' data: blob:" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_the_app_works_under_its_content_security_policy(server, context):
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    open_app(page, server.url)
    expect(page.get_by_role("heading", name=WIZARD_HEADING)).to_be_visible()
    page.get_by_role("button", name="Next: Red-flag screen").click()
    expect(page.get_by_role("heading", name="Red-flag screen")).to_be_visible()
    idle(page)
    # The one blocked load is the tab's icon (a Material symbol Streamlit fetches from Google's font
    # server): the policy keeps it out, as it should; nothing the app draws is blocked.
    assert [v for v in violations if "materialsymbols" not in v] == []
