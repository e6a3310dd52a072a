"""End to end in headless Chromium: from a cauda equina answer to a signed one-page referral letter in
two clicks (the answer, then the banner's one action), at desktop and phone width; and axe-core finds
no critical or serious WCAG 2.1 AA violation on any page at 1280 and 390 px."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from accessibility import describe, violations
from conftest import PASSWORD, USERNAME, Server
from playwright.sync_api import expect
from pypdf import PdfReader
from wizard import STEP_TITLES, heading, idle, next_step, number, open_app, sign_in

from intake.storage.accounts import Principal
from intake.storage.store import Store, database_url

pytestmark = pytest.mark.browser

PHONE_SIZE = {"width": 390, "height": 844}
CES = Path(__file__).resolve().parents[3] / "shared" / "cases" / "example-10-cauda-equina-syndrome.yaml"
ADMIN = "clinicadmin"


@pytest.fixture(scope="module")
def clinic_server(tmp_path_factory):
    """A server whose clinic has its details and the practitioner's registration set, as an administrator would."""
    data = tmp_path_factory.mktemp("e2e-emergency") / "data"
    srv = Server(data)
    srv.seed_account()
    store = Store(database_url({"INTAKE_DATA_DIR": str(data)}))
    try:
        [clinic] = store.accounts.clinics()
        [person] = [p for p in store.accounts.practitioners(clinic.id) if p.username == USERNAME]
        admin = Principal(user_id=person.id, username=person.username, display_name=person.display_name,
                          clinic_id=clinic.id, clinic_name=clinic.name, role="admin")
        store.clinic_details.save(admin, {"address": ["12 Mill Lane", "Riverside"], "phone": "01234 567890",
                                          "timezone": "Europe/London"})
        store.clinic_details.set_registration(admin, person.id, "HCPC PH123456")
        store.accounts.add_practitioner(clinic.id, ADMIN, "Ada Admin", password=PASSWORD, role="admin")
    finally:
        store.dispose()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.mark.parametrize("size", [None, PHONE_SIZE], ids=["desktop", "phone"])
def test_cauda_equina_answer_to_signed_letter_in_two_clicks(clinic_server, browser, screenshots, size):
    context = browser.new_context(viewport=size or {"width": 1280, "height": 800}, accept_downloads=True)
    try:
        page = context.new_page()
        open_app(page, clinic_server.url)
        number(page, "Age", "45")
        if size:  # on a phone the sidebar starts open over the page: close it as a practitioner would
            close = page.get_by_test_id("stSidebarCollapseButton")
            if close.is_visible():
                close.locator("button").click()
        next_step(page, STEP_TITLES["red_flags"])
        saddle = page.locator(".st-key-w-red_flags-saddle_anaesthesia").get_by_role("radio", name="Yes", exact=True)
        saddle.click()  # click 1: the answer
        letter = page.locator(".st-key-red-flag-banner").get_by_role("button", name="Referral letter")
        expect(letter).to_be_visible()
        expect(letter).to_be_in_viewport()
        with page.expect_download(timeout=30_000) as info:
            letter.click()  # click 2: the letter
        name = info.value.suggested_filename
        assert re.fullmatch(r"referral-letter-\d{4}-\d{2}-\d{2}\.pdf", name), name
        with open(info.value.path(), "rb") as fh:
            reader = PdfReader(io.BytesIO(fh.read()))
        assert len(reader.pages) == 1
        text = " ".join(reader.pages[0].extract_text().split())
        for expected in ("Referral letter", "Suspected cauda equina syndrome", "Emergency department", "Saddle numbness",
                         "Pat Physio", "HCPC PH123456", "Riverside Physio", "12 Mill Lane", "01234 567890"):
            assert expected in text, expected
        assert re.search(r"\d{1,2} \w+ \d{4}, \d{2}:\d{2}", text), "date and time of the assessment"
        idle(page)
        heading(page, STEP_TITLES["red_flags"])  # the download did not move the page
        page.screenshot(path=str(screenshots / f"emergency-banner-{'phone' if size else 'desktop'}.png"))  # what is in view
    finally:
        context.close()


def _sidebar(page, want_open: bool) -> None:
    """Open or close the sidebar (only needed on a phone, where it covers the page)."""
    bar = page.get_by_test_id("stSidebar")
    is_open = bar.get_attribute("data-collapsed") == "false" if bar.count() else False
    if is_open and not want_open:
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
    elif want_open and not is_open:
        page.get_by_test_id("stExpandSidebarButton").click()
    expect(bar).to_have_attribute("data-collapsed", "false" if want_open else "true")
    page.wait_for_timeout(300)


def _go(page, phone: bool, name: str) -> None:
    """Choose a page in the sidebar, as a practitioner does (on a phone: open it first; it closes itself)."""
    if phone:
        _sidebar(page, True)
    page.get_by_test_id("stSidebar").get_by_role("button", name=name).click()
    idle(page)
    if phone:  # the app closes the sidebar once a page is chosen
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


@pytest.mark.parametrize("size", [None, PHONE_SIZE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violation_on_any_page(clinic_server, browser, size):
    phone = size is not None
    context = browser.new_context(viewport=size or {"width": 1280, "height": 800})
    found: dict[str, list] = {}

    def check(name: str) -> None:
        idle(page)  # and nothing left over from the page before (Streamlit fades stale elements)
        page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=15_000)
        problems = violations(page)
        for _ in range(2):  # a page caught mid-animation (the sidebar closing) is looked at again once it is still
            if not problems:
                break
            page.wait_for_timeout(800)
            problems = violations(page)
        if problems:
            found[name] = problems

    try:
        page = context.new_page()
        page.goto(clinic_server.url)
        expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible(timeout=20_000)
        check("sign-in")
        sign_in(page, ADMIN)
        heading(page, STEP_TITLES["patient"])
        if phone:  # closed after sign-in
            expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        check("patient")
        _go(page, phone, "Drafts")
        page.locator("input[type=file]").first.set_input_files(str(CES))
        idle(page)
        check("drafts")
        page.get_by_role("button", name="Start from this case").click()
        idle(page)
        heading(page, STEP_TITLES["patient"])
        for step in list(STEP_TITLES)[1:]:
            next_step(page, STEP_TITLES[step])
            check(step)
        _go(page, phone, "Records")
        check("records")
        page.get_by_role("radio", name="Clinic administration").click()
        idle(page)
        check("clinic administration")
        _go(page, phone, "Practice")
        check("practice")
        _go(page, phone, "Instructor")
        check("instructor")
    finally:
        context.close()
    assert not found, "\n".join(f"== {name}\n{describe(v)}" for name, v in found.items())
