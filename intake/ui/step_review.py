"""Step 7: the whole assessment, every conclusion with its reasons and sources, and notes."""

from __future__ import annotations

import streamlit as st

from intake.models import Assessment, Reason
from intake.ui import evidence_page, fields, what_if_panel
from intake.ui.evaluation import Evaluation

__all__ = ["render", "show_assessment"]

NOTES_LIMIT = 10_000


def _reason_line(reason: Reason) -> str:
    arrow = "for" if reason.direction == "for" else "against"
    findings = ", ".join(fields.label_of(k) for k in reason.findings)
    sources = "; ".join(reason.citations)
    counted = "" if reason.counted else f" *(not counted: covered by {reason.covered_by})*" if reason.covered_by else " *(not counted)*"
    return f"- **{arrow}** (×{reason.effect:.2g}) {reason.summary} — *{findings}*{counted}  \n  Source: {sources}"


def _problems(ev: Evaluation) -> None:
    if not ev.problems:
        return
    lines = [f"- `{path or 'case'}`: {'; '.join(messages)}" for path, messages in ev.problems.items()]
    st.warning("Some answers are not accepted by the case format and are left out until corrected:\n\n" + "\n".join(lines))


def _red_flags(a: Assessment) -> None:
    st.markdown("### Red flags and referral")
    st.markdown(f"**Referral:** {a.referral}")
    if not a.red_flags:
        st.markdown(fields.kb().settings.no_red_flag_note)
    for rf in a.red_flags:
        findings = ", ".join(fields.label_of(k) for k in rf.findings)
        box = st.error if rf.urgency == "emergency" else st.warning if rf.urgency in ("urgent", "routine") else st.info
        box(f"**{rf.label}** ({rf.urgency}) — {findings}\n\n{rf.note}\n\n**Refer to:** {rf.refer_to}\n\n"
            f"Sources: {'; '.join(rf.citations)}")
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
        with st.expander(f"{n}. {origin.label} — {origin.likelihood} ({origin.probability:.0%})", expanded=n == 1):
            if origin.because:
                st.markdown("\n".join(_reason_line(r) for r in origin.because))
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
            st.markdown("\n".join(_reason_line(r) for r in muscle.because))


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
    st.markdown("### Gaps: still not asked")
    if not a.gaps:
        st.markdown("None of the questions that matter is unanswered.")
    else:
        st.markdown("\n".join(f"- **{g.label}** — {g.why}" for g in a.gaps))
        evidence_page.links((g.key for g in a.gaps if g.kind in ("test", "exam")), "gaps")


def show_assessment(a: Assessment) -> None:
    """Red flags first, then origins, muscles, therapies (and what is withheld) and the gaps: the
    same view for the assessment in progress and for a filed record."""
    _red_flags(a)
    _origins(a)
    _muscles(a)
    _therapies(a)
    _gaps(a)


def render(ev: Evaluation) -> None:
    with st.container():
        _problems(ev)
    if ev.assessment is None:
        st.info(ev.engine_error or "Enter the patient's age (step 1) to see the assessment.")
    else:
        show_assessment(ev.assessment)
        what_if_panel.render(ev)
    st.markdown("### Practitioner's notes")
    fields.text(ev, "notes", "Notes (printed on the clinician summary)", area=True,
                help=f"Free text, up to {NOTES_LIMIT:,} characters.", placeholder="Add your own notes here")
