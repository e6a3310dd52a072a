"""The patient form's clinic settings (link expiry, the measures asked) and the guessing throttle shared
through the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from db_support import World
from sqlalchemy import select

from intake.db.schema import AuditRow, LinkFailureRow
from intake.storage.accounts import AccountError
from intake.storage.clinic_details import SettingsError
from intake.storage.link_throttle import SharedThrottle
from intake.storage.patient_form_settings import DEFAULT_FORM
from intake.storage.patient_links import LinkRefused, PatientLinks


@pytest.fixture
def world(db_store):
    return World(db_store)


def draft_for(world, principal):
    return world.store.scoped(principal).create({"patient": {"age": 50}}, step="patient", consent=True)


def test_a_clinic_that_set_nothing_gets_seven_days_and_the_odi_and_psfs(world):
    assert world.store.patient_form.get(world.clinic_a.id) == DEFAULT_FORM
    assert (DEFAULT_FORM.link_days, DEFAULT_FORM.measures) == (7, ("odi", "psfs"))
    info, _ = world.store.patient_links.create(world.a_prac, draft_for(world, world.a_prac).id)
    assert info.expires - info.created == timedelta(days=7)


def test_an_administrator_sets_the_form_for_their_clinic_only_and_links_follow_it(world):
    saved = world.store.patient_form.save(world.a_admin, link_days=3, measures=["nprs", "odi", "nprs"])
    assert (saved.link_days, saved.measures) == (3, ("nprs", "odi"))
    assert world.store.patient_form.get(world.clinic_a.id) == saved
    assert world.store.patient_form.get(world.clinic_b.id) == DEFAULT_FORM  # the other clinic is untouched
    info, _ = world.store.patient_links.create(world.a_prac, draft_for(world, world.a_prac).id)
    assert info.expires - info.created == timedelta(days=3)
    other, _ = world.store.patient_links.create(world.b_prac, draft_for(world, world.b_prac).id)
    assert other.expires - other.created == timedelta(days=7)
    with world.store.db.reading() as session:
        entry = session.scalars(select(AuditRow).where(AuditRow.kind == "patient_form")).one()
    assert entry.clinic_id == world.clinic_a.id and entry.username == "a_admin"
    assert json.loads(entry.detail)["changed"] == ["link_days", "measures"]


def test_only_an_administrator_may_change_it_and_a_bad_value_is_named(world):
    with pytest.raises(AccountError):
        world.store.patient_form.save(world.a_prac, link_days=3, measures=[])
    with pytest.raises(SettingsError, match="link_days"):
        world.store.patient_form.save(world.a_admin, link_days=0, measures=[])
    with pytest.raises(SettingsError, match="link_days"):
        world.store.patient_form.save(world.a_admin, link_days=91, measures=[])
    with pytest.raises(SettingsError, match="measures: 'sf36'"):
        world.store.patient_form.save(world.a_admin, link_days=7, measures=["odi", "sf36"])
    assert world.store.patient_form.get(world.clinic_a.id) == DEFAULT_FORM  # nothing half-saved
    assert world.store.patient_form.save(world.a_admin, link_days=14, measures=[]).measures == ()  # no measures at all


def test_guessing_is_throttled_across_app_instances(world):
    """Two processes behind one database (two PatientLinks, two throttles) count the same failures."""
    first = PatientLinks(world.store.db, SharedThrottle(world.store.db, limit=3, window=60))
    second = PatientLinks(world.store.db, SharedThrottle(world.store.db, limit=3, window=60))
    _, token = first.create(world.a_prac, draft_for(world, world.a_prac).id)
    for links in (first, second, first):
        with pytest.raises(LinkRefused, match="unknown"):
            links.open("x" * 43)
    with pytest.raises(LinkRefused, match="throttled"):
        second.open(token)  # the other instance saw none of the guesses itself
    with world.store.db.reading() as session:
        kept = session.scalars(select(LinkFailureRow)).all()
    assert len(kept) == 3


def test_the_throttle_forgets_failures_older_than_its_window(world):
    throttle = SharedThrottle(world.store.db, limit=2, window=0.0)
    throttle.failed()
    throttle.failed()
    assert not throttle.blocked()  # a zero window: nothing recent
    throttle.failed()
    with world.store.db.reading() as session:
        assert len(session.scalars(select(LinkFailureRow)).all()) == 1  # the old ones are deleted as new ones come
