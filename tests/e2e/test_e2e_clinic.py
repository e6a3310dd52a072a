"""The issue's "done when", in Chromium against PostgreSQL: a clinic with two practitioners runs
on a real PostgreSQL server, each clinic sees only its own records, a referral leaves as FHIR, and
yesterday's backup is restored after a record was deleted by mistake."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Server
from db_support import fresh_postgres_url
from playwright.sync_api import Page, expect
from wizard import choose, heading, idle, open_app, shot, sign_in, start_from_case_file, tick

pytestmark = pytest.mark.browser

CASE = ROOT / "intake" / "cases" / "examples" / "example-10-cauda-equina-syndrome.yaml"
PASSWORD = "clinic password 2026"
NAME = "Maud Émile-Okoro"


@pytest.fixture
def clinic_server(tmp_path):
    """The app on a fresh PostgreSQL schema: Riverside (alice, andy) and Harbour (bella)."""
    from intake.store import Store

    with fresh_postgres_url() as url:
        store = Store(url)
        riverside = store.accounts.create_clinic("Riverside Physio")
        harbour = store.accounts.create_clinic("Harbour Clinic")
        for clinic, username, name in ((riverside, "alice", "Alice Moreau"), (riverside, "andy", "Andy Lee"),
                                       (harbour, "bella", "Bella Ruiz")):
            store.accounts.add_practitioner(clinic.id, username, name, password=PASSWORD)
        store.dispose()
        srv = Server(tmp_path / "data", database_url=url).start()
        try:
            yield srv
        finally:
            srv.stop()


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "intake", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _go_records(page: Page) -> None:
    """The records list (closing an open record first)."""
    page.get_by_role("button", name="Records", exact=True).click()
    idle(page)
    back = page.get_by_role("button", name="Back to the records")
    if back.count():
        back.click()
    heading(page, "Records")
    idle(page)


def _file_the_example(page: Page) -> str:
    """Start from the example case file, record consent, file it from the Reports step; its pseudonym."""
    start_from_case_file(page, CASE)
    tick(page, "The patient agrees to this assessment being recorded")
    page.get_by_role("textbox", name="Patient name (optional, printed on the PDFs only)").fill(NAME)
    page.keyboard.press("Tab")
    idle(page)
    choose(page, "Go to step", "9 Reports")
    heading(page, "Reports")
    page.get_by_role("button", name="File this assessment").click()
    filed = page.get_by_text(re.compile(r"Filed as record P-[0-9A-Z]{8}"))
    expect(filed).to_be_visible()
    return re.search(r"P-[0-9A-Z]{8}", filed.inner_text()).group(0)


def test_two_practitioners_one_clinic_fhir_and_yesterdays_backup(clinic_server: Server, browser, screenshots, tmp_path):
    url = clinic_server.database_url
    contexts = {who: browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
                for who in ("alice", "andy", "bella")}
    try:
        pages = {who: ctx.new_page() for who, ctx in contexts.items()}
        for who, page in pages.items():
            open_app(page, clinic_server.url, username=who, password=PASSWORD)

        # Alice files an assessment with a cauda equina emergency.
        pseudonym = _file_the_example(pages["alice"])

        # Andy, in the same clinic, finds it in the records; Bella, in another clinic, does not.
        andy, bella = pages["andy"], pages["bella"]
        _go_records(andy)
        expect(andy.get_by_role("button", name=pseudonym)).to_be_visible()
        expect(andy.get_by_text(NAME)).to_be_visible()
        expect(andy.get_by_text(re.compile("Suspected cauda equina"))).to_be_visible()
        shot(andy, screenshots, "20-records-andy")
        _go_records(bella)
        expect(bella.get_by_text(re.compile(r"\b0\b.*matching record|No records"))).to_be_visible()
        assert pseudonym not in bella.content() and NAME not in bella.content()

        # Bella pastes the record's address: not found, nothing of it shown.
        andy.get_by_role("button", name=pseudonym).click()
        idle(andy)
        expect(andy.get_by_text(re.compile("EMERGENCY", re.I)).first).to_be_visible()
        expect(andy).to_have_url(re.compile(r"[?&]record="))
        record_address = andy.url
        bella.goto(clinic_server.url + "/?" + record_address.split("?", 1)[1])  # a new session: sign in again
        sign_in(bella, "bella", PASSWORD)
        expect(bella.get_by_text("Record not found in your clinic.").first).to_be_visible()
        assert pseudonym not in bella.content() and NAME not in bella.content()
        shot(bella, screenshots, "21-records-other-clinic")

        # Andy exports the referral as FHIR: a ServiceRequest at stat priority, the pseudonym, no name.
        with andy.expect_download() as download:
            andy.get_by_role("button", name="FHIR bundle (JSON)").click()
        bundle = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        resources = [entry["resource"] for entry in bundle["entry"]]
        referrals = [r for r in resources if r["resourceType"] == "ServiceRequest"]
        assert bundle["type"] == "transaction" and referrals  # conditional creates: safe to send twice
        assert {r["priority"] for r in referrals} == {"stat"}
        assert all(r["subject"]["display"] == pseudonym for r in referrals)
        assert NAME not in json.dumps(bundle, ensure_ascii=False)
        shot(andy, screenshots, "22-record-open")

        # Last night's backup; today the record is deleted by mistake; the backup is restored.
        backup = tmp_path / "yesterday.json.gz"
        done = _cli(url, "backup", "-o", str(backup))
        assert done.returncode == 0, done.stderr
        expect(andy.get_by_role("button", name="Delete")).to_be_disabled()  # only the author or an admin may
        alice = pages["alice"]
        _go_records(alice)
        alice.get_by_role("button", name=pseudonym).click()
        idle(alice)
        alice.get_by_role("button", name="Delete").click()
        idle(alice)
        alice.get_by_role("button", name="Yes, delete it").click()
        expect(alice.get_by_text(re.compile(f"Record {pseudonym} and every version of it have been deleted"))).to_be_visible()
        expect(alice.get_by_role("button", name=pseudonym)).to_have_count(0)

        done = _cli(url, "restore", str(backup), "--replace")
        assert done.returncode == 0, done.stderr
        _go_records(alice)
        expect(alice.get_by_role("button", name=pseudonym)).to_be_visible()
        _go_records(andy)
        expect(andy.get_by_role("button", name=pseudonym)).to_be_visible()
        shot(andy, screenshots, "23-records-after-restore")

        # Bella changes her own password from the sidebar's key button (its form is built only once opened).
        bella.get_by_test_id("stPopover").get_by_role("button").click()
        idle(bella)
        form = bella.get_by_test_id("stPopoverBody")
        form.get_by_label("Current password").fill(PASSWORD)
        form.get_by_label("New password (at least 10 characters)").fill("quiet harbour kettle 47")
        form.get_by_label("New password again").fill("quiet harbour kettle 47")
        form.get_by_role("button", name="Change password").click()
        expect(form.get_by_text("Password changed. Use the new one next time you sign in.")).to_be_visible()
        shot(bella, screenshots, "24-password-changed")
        bella.goto(clinic_server.url)
        sign_in(bella, "bella", "quiet harbour kettle 47")
        expect(bella.get_by_role("button", name="Records", exact=True)).to_be_visible()
    finally:
        for ctx in contexts.values():
            ctx.close()
