"""The patient's own pre-visit page (``?patient=<link secret>``): phone first, no sign-in.

It reaches nothing but its link (intake.storage.patient_links): it asks the plain-language history,
the red-flag screen and the measures the clinic chose, saves every answer as it is given (a refresh
shows them again), and never reads the draft, a record or any clinician page. A red-flag answer
shows the matching handout advice at once. All text is in the link's language (intake.i18n).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import streamlit as st

from intake.i18n import Translator, patient_form, translator
from intake.knowledge import URGENCY_ORDER, load_knowledge
from intake.measures import load_measures
from intake.storage.database import StoreUnavailable
from intake.storage.patient_links import LinkRefused, PatientLinks
from reports.bodychart import PATIENT_LEGEND, svg_body_chart
from reports.content import handout_text, name_conditions

__all__ = ["PARAM", "REFUSALS", "emergency_advice", "render"]

PARAM = "patient"
_FORM = "pf:form"
_OPENED = "pf:opened"
_SENT = "pf:sent"
_UNSAVED = "pf:unsaved"  # the form holds answers the database has not confirmed yet
REFUSALS = {
    "unknown": "This link is not valid. Please check it, or ask your clinic for a new one.",
    "expired": "This link has expired. Please ask your clinic for a new one.",
    "revoked": "This link has been withdrawn by your clinic. Please ask them for a new one.",
    "used": "These answers have already been sent to your clinic. Thank you.",
    "throttled": "Too many attempts. Please wait a minute and try again.",
}
YES, NO, UNSURE = "yes", "no", "unsure"


def _links() -> PatientLinks:
    from intake.ui.state import root_store

    return root_store().patient_links


def _given(key: str, value: Any) -> tuple[tuple[str, ...], Any] | None:
    """Where a widget's value goes in the form, and as what (None: not answered); None if not ours."""
    if key.startswith("pf:rf:"):
        return ("red_flags", key[6:]), {YES: True, NO: False}.get(value)
    if key.startswith("pf:h:"):
        return ("history", key[5:]), (list(value) or None) if isinstance(value, list) else value
    if key.startswith("pf:m:"):
        measure, item = key[5:].split(":", 1)
        return ("outcomes", measure, "answers", item), value
    if key.startswith("pf:a:"):
        return ("outcomes", "psfs", "named", key[5:]), (str(value or "").strip()[:200] or None)
    return None


def _collect(token: str) -> None:
    """First thing in every run of the page: take what every widget shows into the form, then
    save it once if anything changed (or an earlier save is still owed).

    The same single write path as the clinician's wizard (intake/ui/state.py): no on_change
    callbacks, which Streamlit can cut short when the next tap arrives; taking a value twice
    changes nothing, and a run cut short is made good by the next one."""
    ss = st.session_state
    form = ss[_FORM]
    changed = False
    for key in [k for k in list(ss.keys()) if isinstance(k, str) and k.startswith(("pf:rf:", "pf:h:", "pf:m:", "pf:a:"))]:
        found = _given(key, ss[key])
        if found is None:
            continue
        where, value = found
        node: Any = form
        for depth, part in enumerate(where[:-1]):
            if value is None and part not in node:
                node = {}  # nothing to clear, and nothing made for it
                break
            node = node.setdefault(part, {"answers": {}} if where[0] == "outcomes" and depth == 1 else {})
        if node.get(where[-1]) == value:
            continue
        if value is None:
            if where[-1] not in node:
                continue
            node.pop(where[-1])
        else:
            node[where[-1]] = value
        changed = True
    if changed or ss.get(_UNSAVED):
        _save(token)


def _save(token: str) -> None:
    ss = st.session_state
    try:
        _links().save(token, ss[_FORM])
    except LinkRefused as exc:
        ss["pf:refused"] = exc.reason
    except StoreUnavailable:
        ss[_UNSAVED] = True  # kept in this session; the next tap or the timer saves it
    else:
        ss.pop(_UNSAVED, None)


