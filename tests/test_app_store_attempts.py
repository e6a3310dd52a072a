"""The practice tables in the store: attempts (start, save what was asked, commit once, list by
student) and uploaded vignettes; the drafts table is untouched by them."""

from __future__ import annotations

from test_app_support import clinic_store

from intake.store import ClinicStore, database_url, student_key


def _store(tmp_path) -> ClinicStore:
    return clinic_store(database_url({"INTAKE_DATA_DIR": str(tmp_path)}))


def test_an_attempt_from_start_to_commit(tmp_path):
    store = _store(tmp_path)
    record = store.start_attempt("  Zoë Ñ  ", "lib-foundation-01", "A title", {"revealed": []})
    assert record.student == "Zoë Ñ" and not record.is_committed and record.score is None
    assert len(record.id) >= 32
    assert store.save_attempt_answers(record.id, {"revealed": ["faber"], "tests_performed": ["faber"]})
    assert store.list_attempts() == []  # not committed: not a result yet
    assert store.list_attempts(committed_only=False)[0].answers["revealed"] == ["faber"]
    assert store.elapsed_seconds(record.id) >= 0
    assert store.commit_attempt(record.id, answers={"referral": "none"}, expected={"origin": "hip_joint"}, score=81.5,
                                marks={"red_flags": {"marks": 30, "max": 30}}, feedback={"total": 81.5}, seconds=42.0,
                                unsafe=False)
    assert not store.commit_attempt(record.id, answers={}, expected={}, score=0, marks={}, feedback={}, seconds=0, unsafe=True)
    assert not store.save_attempt_answers(record.id, {"revealed": []})  # committed answers stay as committed
    [done] = store.list_attempts("zoë ñ")
    assert (done.score, done.seconds, done.unsafe, done.marks["red_flags"]["marks"]) == (81.5, 42.0, False, 30)
    assert done.committed >= done.created
    assert store.list_attempts("Someone else") == []
    assert store.list() == []  # no drafts were made


def test_student_names_match_as_typed_case_and_spacing_aside():
    assert student_key(" O'Brien  <b>& ZOË ") == student_key("o'brien <b>& zoë")
    assert student_key("Zoe") != student_key("Zoë")


def test_unknown_attempts_and_vignettes(tmp_path):
    store = _store(tmp_path)
    assert store.get_attempt("") is None and store.get_attempt("x" * 500) is None and store.get_attempt("nope") is None
    assert not store.save_attempt_answers("nope", {})
    assert store.elapsed_seconds("nope") is None
    assert store.get_vignette("nope") is None and not store.delete_vignette("nope")


def test_uploaded_vignettes_are_kept_listed_and_removed(tmp_path):
    store = _store(tmp_path)
    first = store.add_vignette({"case_format": 1, "patient": {"age": 50}, "expected": {"origin": None}}, title="One",
                               difficulty="advanced")
    second = store.add_vignette({"case_format": 1, "patient": {"age": 60}, "expected": {"origin": None}}, title="Two")
    assert [v.title for v in store.list_vignettes()] == ["One", "Two"]
    assert store.get_vignette(first.id).data["patient"] == {"age": 50}
    assert store.delete_vignette(first.id)
    assert [v.id for v in store.list_vignettes()] == [second.id]
