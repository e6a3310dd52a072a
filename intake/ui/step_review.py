"""Step 7: the whole assessment, every conclusion with its reasons and sources, and notes."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from intake.models import Assessment, Reason
from intake.policy import visit
from intake.policy.urgency import presentation
from intake.ui import evidence_page, fields, what_if_panel
from intake.ui.evaluation import Evaluation

__all__ = ["field_words", "render", "show_assessment"]

NOTES_LIMIT = 10_000


def _reason_line(reason: Reason, siblings: Sequence[Reason] = ()) -> str:
    arrow = "for" if reason.direction == "for" else "against"
    findings = ", ".join(fields.label_of(k) for k in reason.findings)
    sources = "; ".join(reason.citations)
    # the covering reason by its summary, as on paper: a rule id means nothing to a clinician
    covering = next((r.summary for r in siblings if r.rule == reason.covered_by), None)
    counted = "" if reason.counted else f" *(not counted: covered by “{covering}”)*" if covering else " *(not counted)*"
    return f"- **{arrow}** (×{reason.effect:.2g}) {reason.summary} — *{findings}*{counted}  \n  Source: {sources}"


def field_words(path: str) -> str:
    """A case path as the clinician reads it on the form (its question's label), never the path itself."""
    if not path:
        return "The case as a whole"
    slot = next((s for s in fields.kb().form.slots if s.path == path), None)
    if slot is not None and slot.label:
        return slot.label
    key = path.rsplit(".", 1)[-1]
    return fields.label_of(key) if key in fields.kb().findings else key.replace("_", " ").capitalize()


def _problems(ev: Evaluation) -> None:
    if not ev.problems:
        return
    lines = [f"- **{field_words(path)}**: {'; '.join(messages)}" for path, messages in ev.problems.items()]
    st.warning("Some answers are not accepted by the case format and are left out until corrected:\n\n" + "\n".join(lines))


def _red_flags(a: Assessment) -> None:
    st.markdown("### Red flags and referral")
    sentence = visit.deciding_sentence(a)
    if sentence:
        st.markdown(f"**{sentence}**")
    st.markdown(f"**Referral:** {a.referral}")
    if not a.red_flags:
        st.markdown(fields.kb().settings.no_red_flag_note)
    for rf in a.red_flags:
        findings = ", ".join(fields.label_of(k) for k in rf.findings)
        box = getattr(st, presentation(rf.urgency).box)
        box(f"**{rf.label}** ({rf.urgency}) — {findings}\n\n{rf.note}\n\n**Refer to:** {rf.refer_to}\n\n"
            f"Sources: {'; '.join(rf.citations)}")
    evidence_page.links((k for rf in a.red_flags for k in rf.findings), "red_flags")
    if a.precautions:
        st.markdown("**Precautions:** " + ", ".join(fields.label_of(k) for k in a.precautions))
    st.markdown(f"**Safety net:** {a.safety_net}")


def _origins(a: Assessment) -> None:
    st.markdown("### Origins, most likely first" + (" (provisional)" if a.differential_provisional else ""))
    if a.provisional_note:
        st.warning(a.provisional_note, icon=":material/priority_high:")
    if a.coexistence_note:
        st.info(a.coexistence_note)
    for n, origin in enumerate(a.origins, start=1):
        with st.expander(f"{n}. {origin.label} — {origin.likelihood}", expanded=n == 1):  # a band; the number is in the PDF's appendix
            if origin.because:
                st.markdown("\n".join(_reason_line(r, origin.because) for r in origin.because))
                evidence_page.links((k for r in origin.because for k in r.findings), f"origin{n}")
            else:
                st.markdown("No finding moved this origin from its starting estimate.")


def _muscles(a: Assessment) -> None:
    st.markdown("### Suspected muscles")
    if not a.muscles:
        st.markdown("None suspected from the answers given.")
    for muscle in a.muscles:
        zones = ", ".join(z.replace("_", " ") for z in muscle.referral_zones)
        st.markdown(f"**{muscle.label}** — refers to {zones}")
        if muscle.because:
            st.markdown("\n".join(_reason_line(r, muscle.because) for r in muscle.because))
            evidence_page.links((k for r in muscle.because for k in r.findings), f"muscle:{muscle.id}")


def _therapies(a: Assessment) -> None:
    st.markdown("### Suggested therapies")
    offered = [t for t in a.therapies if not t.withheld]
    withheld = [t for t in a.therapies if t.withheld]
    if not offered:
        st.markdown("No therapy is suggested from these answers.")
    for t in offered:
        caution = f"  \n  :orange[Caution: {t.caution}]" if t.caution else ""
        st.markdown(f"- **{t.label}** ({t.kind.replace('_', ' ')}) — {t.evidence_note}{caution}  \n  Sources: {'; '.join(t.citations)}")
    if withheld or a.withheld:
        st.markdown("#### Withheld, and why")
        for t in withheld:
            st.markdown(f"- ~~{t.label}~~ — withheld: {t.withheld_reason or fields.label_of(t.withheld or '')}")
        for w in a.withheld:
            because = ", ".join(fields.label_of(k) for k in w.because)
            st.markdown(f"- All **{w.id.replace('_', ' ')}**: {w.reason} *(because: {because}; source: {'; '.join(w.citations)})*")


def _gaps(a: Assessment) -> None:
    proposed = visit.gaps_to_propose(a)  # in an emergency, only the red-flag questions still unasked
    st.markdown("### Gaps: still not asked")
    if not proposed:
        st.markdown("None of the questions that matter is unanswered.")
    else:
        st.markdown("\n".join(f"- **{g.label}** — {g.why}" for g in proposed))
        evidence_page.links((g.key for g in proposed if g.kind in ("test", "exam")), "gaps")
        if visit.decided_by_referral(a):
            st.caption("Only the red-flag questions still unasked are listed.")
    held = len(a.gaps) - len(proposed)
    if held:
        st.caption(f"{held} examination question{'s' if held != 1 else ''} not proposed: the referral decides this "
                   "visit. The examination steps stay open if you need them.")


def show_assessment(a: Assessment, previous_outcomes: dict | None = None) -> None:
    """Red flags first, then origins, muscles, therapies (and what is withheld), the gaps and the
    outcome measures (with the change since the previous visit): the same view for the assessment
    in progress and for a filed record."""
    from intake.ui.step_measures import show_outcomes

    _red_flags(a)
    _origins(a)
    _muscles(a)
    _therapies(a)
    _gaps(a)
    show_outcomes(a.outcomes, previous_outcomes)


def previous_outcomes() -> dict:
    """For a follow-up: each measure's scores at the patient's earlier visits (latest first wins)."""
    follows = (st.session_state.get("draft_links") or {}).get("follows_id")
    if not follows:
        return {}
    from intake.outcome_tracking import previous_scores
    from intake.storage.database import StoreUnavailable
    from intake.ui import state

    store = state.store()
    try:
        followed = store.records.get(store.principal, follows, audit_view=False)
        if followed is None:
            return {}
        earlier = [v for v in store.records.history(store.principal, followed.pseudonym)
                   if v.assessed_at <= followed.assessed_at]
        records = [store.records.get(store.principal, v.id, audit_view=False) for v in earlier]
    except StoreUnavailable:
        st.caption("The earlier visits' scores cannot be read while the database is away; they are left out "
                   "until it is back.")
        return {}
    return previous_scores(r.assessment_data for r in records if r is not None)


def render(ev: Evaluation) -> None:
    with st.container():
        _problems(ev)
    if ev.assessment is None:
        st.info(ev.engine_error or "Enter the patient's age (step 1) to see the assessment.")
    else:
        show_assessment(ev.assessment, previous_outcomes())
        what_if_panel.render(ev)
    st.markdown("### Practitioner's notes")
    fields.text(ev, "notes", "Notes (printed on the clinician summary)", area=True,
                help=f"Free text, up to {NOTES_LIMIT:,} characters.", placeholder="Add your own notes here")