@st.fragment(run_every=timedelta(seconds=3))
def _retrying(t: Translator, token: str) -> None:
    """While the answers are not saved: say so, and try again every few seconds without a tap."""
    _save(token)
    if st.session_state.get(_UNSAVED):
        st.warning(t("Not saved yet: the clinic's system is not answering. Your answers are kept on this "
                     "screen and saved as soon as it is back; please keep this page open."), icon=":material/cloud_off:")
    else:
        st.rerun()


def emergency_advice(red_flags: dict[str, bool | None]) -> tuple[str, list[str]] | None:
    """(urgency, conditions) from the rules each 'yes' raises on its own, for the most urgent one."""
    kb = load_knowledge()
    alone = {r.when.get("present"): r for r in kb.red_flag_rules if set(r.when) == {"present"}}
    raised = [alone[k] for k, v in red_flags.items() if v is True and k in alone]
    if not raised:
        return None
    top = max(raised, key=lambda r: URGENCY_ORDER[r.urgency])
    conditions = sorted({r.condition for r in raised if r.urgency == top.urgency})
    return top.urgency, conditions


def _advice(t: Translator, red_flags: dict) -> None:
    found = emergency_advice(red_flags)
    if found is None:
        return
    urgency, conditions = found
    words = handout_text()
    plain = load_knowledge().red_flag_conditions  # the handout's plain labels, one place for both
    named = name_conditions([t(plain[c].plain_label) for c in conditions if c in plain], t)
    if urgency in ("emergency", "urgent"):
        alert = words["alert"][urgency]
        box = st.error if urgency == "emergency" else st.warning
        title, body, more = alert["title"], alert["body"], alert["more"]
        lines = [f"**{t(title)}**", t(body).replace("{conditions}", named), *[t(m) for m in more]]
        box("\n\n".join(lines), icon=":material/emergency:")
    else:
        st.info(t("Please tell your physiotherapist about this answer at your visit."), icon=":material/info:")


def form_text(form: dict, section: str, key: str) -> str:
    return form[section][key]


def _history(t: Translator) -> None:
    form = patient_form()
    answers = st.session_state[_FORM].get("history", {})
    st.header(t("Your pain"))
    key = "pf:h:pain_sites"
    st.session_state.setdefault(key, list(answers.get("pain_sites") or []))
    sites = st.pills(t("Where do you feel the pain? Tap every place."), list(form["pain_sites"]), selection_mode="multi",
                     format_func=lambda s: t(form_text(form, "pain_sites", s)), key=key)
    st.image(svg_body_chart(list(sites or []), [], None, words=t, legend=PATIENT_LEGEND), width=240,
             alt=t("Body picture, front and back, with the places you chose shaded."))
    key = "pf:h:onset"
    if answers.get("onset") is not None:
        st.session_state.setdefault(key, answers["onset"])
    st.radio(t("How did it start?"), list(form["onset"]), format_func=lambda s: t(form_text(form, "onset", s)), key=key,
             index=None)
    key = "pf:h:aggravated_by"
    st.session_state.setdefault(key, list(answers.get("aggravated_by") or []))
    st.pills(t("What makes it worse?"), list(form["aggravated_by"]), selection_mode="multi",
             format_func=lambda s: t(form_text(form, "aggravated_by", s)), key=key)


def _red_flags(t: Translator) -> None:
    questions = patient_form()["red_flags"]
    given = st.session_state[_FORM].get("red_flags", {})
    st.header(t("Important questions"))
    st.caption(t("These questions check for rare problems that need a doctor quickly."))
    words = {YES: t("Yes"), NO: t("No"), UNSURE: t("Not sure")}
    for key, question in questions.items():
        widget = f"pf:rf:{key}"
        if given.get(key) is not None:
            st.session_state.setdefault(widget, YES if given[key] else NO)
        st.segmented_control(t(question), [YES, NO, UNSURE], format_func=words.__getitem__, key=widget)
        if given.get(key) is True:
            _advice(t, {key: True})


