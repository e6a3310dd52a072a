"""Driving the wizard in Chromium the way a practitioner does: by labels, with real clicks."""

from __future__ import annotations

import base64
import re
import time

from playwright.sync_api import Page, expect

STEP_TITLES = {
    "patient": "Patient and consent", "red_flags": "Red-flag screen", "history": "Pain history",
    "hip": "Hip examination", "spine": "Lumbar, neural and sacroiliac", "palpation": "Muscle palpation",
    "measures": "Outcome measures", "review": "Review", "reports": "Reports",
}


def idle(page: Page, timeout: float = 15_000) -> None:
    """Wait until Streamlit has finished the rerun (its status widget is gone)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state') !== 'running'",
        timeout=timeout,
    )


WIZARD_HEADING = re.compile("Patient and consent|Red-flag|Pain history|Hip examination|Lumbar|Muscle|Outcome measures|Review|Reports")


def sign_in(page: Page, username: str | None = None, password: str | None = None) -> None:
    """Type the username and password and press Enter, as a practitioner does."""
    from conftest import PASSWORD, USERNAME

    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible(timeout=20_000)
    page.get_by_role("textbox", name="Username", exact=True).fill(username or USERNAME)
    field = page.get_by_role("textbox", name="Password", exact=True)
    field.fill(password or PASSWORD)
    field.press("Enter")
    idle(page)


def open_app(page: Page, url: str | None = None, *, username: str | None = None, password: str | None = None) -> float:
    """Go to `url` (or reload), sign in, and wait for the assessment: seconds until it was usable."""
    started = time.perf_counter()
    page.goto(url) if url else page.reload()
    sign_in(page, username, password)
    expect(page.get_by_role("heading", name=WIZARD_HEADING)).to_be_visible(timeout=20_000)
    usable = time.perf_counter() - started
    idle(page)
    return usable


def start_from_case_file(page: Page, path) -> None:
    """Drafts, upload a case file and start from it: step 1 of the new assessment."""
    page.get_by_role("button", name="Drafts", exact=True).click()
    heading(page, "Drafts and case files")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Start from this case").click()
    heading(page, "Patient and consent")
    idle(page)


def heading(page: Page, title: str) -> None:
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=10_000)


def choose(page: Page, group: str, option: str) -> None:
    """Pick an option in a segmented control named `group` (its visible label)."""
    radio = page.get_by_role("radiogroup", name=group, exact=True).get_by_role("radio", name=option, exact=True)
    radio.click()
    idle(page)  # the step bar is one per step: the old page's stays on screen, faded, until the run ends
    expect(radio).to_have_attribute("aria-checked", "true", timeout=10_000)


def pill(page: Page, group: str, option: str) -> None:
    """Toggle one pill on in a multi-select named `group`."""
    button = page.get_by_role("toolbar", name=group, exact=True).get_by_role("button", name=option, exact=True)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true", timeout=10_000)
    idle(page)


def number(page: Page, label: str, value: str) -> None:
    field = page.get_by_role("spinbutton", name=label, exact=True)
    field.fill(value)
    field.press("Enter")
    idle(page)


def tick(page: Page, label: str) -> None:
    box = page.get_by_role("checkbox", name=label, exact=True)
    if not box.is_checked():
        page.locator("[data-testid='stCheckbox']").filter(has=box).locator("label").first.click()
    expect(box).to_be_checked(timeout=10_000)
    idle(page)


def textbox(page: Page, label: str):
    return page.get_by_role("textbox", name=label, exact=True)


def next_step(page: Page, title: str) -> None:
    page.get_by_role("button", name=f"Next: {title}").click()
    heading(page, title)
    idle(page)


def back_step(page: Page, title: str) -> None:
    page.get_by_role("button", name=f"Back: {title}").click()
    heading(page, title)
    idle(page)


def chart_svg(page: Page) -> str:
    """The body chart's SVG, read back from its <img> (named by its alt text)."""
    img = page.get_by_role("img", name=re.compile("^Body chart"))
    expect(img).to_be_visible()
    src = img.get_attribute("src") or ""
    if src.startswith("data:"):
        head, _, body = src.partition(",")
        return base64.b64decode(body).decode() if head.endswith(";base64") else body
    return page.request.get(src).text()


def chart_shows(page: Page, region: str, want: bool = True, timeout: float = 10) -> str:
    """Wait until the body chart shades `region` (or not); returns the SVG."""
    deadline = time.perf_counter() + timeout
    while True:
        svg = chart_svg(page)
        if shaded(svg, region) == want or time.perf_counter() > deadline:
            assert shaded(svg, region) == want, f"{region} shaded should be {want}"
            return svg
        page.wait_for_timeout(100)


def shaded(svg: str, region: str) -> bool:
    fills = re.findall(r'<polygon[^>]*fill="([^"]+)"[^>]*data-region="' + re.escape(region) + '"', svg)
    assert fills, region
    return any(f != "none" for f in fills)


def shot(page: Page, directory, name: str) -> None:
    """The whole step: the window is stretched to the content's height for the picture, then restored."""
    size = page.viewport_size or {"width": 1280, "height": 800}
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent'].map(id => document.querySelector(`[data-testid='${id}']`))"
        ".filter(Boolean).map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height) + 40, 5000))})
    page.wait_for_timeout(400)
    page.screenshot(path=str(directory / f"{name}.png"))
    page.set_viewport_size(size)
