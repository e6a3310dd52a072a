"""Patient links on SQLite and PostgreSQL: one draft only, unguessable, expiring, revocable, used up,
throttled, answers merged into the draft marked patient-reported, and every use audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from db_support import World
from sqlalchemy import select

from intake.db.schema import AuditRow, DraftRow, PatientLinkRow
from intake.storage.patient_links import LinkRefused, PatientLinks, Throttle, merge_patient_answers


@pytest.fixture
def world(db_store):
    return World(db_store)


def draft_for(world, principal, answers=None):
    return world.store.scoped(principal).create(answers or {"patient": {"age": 50}}, step="patient", consent=True)


def test_a_link_opens_its_own_draft_only_and_keeps_only_a_hash(world):
    draft = draft_for(world, world.a_prac)
    info, token = world.store.patient_links.create(world.a_prac, draft.id, language="es", measures=["odi", "psfs"])
    assert len(token) >= 40 and info.state() == "open"
    link = world.store.patient_links.open(token)
    assert (link.language, link.measures, link.answers) == ("es", ("odi", "psfs"), {})
    with world.store.db.reading() as session:
        stored = session.scalars(select(PatientLinkRow)).one()
    assert token not in json.dumps({c: str(getattr(stored, c)) for c in ("id", "token_hash", "draft_id")})
    assert not hasattr(link, "draft_id")  # the page never learns which draft, let alone reads it


def test_a_practitioner_cannot_make_a_link_to_another_clinics_draft(world):
    draft = draft_for(world, world.b_prac)
    with pytest.raises(PermissionError):
        world.store.patient_links.create(world.a_prac, draft.id)


def test_answers_land_in_the_draft_marked_patient_reported_and_a_red_flag_flags_it(world):
    draft = draft_for(world, world.a_prac)
    other = draft_for(world, world.a_prac)
    _, token = world.store.patient_links.create(world.a_prac, draft.id, measures=["odi"])
    form = {"red_flags": {"saddle_anaesthesia": True, "fever_or_unwell": False},
            "history": {"onset": "sudden"}, "outcomes": {"odi": {"answers": {"1": 3}}}}
    world.store.patient_links.save(token, form)
    stored = world.store.scoped(world.a_prac).get(draft.id).answers
    assert stored["red_flags"] == {"saddle_anaesthesia": True, "fever_or_unwell": False}
    assert stored["outcomes"]["odi"] == {"answers": {"1": 3}, "reported_by": "patient"}
    assert stored["patient_reported"]["red_flags.saddle_anaesthesia"] and stored["patient_reported"]["odi"]
    assert world.store.patient_links.open(token).answers == form  # a refresh shows what was given
    listed = world.store.scoped(world.a_prac).list()
    assert listed[0].id == draft.id and listed[0].patient_alert
    assert world.store.scoped(world.a_prac).get(other.id).answers == {"patient": {"age": 50}}


def test_a_used_revoked_or_expired_link_is_refused(world):
    links = world.store.patient_links
    sent_draft, revoked_draft, old_draft = (draft_for(world, world.a_prac) for _ in range(3))
    _, sent = links.create(world.a_prac, sent_draft.id)
    links.send(sent)
    with pytest.raises(LinkRefused) as used:
        links.open(sent)
    info, revoked = links.create(world.a_prac, revoked_draft.id)
    assert links.revoke(world.a_prac, info.id)
    with pytest.raises(LinkRefused) as gone:
        links.save(revoked, {"red_flags": {"fever_or_unwell": True}})
    info, old = links.create(world.a_prac, old_draft.id, days=1)
    with world.store.db.transaction() as session:
        session.get(PatientLinkRow, info.id).expires = datetime.now(UTC) - timedelta(minutes=1)
    with pytest.raises(LinkRefused) as late:
        links.open(old)
    assert (used.value.reason, gone.value.reason, late.value.reason) == ("used", "revoked", "expired")
    assert "fever_or_unwell" not in (world.store.scoped(world.a_prac).get(revoked_draft.id).answers.get("red_flags") or {})


def test_another_clinic_cannot_revoke_a_link(world):
    info, _ = world.store.patient_links.create(world.a_prac, draft_for(world, world.a_prac).id)
    assert world.store.patient_links.revoke(world.b_prac, info.id) is False


def test_guessing_is_throttled(world):
    links = PatientLinks(world.store.db, Throttle(limit=3, window=60))
    _, token = links.create(world.a_prac, draft_for(world, world.a_prac).id)
    for _ in range(3):
        with pytest.raises(LinkRefused, match="unknown"):
            links.open("x" * 43)
    with pytest.raises(LinkRefused, match="throttled"):
        links.open(token)  # even a real link waits once guessing has been seen


def test_a_filed_or_deleted_draft_closes_its_link(world):
    draft = draft_for(world, world.a_prac)
    _, token = world.store.patient_links.create(world.a_prac, draft.id)
    world.store.scoped(world.a_prac).delete(draft.id)
    with pytest.raises(LinkRefused, match="revoked"):
        world.store.patient_links.open(token)


def test_every_use_is_audited_without_the_answers(world):
    draft = draft_for(world, world.a_prac)
    _, token = world.store.patient_links.create(world.a_prac, draft.id)
    world.store.patient_links.open(token)
    world.store.patient_links.save(token, {"history": {"onset": "sudden"}, "red_flags": {"saddle_anaesthesia": True}})
    world.store.patient_links.send(token)
    with world.store.db.reading() as session:
        rows = session.scalars(select(AuditRow).where(AuditRow.record_id == draft.id).order_by(AuditRow.id)).all()
    assert [(r.action, r.kind, r.username) for r in rows][-4:] == [
        ("create", "patient_link", "a_prac"), ("view", "patient_link", "patient link"),
        ("update", "draft", "patient link"), ("update", "patient_link", "patient link")]
    assert all("sudden" not in r.detail and "saddle" not in r.detail for r in rows)
    assert all(r.clinic_id == world.clinic_a.id for r in rows)


def test_merge_never_drops_a_present_red_flag():
    draft = {"red_flags": {"saddle_anaesthesia": True, "fever_or_unwell": False}, "history": {"onset": "gradual"}}
    merged = merge_patient_answers(draft, {"red_flags": {"saddle_anaesthesia": False, "fever_or_unwell": True},
                                           "history": {"onset": "sudden"}})
    assert merged["red_flags"] == {"saddle_anaesthesia": True, "fever_or_unwell": True}
    assert merged["history"]["onset"] == "gradual"  # the practitioner's answer stands; the patient's is kept in the form
    again = merge_patient_answers(merged, {"red_flags": {"fever_or_unwell": False}})
    assert again["red_flags"]["fever_or_unwell"] is True  # a patient's own yes is never taken back silently


def test_drafts_rows_are_untouched_by_a_refused_link(world):
    draft = draft_for(world, world.a_prac)
    with world.store.db.reading() as session:
        before = session.get(DraftRow, draft.id).answers
    with pytest.raises(LinkRefused):
        world.store.patient_links.save("y" * 43, {"red_flags": {"fever_or_unwell": True}})
    with world.store.db.reading() as session:
        assert session.get(DraftRow, draft.id).answers == before
