"""The draft store: SQLite in the data folder by default, random ids, save / list / delete."""

from __future__ import annotations

from test_app_support import clinic_store

from intake.store import DB_FILE_NAME, database_url


def test_default_database_is_sqlite_in_the_data_folder(tmp_path):
    assert database_url({}).endswith(f"/data/{DB_FILE_NAME}")
    assert database_url({"INTAKE_DATA_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path / DB_FILE_NAME}"
    assert database_url({"DATABASE_URL": "sqlite:///elsewhere.db", "INTAKE_DATA_DIR": str(tmp_path)}) == "sqlite:///elsewhere.db"


def test_create_save_get_list_delete(tmp_path):
    store = clinic_store(database_url({"INTAKE_DATA_DIR": str(tmp_path / "new-folder")}))
    assert (tmp_path / "new-folder" / DB_FILE_NAME).exists()
    draft = store.create({"patient": {"age": 50}}, step="patient", consent=True)
    assert draft.answers == {"patient": {"age": 50}} and draft.consent
    assert store.save(draft.id, answers={"patient": {"age": 51, "name": "Zoë Ñ"}}, step="hip", notes="n")
    again = store.get(draft.id)
    assert again.answers["patient"] == {"age": 51, "name": "Zoë Ñ"}
    assert (again.step, again.notes) == ("hip", "n")
    assert again.updated >= again.created
    [summary] = store.list()
    assert (summary.id, summary.age, summary.step) == (draft.id, 51, "hip")
    assert not hasattr(summary, "answers")  # the list carries no answers, no name
    assert store.delete(draft.id)
    assert store.get(draft.id) is None
    assert not store.save(draft.id, step="patient")
    assert not store.delete(draft.id)


def test_ids_are_random_and_unguessable(tmp_path):
    store = clinic_store(database_url({"INTAKE_DATA_DIR": str(tmp_path)}))
    ids = {store.create({}).id for _ in range(20)}
    assert len(ids) == 20
    assert all(len(i) >= 32 for i in ids)
    assert store.get("") is None and store.get("x" * 500) is None


def test_list_is_most_recent_first(tmp_path):
    store = clinic_store(database_url({"INTAKE_DATA_DIR": str(tmp_path)}))
    first = store.create({"patient": {"age": 1}})
    second = store.create({"patient": {"age": 2}})
    store.save(first.id, step="red_flags")
    assert [d.id for d in store.list()] == [first.id, second.id]