def _measures(t: Translator, chosen: tuple[str, ...]) -> None:
    ms = load_measures()
    stored = st.session_state[_FORM].get("outcomes", {})
    for measure_id in chosen:
        m = ms.measures.get(measure_id)
        if m is None:
            continue
        st.header(t(m.name))
        st.caption(t(m.about))
        if not m.licence.reproduce_items:
            st.info(t("Please use the paper questionnaire your clinic gave you: for each question, tap the number "
                      "of the answer you chose there."), icon=":material/description:")
        entry = stored.get(measure_id) or {}
        if m.items_from_activities is not None:
            named = entry.get("named") or {}
            for n in range(1, m.items_from_activities.most + 1):
                slot = str(n)
                key = f"pf:a:{slot}"
                st.session_state.setdefault(key, named.get(slot, ""))
                st.text_input(t("Activity {n} that is hard because of this problem", n=n), key=key, max_chars=200)
                if not named.get(slot):
                    break
                _code(m, slot, t("How well can you do it now? 0 = not at all, 10 = as well as before"),
                      entry.get("answers") or {})
        else:
            for item in m.items:
                # A licensed instrument's items are numbered only: its wording is on the clinic's paper form
                label = f"{item.id}. {t(item.label)}" if m.licence.reproduce_items else t("Question {n}", n=item.id)
                _code(m, item.id, label, entry.get("answers") or {})
        st.caption(m.licence.attribution)


def _code(m, item_id: str, label: str, given: dict) -> None:
    lo, hi = m.item_range(item_id)
    key = f"pf:m:{m.id}:{item_id}"
    if given.get(item_id) is not None:
        st.session_state.setdefault(key, given[item_id])
    st.segmented_control(label, list(range(lo, hi + 1)), key=key)


def _long_date(moment, code: str) -> str:
    """The day a link expires, as the patient's language writes a date (CLDR, through Babel)."""
    from babel.dates import format_date

    return format_date(moment.date(), format="long", locale="en_GB" if code == "en" else code)


def _rtl() -> None:
    st.html("<style>[data-testid='stMain'] { direction: rtl; text-align: right; }</style>")


def _footer(t: Translator) -> None:
    st.divider()
    st.caption(t("This form does not replace your appointment. If you feel very unwell, call the emergency number "
                 "or go to the emergency department."))
    note = t.review_note()
    if note:
        st.caption(note)


def render(token: str) -> None:
    """The whole patient page for one link; stops at a plain message when the link cannot be used."""
    ss = st.session_state
    links = _links()
    try:
        link = links.open(token) if ss.get(_OPENED) != token else None
    except LinkRefused as exc:
        t = translator(exc.language)
        if t.rtl:
            _rtl()
        st.title(t("Before your visit"))
        st.warning(t(REFUSALS[exc.reason]))
        return
    if link is not None:
        ss[_OPENED] = token
        ss[_FORM] = copy.deepcopy(link.answers)
        ss["pf:link"] = (link.language, link.measures, link.expires)
    language, measures, expires = ss["pf:link"]
    t = translator(language)
    if t.rtl:
        _rtl()
    if ss.get(_SENT) != token:
        _collect(token)  # what the widgets show, into the form and the database, before anything is drawn
    refused = ss.pop("pf:refused", None)
    if refused:
        st.warning(t(REFUSALS[refused]))
        return
    if ss.get(_SENT) == token:
        st.title(t("Thank you"))
        st.success(t("Your answers have been sent to your clinic. Your physiotherapist will go through them with you."))
        _advice(t, ss[_FORM].get("red_flags", {}))
        _footer(t)
        return
    st.title(t("Before your visit"))
    st.markdown(t("Your physiotherapist would like to know about your problem before you come in. "
                  "Each answer is saved as soon as you give it. Skip any question you are not sure about."))
    st.caption(t("You can use this link until {date}.", date=_long_date(expires, t.language.code)))
    if ss.get(_UNSAVED):
        _retrying(t, token)
    _history(t)
    _red_flags(t)
    _measures(t, measures)
    st.divider()
    if st.button(t("Send my answers to the clinic"), type="primary", key="pf:send", width="stretch"):
        try:
            links.save(token, ss[_FORM])
            links.send(token)
        except LinkRefused as exc:
            st.warning(t(REFUSALS[exc.reason]))
            return
        except StoreUnavailable:
            ss[_UNSAVED] = True
            st.warning(t("Not sent: the clinic's system is not answering. Your answers are kept on this screen; "
                         "please try again in a moment."), icon=":material/cloud_off:")
            return
        ss[_SENT] = token
        st.rerun()
    _footer(t)
