"""Web hardening in Chromium: every response carries the security headers (CSP with
frame-ancestors 'none', X-Frame-Options, nosniff, no referrer), and the app works under them: the
wizard signs in and draws with no Content-Security-Policy violation in the console."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from wizard import WIZARD_HEADING, idle, open_app, start_from_case_file

CASES = Path(__file__).resolve().parents[2] / "intake" / "cases" / "examples"

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
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url) if not r.url.startswith(("data:", "blob:")) else None)
    open_app(page, server.url)
    expect(page.get_by_role("heading", name=WIZARD_HEADING)).to_be_visible()
    page.get_by_role("button", name="Next: Red-flag screen").click()
    expect(page.get_by_role("heading", name="Red-flag screen")).to_be_visible()
    idle(page)
    # Nothing is blocked: the tab's icon is the app's own file (a Material symbol would be fetched
    # from Google's font server), and nothing the app draws loads from outside the machine.
    assert violations == []
    remote = [r for r in requested if not r.startswith(server.url)]
    assert remote == [], remote


def test_a_downloaded_pdf_opens_only_in_a_browser_that_has_the_app_open(server, context):
    """Streamlit serves downloads at /media/<id> to anyone with the address for a while: here only
    a request with the cookie of a browser whose app connection is open gets the file."""
    page = context.new_page()
    open_app(page, server.url)
    start_from_case_file(page, CASES / "example-10-cauda-equina-syndrome.yaml")
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Referral letter", exact=True).first.click()
    url = info.value.url
    assert "/media/" in url and info.value.path().read_bytes().startswith(b"%PDF")
    again = context.request.get(url)  # the same browser, the app still open in it
    assert again.status == 200 and again.body().startswith(b"%PDF")
    with pytest.raises(urllib.error.HTTPError) as refused:  # the address alone: another machine, a log
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403 and b"%PDF" not in refused.value.read()
    page.close()  # this browser's app connection closes: not even its cookie opens the file now
    deadline = time.monotonic() + 10
    while context.request.get(url).status != 403 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert context.request.get(url).status == 403
