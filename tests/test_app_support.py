"""Helpers shared by the AppTest suites (no tests here): a fresh app on a throwaway database."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from intake.accounts import Principal
from intake.store import ClinicStore, Store, database_url

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
CASES = ROOT / "intake" / "cases" / "examples"
EMERGENCY_CASE = "example-10-cauda-equina-syndrome.yaml"
TIMEOUT = 30


def signed_in_principal(clinic: str = "Test clinic", username: str = "tester", role: str = "admin",
                        url: str | None = None) -> Principal:
    """A practitioner of `clinic` in this test's database (made on first use), as a sign-in yields."""
    store = Store(url or database_url())
    try:
        accounts = store.accounts
        found = accounts.clinic_by_name(clinic) or accounts.create_clinic(clinic)
        known = {p.username: p for p in accounts.practitioners(found.id)}
        person = known.get(username) or accounts.add_practitioner(found.id, username, username.title(),
                                                                  password="test password 123", role=role)
        return Principal(user_id=person.id, username=person.username, display_name=person.display_name,
                         clinic_id=found.id, clinic_name=found.name, role=person.role)
    finally:
        store.dispose()


def clinic_store(url: str | None = None, **who) -> ClinicStore:
    """The store as the signed-in test practitioner sees it."""
    url = url or database_url()
    return Store(url).scoped(signed_in_principal(url=url, **who))


def new_app(query: dict | None = None, answers: dict | None = None, step: str | None = None,
            principal: Principal | None = None, signed_in: bool = True) -> AppTest:
    """A fresh browser session, signed in as the test practitioner (or `principal`); `answers`
    seeds the answers store as a resumed draft would."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if signed_in:
        at.session_state["principal"] = principal or signed_in_principal()
    if query:
        at.query_params.update(query)
    if answers is not None:
        at.session_state["answers"] = answers
    if step is not None:
        at.session_state["step"] = step
    return at.run()


def answers_of(name: str) -> dict:
    """A shared example case as the wizard's answers (case_format aside, every section present)."""
    data = case_data(name)
    data.pop("case_format")
    for part in ("patient", "history", "red_flags"):
        data.setdefault(part, {})
    data.setdefault("exam", {}).setdefault("tests", {})
    return data


def case_data(name: str) -> dict:
    data = yaml.safe_load((CASES / name).read_text(encoding="utf-8"))
    data.pop("expected", None)
    return data


def goto(at: AppTest, step: str) -> AppTest:
    return at.segmented_control(key=f"nav:step:{at.session_state['step']}").set_value(step).run()


def consent(at: AppTest) -> AppTest:
    return at.checkbox(key="w::consent").check().run()


def as_shown(markdown: str) -> str:
    """Markdown's backslash escapes taken out, as the reader sees the text (CommonMark: any ASCII punctuation)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def texts(at: AppTest) -> str:
    """Every piece of text on screen (main and sidebar), for 'is it shown anywhere' checks."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "header", "subheader", "title"):
        parts.extend(as_shown(str(e.value)) for e in getattr(at, kind))
    for kind in ("text_input", "text_area", "number_input"):
        parts.extend(str(w.value) for w in getattr(at, kind))
    return "\n".join(parts)


def on_screen(at) -> str:
    """Every element's content under `at` (an AppTest: main area and sidebar; or one block): labels,
    markdown, captions, expanders, tables. For "is it anywhere on screen" checks."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(getattr(at, "_tree", at))
    return "\n".join(out)


def svg_from_data_url(url: str) -> str:
    head, _, body = url.partition(",")
    assert head.startswith("data:image/svg+xml"), head
    return base64.b64decode(body).decode("utf-8") if head.endswith(";base64") else body


def chart_svg(at: AppTest) -> str:
    images = at.get("image")
    assert images, "no body chart on screen"
    return svg_from_data_url(images[0].value[0])


def shaded(svg: str, region: str) -> bool:
    """True when some shape of `region` is filled (unchosen regions have fill="none")."""
    fills = re.findall(r'<polygon[^>]*fill="([^"]+)"[^>]*data-region="' + re.escape(region) + '"', svg)
    assert fills, f"region {region} not drawn"
    return any(f != "none" for f in fills)
