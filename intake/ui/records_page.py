"""Records: the clinic's filed assessments, filtered and paged, exported as CSV or Excel; one record
opened read-only (``?record=<id>`` in the address, so a refresh keeps it); and, for a clinic
administrator, the clinic's administration.

Everything goes through ``Records`` with the signed-in principal, so a record of another clinic is
never listed, counted, exported or opened. Exports are made on click and audited.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from intake import record_tables
from intake.policy.roles import may
from intake.policy.urgency import REFERRAL_ORDER
from intake.storage.records import RecordFilter, RecordPage, RecordSummary
from intake.ui import clinic_admin, record_view, state
from intake.ui.badges import flag_badge, referral_badge
from intake.ui.fields import kb
from intake.ui.practice_state import allowed_modes, md
from intake.ui.record_view import OPEN_KEY, close_record, open_record

__all__ = ["RECORD_PARAM", "close_record", "init_session", "open_record", "render"]

RECORD_PARAM = "record"
PAGE_SIZE = 50
PAGE_KEY = "records:pages"  # where each page before this one ended (keyset paging: no offset to count past)
EXCEL_KEY = "records:excel"  # a large export's Excel check: (filter, rows it would have, or None)
SECTION_KEY = "records:section"
ROW_KEY = "rrow-"  # style.py tightens these rows
F = "rf:"  # filter widgets (kept for the session, so leaving the page keeps the filter)
REFERRALS = tuple(sorted(REFERRAL_ORDER, key=REFERRAL_ORDER.__getitem__, reverse=True))  # most urgent first
_SECTIONS = {"records": "Records", "admin": "Clinic administration"}
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def init_session() -> None:
    """Once per browser session, open the record named in the address; then keep the address in step."""
    ss = st.session_state
    if OPEN_KEY not in ss:
        ss[OPEN_KEY] = None
        wanted = st.query_params.get(RECORD_PARAM)
        if wanted and "records" in allowed_modes():
            ss[OPEN_KEY] = wanted
            ss.mode = "records"
    wanted = ss[OPEN_KEY] if ss.get("mode") == "records" else None
    current = st.query_params.get(RECORD_PARAM)
    if wanted and current != wanted:
        st.query_params[RECORD_PARAM] = wanted
    elif not wanted and current:
        del st.query_params[RECORD_PARAM]


# ---------------------------------------------------------------- the list


def _first_page() -> None:
    st.session_state[PAGE_KEY] = []
    st.session_state.pop(EXCEL_KEY, None)


def _next(page: RecordPage) -> None:
    st.session_state[PAGE_KEY] = [*st.session_state.get(PAGE_KEY, []), page.next_after]


def _previous() -> None:
    st.session_state[PAGE_KEY] = st.session_state.get(PAGE_KEY, [])[:-1]


def _check_excel(where: RecordFilter) -> None:
    """Count (no further than a sheet holds) before offering Excel of a large filter."""
    store = state.store()
    rows = store.records.count(store.principal, where, up_to=record_tables.EXCEL_MAX_ROWS)
    st.session_state[EXCEL_KEY] = (where, rows)


def _total_words(page: RecordPage) -> str:
    return f"more than {page.total:,}" if page.more else f"{page.total:,}"  # counting stopped at the limit


def _filters() -> RecordFilter:
    """The filter widgets, and the RecordFilter they make."""
    knowledge = kb()
    store = state.store()
    origins = {key: o.label for key, o in knowledge.origins.items()}
    flags = {"any": "Any red flag", **{key: c.label for key, c in knowledge.red_flag_conditions.items()}}
    people = {p.id: p.display_name for p in store.accounts.practitioners(store.clinic_id) if may(p.role, "see_patients")}
    keep = {"on_change": _first_page, "persist_state": "session"}
    top = st.columns([2.2, 1, 1])
    patient = top[0].text_input("Patient", key=F + "patient", placeholder="Part of the name, or the pseudonym (P-…)",
                                max_chars=100, icon=":material/search:", **keep)
    since = top[1].date_input("Assessed from", value=None, key=F + "from", format="YYYY-MM-DD", **keep)
    until = top[2].date_input("Assessed until", value=None, key=F + "to", format="YYYY-MM-DD", **keep)
    row = st.columns(4)
    origin = row[0].selectbox("Leading origin", list(origins), index=None, format_func=origins.__getitem__,
                              placeholder="Any origin", key=F + "origin", **keep)
    flag = row[1].selectbox("Red flag", list(flags), index=None, format_func=flags.__getitem__,
                            placeholder="With or without", key=F + "flag", **keep)
    person = row[2].selectbox("Practitioner", list(people), index=None, format_func=lambda k: people.get(k, "(former account)"),
                              placeholder="Anyone in the clinic", key=F + "practitioner", **keep)
    referral = row[3].selectbox("Referral", REFERRALS, index=None, format_func=str.capitalize, placeholder="Any referral",
                                key=F + "referral", **keep)
    if isinstance(since, date) and isinstance(until, date) and since > until:
        st.warning("The 'from' date is after the 'until' date, so nothing can match.")
    return RecordFilter(patient=(patient or "").strip(), date_from=since if isinstance(since, date) else None,
                        date_to=until if isinstance(until, date) else None, origin=origin, red_flag=flag,
                        practitioner_id=person, referral=referral)


def _exports(where: RecordFilter, page: RecordPage) -> None:
    """CSV and Excel of every record the filter matches (not only this page); made and audited on click.
    The CSV is written as the rows are read; Excel only when the rows fit in a sheet."""
    records, principal = state.store().records, state.store().principal
    names = record_tables.labels(kb())
    total = page.total

    def csv() -> bytes:
        return record_tables.records_csv(records.iter_export(principal, where, fmt="csv", labels=names))

    def excel() -> bytes:
        return record_tables.records_xlsx(records.iter_export(principal, where, fmt="xlsx", labels=names))

    row = st.container(horizontal=True, vertical_alignment="center")
    row.markdown(f"**{_total_words(page)}** matching record{'s' if total != 1 or page.more else ''}")
    row.download_button("Export CSV", csv, file_name="assessments.csv", mime="text/csv",
                        on_click="ignore", icon=":material/download:", key="r:csv", disabled=not total,
                        help="Every matching record, one row per assessment; pseudonyms only, no names.")
    checked = st.session_state.get(EXCEL_KEY)
    if not page.more or (checked and checked[0] == where and checked[1] <= record_tables.EXCEL_MAX_ROWS):
        row.download_button("Export Excel", excel, file_name="assessments.xlsx", mime=_EXCEL,
                            on_click="ignore", icon=":material/table_view:", key="r:xlsx", disabled=not total,
                            help="Every matching record, one row per assessment; pseudonyms only, no names.")
    elif checked and checked[0] == where:
        row.button("Export Excel", key="r:xlsx-check", disabled=True, icon=":material/table_view:")
        st.warning(record_tables.too_many_for_excel(checked[1]), icon=":material/table_view:")
    else:
        row.button("Export Excel", key="r:xlsx-check", on_click=_check_excel, args=(where,), icon=":material/table_view:",
                   help="Counts the matching records first: a sheet holds at most "
                        f"{record_tables.EXCEL_MAX_ROWS:,} rows.")

    def audit_csv() -> bytes:
        import pandas as pd

        from intake.outcome_tracking import service_audit

        frame = pd.DataFrame(service_audit(records.outcome_history(principal, where)))
        return record_tables.to_csv(frame)

    row.download_button("Service audit (CSV)", audit_csv, file_name="outcome-service-audit.csv", mime="text/csv",
                        on_click="ignore", icon=":material/monitoring:", key="r:service_audit", disabled=not total,
                        help="Outcome measures over the clinic's patients with two or more scored visits: mean first and "
                             "latest score, mean change, how many changed by at least the MCID. No names.")


_WIDTHS = [1.05, 1.5, 2.3, 3.0]


def _row(summary: RecordSummary, names: dict[str, str]) -> None:
    """One record: when and by whom, the patient (the pseudonym opens it), the reasoning, and the
    referral with every red flag, emergency and urgent ones loud."""
    line = st.container(border=True, key=f"{ROW_KEY}{summary.id}")
    when, who, reasoning, flags = line.columns(_WIDTHS, vertical_alignment="center")
    when.markdown(f"**{summary.assessed_at:%Y-%m-%d}**  \n:gray[{md(summary.practitioner)}]")
    who = who.container(gap=None)  # the pseudonym (a button) and the name read as one
    who.button(summary.pseudonym, key=f"r:open:{summary.id}", on_click=open_record, args=(summary.id,), type="tertiary",
               icon=":material/folder_open:", help=f"Open record {summary.pseudonym}")
    notes = [x for x in ("follow-up" if summary.follows_id else "", f"version {summary.version}" if summary.version > 1 else "") if x]
    who.markdown((md(summary.patient_name) or ":gray[no name given]") + (f"  \n:gray[{', '.join(notes)}]" if notes else ""))
    origins = ", ".join(names.get(o, o) for o in summary.origins) or "—"
    muscles = ", ".join(names.get(m, m) for m in summary.muscles)
    reasoning.markdown(origins + (f"  \n:gray[Muscles: {muscles}]" if muscles else ""))
    raised = [flag_badge(names.get(c, c), u) for c, u in summary.red_flags]  # every one of them
    if raised or summary.referral != "none":
        flags.markdown("  \n".join([referral_badge(summary.referral), *raised]))
    else:
        flags.markdown(":gray[No red flag, no referral]")


def _list() -> None:
    st.header("Records")
    st.caption("Assessments filed by your clinic. Opening, exporting and deleting a record is recorded in the "
               "clinic's audit log.")
    where = _filters()
    records, principal = state.store().records, state.store().principal
    before = st.session_state.get(PAGE_KEY) or []
    page = records.page(principal, where, after=before[-1] if before else None, limit=PAGE_SIZE)
    if before and not page.rows:  # the records after this point went meanwhile: back to the first page
        before = st.session_state[PAGE_KEY] = []
        page = records.page(principal, where, limit=PAGE_SIZE)
    rows, total = page.rows, page.total
    _exports(where, page)
    if not rows:
        st.info("No record matches these filters." if total == 0 and any(v for v in where.__dict__.values())
                else "No assessment has been filed yet. File one from the Reports step of the intake.",
                icon=":material/inbox:")
        return
    head = st.columns(_WIDTHS)
    for column, title in zip(head, ("Assessed · by", "Patient (open)", "Leading origins · muscles", "Referral · red flags"),
                             strict=True):
        column.caption(f"**{title}**")
    names = record_tables.labels(kb())
    for summary in rows:
        _row(summary, names)
    if before or page.next_after is not None:
        first = len(before) * PAGE_SIZE + 1
        nav = st.container(horizontal=True, horizontal_alignment="center", vertical_alignment="center")
        nav.button("Previous", key="r:prev", on_click=_previous, disabled=not before, icon=":material/chevron_left:")
        nav.markdown(f"Page {len(before) + 1} · records {first:,}–{first + len(rows) - 1:,} of {_total_words(page)}")
        nav.button("Next", key="r:next", on_click=_next, args=(page,), disabled=page.next_after is None,
                   icon=":material/chevron_right:", icon_position="right")


def render() -> None:
    ss = st.session_state
    principal = state.store().principal
    if principal.is_admin:
        if ss.get(SECTION_KEY) not in _SECTIONS:
            ss[SECTION_KEY] = "records"
        st.segmented_control("Section", list(_SECTIONS), format_func=_SECTIONS.__getitem__, key=SECTION_KEY,
                             label_visibility="collapsed", required=True)
        if ss[SECTION_KEY] == "admin":
            clinic_admin.render()
            return
    if ss.get(OPEN_KEY):
        record_view.render(ss[OPEN_KEY])
    else:
        _list()
