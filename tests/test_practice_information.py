"""Practice: each test marked by the information its result added when it was asked."""

from __future__ import annotations

from intake import assess, load_vignette
from intake.practice import Attempt, score_attempt
from intake.practice.information import information_by_test, informative_questions, known_facts
from tests.conftest import SHARED_CASES

TFL = SHARED_CASES / "example-08-tfl-trigger-points-on-anticoagulants.yaml"
HIP_OA = SHARED_CASES / "example-01-hip-osteoarthritis.yaml"


def attempt_with(tests: list[str], expected) -> Attempt:
    return Attempt(tests_performed=tests, ranked_origins=[expected.origin or "myofascial"], referral=expected.referral)


def part_of_tests(feedback):
    return next(p for p in feedback.parts if p.part == "tests")


def test_a_test_that_ruled_out_lateral_hip_earns_marks(kb):
    case, expected = load_vignette(TFL)
    assessment = assess(case, kb)
    ruling_out = score_attempt(case, expected, assessment, attempt_with(["resisted_external_derotation"], expected), kb=kb)
    nothing = score_attempt(case, expected, assessment, attempt_with([], expected), kb=kb)
    [info] = ruling_out.test_information
    assert info.result == "negative" and any(o.startswith("Lateral hip") for o in info.ruled_out)
    assert info.informative and info.bits > 0.3
    assert part_of_tests(ruling_out).marks > part_of_tests(nothing).marks
    assert any("ruled out Lateral hip" in r and "credit" in r for r in part_of_tests(ruling_out).reasons)
    assert any("earn" in r for r in part_of_tests(nothing).reasons)


def test_information_is_counted_at_the_moment_the_test_was_asked(kb):
    """The same test adds less once a correlated one has answered the question."""
    case, _ = load_vignette(TFL)
    first = information_by_test(case, [], ["resisted_external_derotation", "single_leg_stance_30s"], kb)
    alone = information_by_test(case, [], ["single_leg_stance_30s"], kb)
    assert first[1].key == alone[0].key == "single_leg_stance_30s"
    assert first[1].bits < alone[0].bits
    assert first[0].expected_bits is not None and first[0].expected_bits > 0


def test_what_the_student_knows_is_only_what_was_asked(kb):
    case, _ = load_vignette(HIP_OA)
    facts = known_facts(case, ["saddle_anaesthesia"], ["scour"])
    assert facts["scour"] is not None and facts["fadir"] is None
    assert facts["saddle_anaesthesia"] is not None and facts["bladder_dysfunction"] is None
    assert facts["pain_sites.groin"] is True  # the presenting history is always known


def test_the_feedback_shows_the_questions_that_would_have_informed_most(kb):
    case, expected = load_vignette(HIP_OA)
    feedback = score_attempt(case, expected, assess(case, kb), attempt_with([], expected), kb=kb)
    shown = feedback.informative_questions
    assert shown and all(q.kind in ("exam", "test") for q in shown)
    assert [q.expected_bits for q in shown] == sorted((q.expected_bits for q in shown), reverse=True)
    direct = informative_questions(case, [], [], kb, len(shown))
    assert [q.key for q in shown] == [q.key for q in direct]


def test_no_testing_is_asked_for_when_a_red_flag_decides(kb):
    case, expected = load_vignette(SHARED_CASES / "example-10-cauda-equina-syndrome.yaml")
    feedback = score_attempt(case, expected, assess(case, kb), attempt_with([], expected), kb=kb)
    assert part_of_tests(feedback).marks == part_of_tests(feedback).max
    assert feedback.informative_questions == []
