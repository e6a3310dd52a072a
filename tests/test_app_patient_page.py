"""AppTest: the patient's pre-visit page: no sign-in, only its own questions, answers saved as
given into the draft marked patient-reported, the red-flag advice at once, refusals in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_app_support import new_app, texts

from intake.db.schema import PatientLinkRow

ODI = {str(n): c for n, c in enumerate([2, 0, 3, 1, 2, 3, 1, 0, 2, 1], start=1)}


def make_link(store, language="es", measures=("odi", "psfs"), answers=None):
    draft = store.create(answers or {"patient": {"age": 61, "name": "Secret Name"}, "notes": ""}, step="patient", consent=True)
    _, token = store.root.patient_links.create(store.principal, draft.id, language=language, measures=list(measures))
    return draft, token


def patient_app(token):
    return new_app(query={"patient": token}, signed_in=False)


def test_the_page_asks_in_spanish_and_saves_each_answer_into_the_draft(store):
    draft, token = make_link(store)
    at = patient_app(token)
    assert not at.exception
    shown = texts(at)
    assert "Antes de su consulta" in shown and "Preguntas importantes" in shown
    assert "Índice de discapacidad de Oswestry" in shown
    assert "no ha sido revisada" in shown  # the footer states the translation is unreviewed
    assert "Puede usar este enlace hasta el " in shown and " de 20" in shown  # its expiry, as Spanish writes a date
    assert "Sign in" not in shown and "Secret Name" not in shown and not at.sidebar.markdown
    at.segmented_control(key="pf:rf:fever_or_unwell").set_value("no").run()
    for item, code in ODI.items():
        at.segmented_control(key=f"pf:m:odi:{item}").set_value(code).run()
    at.text_input(key="pf:a:1").input("pasear al perro").run()
    at.segmented_control(key="pf:m:psfs:1").set_value(4).run()
    stored = store.get(draft.id).answers
    assert stored["red_flags"] == {"fever_or_unwell": False}
    assert stored["outcomes"]["odi"] == {"answers": ODI, "reported_by": "patient"}
    assert stored["outcomes"]["psfs"]["named"] == {"1": "pasear al perro"}
    assert stored["patient_reported"]["odi"] and stored["patient_reported"]["red_flags.fever_or_unwell"]
    assert stored["patient"]["name"] == "Secret Name"  # the clinician's answers are untouched


def test_a_refresh_shows_the_answers_already_given(store):
    _, token = make_link(store)
    at = patient_app(token)
    at.segmented_control(key="pf:m:odi:3").set_value(4).run()
    again = patient_app(token)  # a new browser session on the same link
    assert again.segmented_control(key="pf:m:odi:3").value == 4


def test_a_red_flag_answer_shows_the_emergency_advice_at_once_and_flags_the_draft(store):
    draft, token = make_link(store)
    at = patient_app(token)
    at.segmented_control(key="pf:rf:saddle_anaesthesia").set_value("yes").run()
    advice = " ".join(e.value for e in at.error)
    assert "Vaya ahora mismo a urgencias" in advice
    assert "presión sobre los nervios de la base de la columna" in advice
    assert "Lleve esta hoja" in advice
    assert store.list()[0].id == draft.id and store.list()[0].patient_alert


def test_sending_uses_the_link_up(store):
    _, token = make_link(store)
    at = patient_app(token)
    at.segmented_control(key="pf:m:odi:1").set_value(2).run()
    at.button(key="pf:send").click().run()
    assert "Gracias" in texts(at)
    assert "ya se enviaron" in texts(patient_app(token)) or "already been sent" in texts(patient_app(token))


def test_expired_revoked_and_unknown_links_are_refused_and_reach_nothing(store):
    _, expired = make_link(store, language="en")
    with store.db.transaction() as session:
        for row in session.query(PatientLinkRow).all():
            row.expires = datetime.now(UTC) - timedelta(hours=1)
    assert "This link has expired" in texts(patient_app(expired))
    draft, revoked = make_link(store, language="en")
    [info] = store.root.patient_links.for_draft(store.principal, draft.id)
    store.root.patient_links.revoke(store.principal, info.id)
    assert "withdrawn by your clinic" in texts(patient_app(revoked))
    other_draft, _ = make_link(store, language="en")
    at = new_app(query={"patient": "not-a-real-link-" + "x" * 30, "draft": other_draft.id}, signed_in=False)
    shown = texts(at)
    assert "This link is not valid" in shown
    assert "Sign in" not in shown and "Secret Name" not in shown and "Patient and consent" not in shown


def test_the_practitioner_makes_a_link_with_a_qr_code_on_step_one(store):
    at = new_app()
    at.checkbox(key="w::consent").check().run()
    at.selectbox(key="plink:language").set_value("es").run()
    at.button(key="plink:make").click().run()
    assert not at.exception
    [code] = [c.value for c in at.code]
    assert "?patient=" in code
    assert "open" in texts(at)
    [info] = store.root.patient_links.for_draft(store.principal, at.session_state["draft_id"])
    assert info.language == "es"
    at.button(key=f"plink:revoke:{info.id}").click().run()
    assert "revoked" in texts(at)


def test_a_practitioner_window_open_on_the_draft_keeps_what_the_patient_answers_meanwhile(store):
    """The patient answers through their link while the practitioner has the same draft open: the
    practitioner's next save merges the patient's answers in (never writes over them), and the
    practitioner's screen then shows them; a patient's yes to a red flag is never dropped."""
    draft, token = make_link(store)
    clinician = new_app(query={"draft": draft.id})
    assert clinician.session_state["draft_id"] == draft.id
    patient = patient_app(token)
    patient.segmented_control(key="pf:rf:saddle_anaesthesia").set_value("yes").run()
    patient.segmented_control(key="pf:m:odi:1").set_value(3).run()
    assert store.get(draft.id).answers["red_flags"] == {"saddle_anaesthesia": True}
    clinician.number_input(key="w:patient.age").set_value(62).run()  # the practitioner's own answer
    assert not clinician.exception
    stored = store.get(draft.id).answers
    assert stored["patient"]["age"] == 62 and stored["red_flags"]["saddle_anaesthesia"] is True
    assert stored["outcomes"]["odi"]["answers"] == {"1": 3} and stored["patient_reported"]["red_flags.saddle_anaesthesia"]
    assert clinician.session_state["answers"]["red_flags"]["saddle_anaesthesia"] is True
    assert "Not saved" not in texts(clinician)
    clinician.session_state["step"] = "red_flags"
    clinician.run()
    assert clinician.segmented_control(key="w:red_flags.saddle_anaesthesia").value == "yes"


def test_a_licensed_instrument_is_asked_by_question_number_only(store):
    from intake.i18n import translator
    from intake.measures import load_measures

    _, token = make_link(store, measures=("odi", "nprs"))
    at = patient_app(token)
    t, ms = translator("es"), load_measures().measures
    assert not ms["odi"].licence.reproduce_items and ms["nprs"].licence.reproduce_items
    labels = {w.key: w.label for w in at.segmented_control}
    # the ODI by the number on the clinic's licensed paper form, never its wording (not even a paraphrase)
    assert [labels[f"pf:m:odi:{n}"] for n in range(1, 11)] == [f"Pregunta {n}" for n in range(1, 11)]
    assert not {item.label for item in ms["odi"].items} & set(labels.values())
    assert labels["pf:m:nprs:1"] == f"1. {t(ms['nprs'].items[0].label)}"  # a public-domain scale keeps its wording
    assert ms["odi"].licence.attribution in texts(at)


def test_the_administrator_sets_the_patient_form_and_the_link_panel_follows_it(store):
    at = new_app()
    at = at.button(key="mode:records").click().run()
    at = next(w for w in at.segmented_control if w.key == "records:section").set_value("admin").run()
    at.number_input(key="adm:pform:days").set_value(3)
    at.multiselect(key="adm:pform:measures").set_value(["nprs", "odi"])
    at = next(b for b in at.button if b.label == "Save patient form").click().run()
    assert not at.exception
    assert "new links last 3 days and ask NPRS, ODI" in " ".join(str(s.value) for s in at.success)
    form = store.patient_form.get(store.clinic_id)
    assert (form.link_days, form.measures) == (3, ("nprs", "odi"))

    at = new_app()
    at.checkbox(key="w::consent").check().run()
    panel = at.multiselect(key="plink:measures")
    assert panel.options == ["NPRS", "ODI 2.1a"] and panel.value == ["nprs", "odi"]  # the clinic's choice, offered as it is
    assert "A new link lasts 3 days" in texts(at)
    at.multiselect(key="plink:measures").set_value(["odi"]).run()
    at.button(key="plink:make").click().run()
    [info] = store.root.patient_links.for_draft(store.principal, at.session_state["draft_id"])
    assert info.measures == ("odi",) and (info.expires - info.created).days == 3
    assert "valid for 3 days" in texts(at)


def test_the_urgent_advice_names_the_condition_with_the_handouts_plain_label(store):
    from intake.i18n import translator
    from intake.knowledge import load_knowledge

    _, token = make_link(store, language="ar")
    at = patient_app(token)
    at.segmented_control(key="pf:rf:calf_swelling_or_redness").set_value("yes").run()
    advice = " ".join(w.value for w in at.warning)
    vessels = translator("ar")(load_knowledge().red_flag_conditions["vascular"].plain_label)  # as the handout prints it
    assert vessels == "مشكلة محتملة في الأوعية الدموية" and vessels in advice
    assert "جلطة" not in advice  # not a second, narrower name for the same condition
