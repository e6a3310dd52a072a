"""End to end in headless Chromium: the keyboard and the page structure. Headings are in order on every
page; Tab moves through a wizard step in reading order with a visible focus ring; the app is usable at
1024×768 (screenshots, no sideways scrolling, the banner's action in view); the sticky emergency
banner is compact on a phone; a step change never shows two step bars."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path

import pytest
from conftest import SCREENSHOTS
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from wizard import STEP_TITLES, heading, idle, next_step, number, open_app

pytestmark = pytest.mark.browser

CES = Path(__file__).resolve().parents[2] / "intake" / "cases" / "examples" / "example-10-cauda-equina-syndrome.yaml"
SMALL_TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}

# Visible headings in document order (the sidebar comes first in the page).
_HEADINGS = """() => [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
  .filter(h => h.getClientRects().length && h.innerText.trim())
  .map(h => [Number(h.tagName[1]), h.innerText.trim().slice(0, 50)])"""

# The focused element: where it is on the page (not on the screen), whether it is in the main area,
# and whether a focus ring is drawn (an outline or a ring-like shadow on it, and it is not transparent).
_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const main = document.querySelector('[data-testid="stMain"]');
  const r = e.getBoundingClientRect();
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none');
  return {label: (e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText) || e.innerText || '').trim().slice(0, 60),
          x: r.x + window.scrollX, y: r.y + (main ? main.scrollTop : 0) + window.scrollY, w: r.width, h: r.height,
          inMain: !!(main && main.contains(e)), ring, visible: e.matches(':focus-visible'),
          opaque: parseFloat(s.opacity) > 0 && s.visibility !== 'hidden'};
}"""


def _in_order(levels: list[tuple[int, str]]) -> list[str]:
    """Where a heading goes more than one level deeper than the one before it."""
    return [f"{prev[1]!r} (h{prev[0]}) -> {cur[1]!r} (h{cur[0]})" for prev, cur in itertools.pairwise(levels)
            if cur[0] > prev[0] + 1]


def _check_headings(page: Page, where: str, found: dict) -> None:
    idle(page)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=15_000)
    levels = page.evaluate(_HEADINGS)
    skipped = _in_order(levels)
    if skipped or sum(1 for level, _ in levels if level == 1) > 1:
        found[where] = (skipped, levels)


def test_headings_are_in_order_on_every_page(server, context):
    page = context.new_page()
    found: dict[str, tuple] = {}
    page.goto(server.url)
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible(timeout=20_000)
    _check_headings(page, "sign-in", found)
    open_app(page, server.url)
    _check_headings(page, "patient", found)
    page.get_by_role("button", name="Drafts", exact=True).click()
    heading(page, "Drafts and case files")
    page.locator("input[type=file]").set_input_files(str(CES))
    idle(page)
    _check_headings(page, "drafts", found)
    page.get_by_role("button", name="Start from this case").click()
    heading(page, STEP_TITLES["patient"])
    for step in list(STEP_TITLES)[1:]:
        next_step(page, STEP_TITLES[step])
        _check_headings(page, step, found)
    for mode in ("Records", "Practice", "Instructor"):
        page.get_by_test_id("stSidebar").get_by_role("button", name=mode).click()
        _check_headings(page, mode.lower(), found)
    assert not found, "\n".join(f"== {where}: {skipped}\n   {levels}" for where, (skipped, levels) in found.items())


@pytest.mark.parametrize("size", [None, SMALL_TABLET], ids=["1280x800", "1024x768"])
def test_tab_follows_the_reading_order_of_a_step_with_a_visible_focus_ring(server, browser, size):
    context = browser.new_context(viewport=size or {"width": 1280, "height": 800})
    try:
        page = context.new_page()
        open_app(page, server.url)
        number(page, "Age", "45")
        next_step(page, STEP_TITLES["red_flags"])
        next_step(page, STEP_TITLES["history"])
        idle(page)
        expect(page.get_by_role("heading", name=STEP_TITLES["history"], exact=True)).to_be_focused()  # a new step starts at its title
        stops = []
        for _ in range(60):
            page.keyboard.press("Tab")
            page.wait_for_timeout(40)
            stop = page.evaluate(_FOCUSED)
            if stop is None or not stop["inMain"]:
                break
            stops.append(stop)
        labels = [s["label"] for s in stops]
        assert len(stops) >= 15, labels
        assert any(s["label"].startswith("Next: ") for s in stops), labels  # the step's own Next is reachable
        no_ring = [s["label"] for s in stops if not (s["ring"] and s["visible"] and s["opaque"])]
        assert not no_ring, f"no visible focus ring on {no_ring}"
        # Reading order: down the page, or across to a column on the right; never back up in the same column,
        # never to a column on the left without going down.
        backwards = []
        for before, after in itertools.pairwise(stops):
            up = after["y"] < before["y"] - 8
            left = after["x"] < before["x"] - 8
            if (up and after["x"] <= before["x"] + 40) or (left and after["y"] <= before["y"] - 8):
                backwards.append(f"{before['label']!r} -> {after['label']!r}")
        assert not backwards, backwards
    finally:
        context.close()


