"""The database stopped, or its disk full, in the middle of an assessment, in Chromium: the screen
says the answers are not saved and are being retried, keeps every one of them (chosen or typed, on
any step), draws every step to its end and prints the referral letter while the database is away,
and writes the answers (without a click) once it is back or has room; no error page at any point."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CLINIC, Server
from db_support import own_postgres_server
from playwright.sync_api import expect
from wizard import STEP_TITLES, back_step, choose, heading, idle, next_step, number, open_app, textbox, tick

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own, so it can be stopped: (url, stop, start)."""
    with own_postgres_server() as server:
        yield server


def _stored(url: str, draft_id: str) -> dict:
    from intake.storage.schema import DraftRow
    from intake.store import Store

    store = Store(url)
    try:
        with store.db.reading() as session:
            row = session.get(DraftRow, draft_id)
            return json.loads(row.answers) if row is not None else {}
    finally:
        store.dispose()


SAVED = re.compile(r"Saved \(revision \d+\)")


def _questions(*keys: str) -> dict[str, str]:
    from intake.knowledge import load_knowledge

    kb = load_knowledge()
    return {k: kb.findings[k].question or kb.findings[k].label for k in keys}


def _to_red_flags(page, srv: Server, age: str, sex: str):
    """Sign in, consent, age and sex (saved), on to the red flags: (sidebar, draft id)."""
    open_app(page, srv.url)
    sidebar = page.get_by_test_id("stSidebar")
    tick(page, "The patient agrees to this assessment being recorded")
    number(page, "Age", age)
    choose(page, "Sex", sex)
    expect(sidebar.get_by_text(SAVED)).to_be_visible(timeout=20_000)
    draft_id = re.search(r"[?&]draft=([^&]+)", page.url).group(1)
    next_step(page, "Red-flag screen")
    return sidebar, draft_id


def _shown_chosen(page, group: str, option: str) -> None:
    expect(page.get_by_role("radiogroup", name=group, exact=True)
           .get_by_role("radio", name=option, exact=True)).to_have_attribute("aria-checked", "true")


FLAGS = ("history_of_cancer", "fever_or_unwell", "saddle_anaesthesia")
NAME_FIELD = "Patient name (optional, printed on the PDFs only)"


def _answer_and_type_while_away(page, sidebar, why: str | None = None) -> None:
    """On the red flags with the database away: two answers, the note (and why), back to type a name
    and a new age, on again and one more answer; everything still shown, nothing written yet."""
    question = _questions(*FLAGS)
    choose(page, question["history_of_cancer"], "Yes")
    choose(page, question["fever_or_unwell"], "No")
    expect(sidebar.get_by_text("Not saved — retrying.")).to_be_visible(timeout=30_000)
    if why:
        expect(sidebar.get_by_text(re.compile(why))).to_be_visible()
    back_step(page, "Patient and consent")
    name = textbox(page, NAME_FIELD)
    name.fill("Ada Fullstop")
    name.press("Tab")
    number(page, "Age", "72")
    next_step(page, "Red-flag screen")
    choose(page, question["saddle_anaesthesia"], "No")
    idle(page)
    expect(sidebar.get_by_text("Not saved — retrying.")).to_be_visible()
    _shown_chosen(page, question["history_of_cancer"], "Yes")
    _shown_chosen(page, question["saddle_anaesthesia"], "No")


def _everything_stored(stored: dict, sex: str) -> None:
    assert stored["red_flags"] == {"history_of_cancer": True, "fever_or_unwell": False, "saddle_anaesthesia": False}
    assert stored["patient"]["age"] == 72 and stored["patient"]["sex"] == sex
    assert stored["patient"]["name"] == "Ada Fullstop"  # typed while the database was away


def _saved_again_without_error(page, sidebar) -> None:
    """The retry timer has written the answers (no click) and no error was ever drawn."""
    expect(sidebar.get_by_text(SAVED)).to_be_visible(timeout=60_000)
    idle(page)
    main = page.get_by_test_id("stMain").inner_text()
    assert "Traceback" not in main and "Error" not in main.split("Red-flag screen")[0]
    assert page.get_by_test_id("stException").count() == 0


def _every_step_drawn_and_the_letter_prints(page) -> None:
    """With the database away, each step is drawn to its end (heading, Back / Next, the disclaimer), and
    the referral letter the red flag calls for still prints, headed with the clinic's name."""
    for position, (step, title) in enumerate(STEP_TITLES.items(), start=1):
        page.get_by_role("radiogroup", name="Go to step", exact=True).get_by_role(
            "radio", name=f"{position} ", exact=False).first.click()
        heading(page, title)
        idle(page)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("button", name=re.compile("^(Back|Next): "))).not_to_have_count(0)
        expect(main.get_by_text("Reasoning aid, not a diagnosis.")).to_be_visible()
        assert page.get_by_test_id("stException").count() == 0, step
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Referral letter (PDF)").first.click()
    text = subprocess.run(["pdftotext", str(download.value.path()), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert CLINIC in text and "Referral letter" in text and "malignancy" in text
    page.get_by_role("radiogroup", name="Go to step", exact=True).get_by_role("radio", name="2 ", exact=False).first.click()
    heading(page, "Red-flag screen")


def test_postgresql_stopped_mid_assessment_keeps_every_answer_and_writes_it_once_back(own_postgres, context, tmp_path):
    url, stop, start = own_postgres
    srv = Server(tmp_path / "data", database_url=url).start()
    try:
        page = context.new_page()
        sidebar, draft_id = _to_red_flags(page, srv, "58", "Female")
        stop()  # the database goes away mid-assessment
        _answer_and_type_while_away(page, sidebar)
        _every_step_drawn_and_the_letter_prints(page)
        start()  # back: the sidebar's timer writes the answers without a click
        _saved_again_without_error(page, sidebar)
        _everything_stored(_stored(url, draft_id), "female")
    finally:
        srv.stop()


@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MB file system (tmpfs) for the SQLite database: (folder, fill, free).

    ``fill`` writes a filler file until the kernel says "no space left on device"; ``free``
    deletes it. Mounting needs root (or CAP_SYS_ADMIN); without it the test says so and skips.
    """
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip() or 'mount failed'}")
    filler = folder / "filler.bin"

    def fill() -> None:
        with filler.open("ab") as out:
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError as exc:
                assert exc.errno == 28, exc  # ENOSPC: the disk is full
        assert shutil.disk_usage(folder).free < 65536

    try:
        yield folder / "data", fill, (lambda: filler.unlink(missing_ok=True))
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def _stored_sqlite(data_dir: Path, draft_id: str) -> dict:
    from intake.store import database_url

    return _stored(database_url({"INTAKE_DATA_DIR": str(data_dir)}), draft_id)


def test_a_full_disk_mid_assessment_keeps_every_answer_and_writes_it_once_there_is_room(small_disk, context):
    data_dir, fill, free = small_disk
    srv = Server(data_dir).start()  # SQLite, the default, in a data folder on the small disk
    try:
        page = context.new_page()
        sidebar, draft_id = _to_red_flags(page, srv, "71", "Male")
        fill()  # the disk fills up mid-assessment
        _answer_and_type_while_away(page, sidebar, why="disk holding the database is full")
        assert _stored_sqlite(data_dir, draft_id).get("red_flags", {}) == {}, "nothing can have been written yet"
        free()  # room again: the sidebar's timer writes the answers without a click
        _saved_again_without_error(page, sidebar)
        _everything_stored(_stored_sqlite(data_dir, draft_id), "male")
    finally:
        srv.stop()