def test_usable_at_1024_by_768(server, browser):
    context = browser.new_context(viewport=SMALL_TABLET, accept_downloads=True)
    try:
        page = context.new_page()
        open_app(page, server.url)
        number(page, "Age", "45")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "1024-patient.png"))
        next_step(page, STEP_TITLES["red_flags"])
        page.locator(".st-key-w-red_flags-saddle_anaesthesia").get_by_role("radio", name="Yes", exact=True).click()
        idle(page)
        letter = page.locator(".st-key-red-flag-banner").get_by_role("button", name="Referral letter")
        expect(letter).to_be_in_viewport()
        # scrolled to the end of the step: the banner stays, compact, with its action in view
        page.get_by_role("button", name=f"Next: {STEP_TITLES['history']}").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        expect(letter).to_be_in_viewport()
        banner = page.locator(".st-key-red-flag-banner").bounding_box()
        assert banner and banner["height"] <= 0.3 * SMALL_TABLET["height"], banner
        page.screenshot(path=str(SCREENSHOTS / "1024-red-flags-scrolled.png"))
        next_step(page, STEP_TITLES["history"])
        for step in ("history", "review", "reports"):
            if step != "history":
                _jump(page, step)
            assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth"), f"sideways scroll on {step}"
            page.screenshot(path=str(SCREENSHOTS / f"1024-{step}.png"))
    finally:
        context.close()


def _jump(page: Page, step: str) -> None:
    """The step bar: 'Go to step'."""
    position = list(STEP_TITLES).index(step) + 1
    page.get_by_role("radiogroup", name="Go to step").get_by_role("radio", name=f"{position} ", exact=False).first.click()
    idle(page)
    heading(page, STEP_TITLES[step])


# Counts, at every frame, the step bars a person can see (each step has its own bar widget; see style.py).
_WATCH_BARS = """() => {
  window.__bars = {seen: 0, min: 99, max: 0};
  const bars = () => [...document.querySelectorAll('[data-testid=stElementContainer][class*="st-key-nav-step-"]')];
  const tick = () => {
    const all = bars(), shown = all.filter(e => e.checkVisibility()).length;
    window.__bars.seen = Math.max(window.__bars.seen, all.length);
    window.__bars.min = Math.min(window.__bars.min, shown);
    window.__bars.max = Math.max(window.__bars.max, shown);
    requestAnimationFrame(tick);
  };
  tick();
}"""


def test_a_step_change_shows_one_step_bar_at_every_frame(server, context):
    page = context.new_page()
    open_app(page, server.url)
    page.evaluate(_WATCH_BARS)
    for step in ("red_flags", "review", "history", "patient"):
        _jump(page, step)
    next_step(page, STEP_TITLES["red_flags"])
    bars = page.evaluate("window.__bars")
    assert bars["max"] == 1 and bars["min"] == 1, bars  # never two, never none


def _close_sidebar(page: Page) -> None:
    """On a phone the sidebar may start open over the page; the app can also close it itself while
    the test looks (its button then leaves the page), so the test closes it only if still open and
    then checks that it is closed."""
    idle(page)
    bar = page.get_by_test_id("stSidebar")
    if bar.count() and bar.get_attribute("data-collapsed") == "false":
        with contextlib.suppress(PlaywrightTimeout):  # closed by the app meanwhile: checked below
            page.get_by_test_id("stSidebarCollapseButton").locator("button").click(timeout=5_000)
    if bar.count():
        expect(bar).to_have_attribute("data-collapsed", "true")


def test_the_sticky_emergency_banner_is_compact_on_a_phone(server, browser):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        open_app(page, server.url)
        _close_sidebar(page)
        number(page, "Age", "45")
        next_step(page, STEP_TITLES["red_flags"])
        page.locator(".st-key-w-red_flags-saddle_anaesthesia").get_by_role("radio", name="Yes", exact=True).click()
        idle(page)
        page.locator(".st-key-w-red_flags-bladder_dysfunction").get_by_role("radio", name="No", exact=True).click()
        idle(page)
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=15_000)
        page.locator(".st-key-w-red_flags-hot_swollen_joint").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        banner = page.locator(".st-key-red-flag-banner")
        box = banner.bounding_box()
        assert box and box["height"] <= 0.3 * PHONE["height"], box
        expect(banner.get_by_role("button", name="Referral letter")).to_be_in_viewport()
        expect(banner.get_by_text("Suspected cauda equina syndrome")).to_be_in_viewport()  # what and where first
        expect(banner.get_by_text("Emergency department now", exact=False)).to_be_attached()  # all of it still there
        page.screenshot(path=str(SCREENSHOTS / "phone-banner-sticky.png"))
    finally:
        context.close()
