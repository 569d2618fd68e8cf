"""New prescription: pick the patient (search), then the protocol, the cycle, its days, the
ward and, for a transcription, the prescriber; the draft is created with every dose computed."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Role
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import drafts, pages, queries
from chemo_fallback.modules.prescription.models import DraftRequest, PatientContext, Prescription
from chemo_fallback.modules.prescription.wording import measure_text
from chemo_fallback.patients.search import search_patients
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import (
    RESULT_COLUMNS,
    fr_date,
    hit_row,
    identity_banner,
    patient_url,
    table,
)


def new_url(patient_id: str) -> str:
    return f"/prescriptions/nouvelle?patient={quote(patient_id, safe='')}"


def patient_picker(user: User) -> None:
    """No patient chosen yet: search, then click the row."""
    store = state.current().store
    ui.label("Choisissez d'abord le patient (IPP, nom, date de naissance).")
    with ui.row().classes("items-center gap-2"):
        box = ui.input("IPP, nom, prénom ou date de naissance").props("autofocus outlined")
        box.classes("w-96").mark("rx-patient-search")
        button = ui.button("Rechercher", icon="search").mark("rx-patient-search-button")
    message = ui.label().mark("rx-patient-message")
    results = table(RESULT_COLUMNS, [], "patient_id", "rx-patient-results")
    results.classes("cursor-pointer").set_visibility(False)
    results.on("rowClick", lambda e: ui.navigate.to(new_url(e.args[1]["patient_id"])))

    async def search() -> None:
        try:
            outcome = await run.io_bound(
                search_patients, store, user.role, box.value or "", today=pages.today()
            )
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            return
        if outcome is None:
            return
        message.set_text(outcome.message)
        results.rows = [hit_row(h) for h in outcome.hits]
        results.set_visibility(bool(outcome.hits))

    box.on("keydown.enter", search)
    button.on_click(search)


def measures_card(context: PatientContext) -> None:
    with ui.card().classes("w-full").mark("rx-measures"):
        ui.label("Mesures utilisées pour les doses").classes("font-bold")
        ui.label(measure_text("Taille", context.height, "cm"))
        ui.label(measure_text("Poids", context.weight, "kg"))
        ui.label(measure_text("Créatininémie", context.creatinine, "µmol/L"))
        for problem in context.problems:
            ui.label(problem).classes("text-red-700 font-bold").mark("rx-measure-problem")
        ui.link(
            "Ouvrir le dossier du patient pour saisir une mesure",
            patient_url(context.identity.patient_id),
        ).mark("rx-open-patient")


def new_prescription_view(user: User, patient_id: str) -> None:
    if not patient_id:
        patient_picker(user)
        return
    app = state.current()
    body = ui.column().classes("w-full gap-4")

    async def load() -> None:
        try:
            context = await run.io_bound(
                queries.patient_context, app.store, user, patient_id, app.settings, pages.today()
            )
            choices = await run.io_bound(queries.form_choices, app.store, user)
        except ChemoFallbackError as exc:
            with body:
                ui.label(str(exc)).classes("text-lg text-red-700").mark("rx-error")
            return
        if context is None or choices is None:  # the server is stopping
            return
        with body:
            identity_banner(context.identity)
            measures_card(context)
            prescription_form(user, context, choices)

    ui.timer(0, load, once=True)


def whole_number(text: object) -> int | str:
    """The cycle number as typed: an int when it is a whole number ("3", " 12 "), else the
    text itself (drafts.cycle_no_problem then says why it is refused). Never rounded, never
    replaced by 1."""
    cleaned = str(text if text is not None else "").strip()
    if cleaned.lstrip("-+").isdigit():
        return int(cleaned)
    return cleaned


def suggestion_text(protocol_name: str, suggested: drafts.CycleSuggestion) -> str:
    if suggested.last_cycle_no is None:
        return (
            f"Aucun cycle connu de {protocol_name} pour ce patient (ni dans l'instantané, ni "
            f"dans le secours) : cycle {suggested.cycle_no} proposé, à partir du "
            f"{french.day(suggested.start)}. Vérifiez le numéro du cycle sur la prescription."
        )
    return (
        f"Proposé d'après le dernier cycle connu : cycle {suggested.cycle_no} à partir du "
        f"{french.day(suggested.start)} (dernier cycle connu de {protocol_name} : cycle "
        f"{suggested.last_cycle_no} du {french.day(suggested.last_start)}). Vérifiez sur la "
        "prescription."
    )


def already_created(body: ui.column, rx: Prescription) -> None:
    """The form was sent again (back button, a double click that got through): nothing was
    created; the first prescription is named, with its status, and opened from here."""
    body.clear()
    with body, ui.card().classes("w-full bg-orange-50").mark("rx-already-created"):
        ui.label(
            f"Cette prescription a déjà été créée : {rx.prescription_id} — {rx.protocol_name}, "
            f"cycle {rx.cycle_no}, « {rx.status_label} » (créée le "
            f"{french.moment(rx.created_at)} par {rx.created_by_name}). Elle n'a pas été créée "
            "une seconde fois."
        ).classes("text-lg font-bold text-orange-900")
        with ui.row().classes("gap-2"):
            ui.button(
                f"Ouvrir la prescription {rx.prescription_id}", icon="open_in_new",
                on_click=lambda: ui.navigate.to(pages.prescription_url(rx.prescription_id)),
            ).mark("rx-open-existing")
            ui.button(
                "Nouvelle prescription pour ce patient", icon="add",
                on_click=lambda: ui.navigate.to(new_url(rx.patient_id)),
            ).props("outline").mark("rx-new-again")


def prescription_form(user: User, context: PatientContext, choices: dict) -> None:
    """The form, with the request key drawn when it is shown: sending it twice (a double
    click, the back button to this very form) creates one draft (chemo_fallback.request_keys).
    A page rebuilt by the browser is a new, empty form with a new key."""
    app = state.current()
    patient_id = context.identity.patient_id
    request_key = request_keys.new_key()
    lengths = {p["protocol_id"]: p["cycle_length_days"] for p in choices["protocols"]}
    names = {p["protocol_id"]: p["name"] for p in choices["protocols"]}
    protocol_options = {
        p["protocol_id"]: f"{p['name']} ({p['cycle_length_days']} j)"
        + ("" if p["active"] else " — inactif")
        + (" — non prescriptible (ligne rejetée à l'activation)" if p.get("incomplete") else "")
        for p in choices["protocols"]
    }
    body = ui.column().classes("w-full").mark("rx-form")
    with body, ui.card().classes("w-full"):
        protocol = ui.select(
            protocol_options, label="Protocole (thésaurus de l'instantané)", with_input=True
        ).classes("w-96").mark("rx-protocol")
        protocol_code = ui.label().classes("text-xs text-gray-500").mark("rx-protocol-code")
        with ui.row().classes("items-end gap-4"):
            # a text field: a number field would turn a 0 typed into its minimum, 1
            cycle = ui.input("Cycle n°", value="1").classes("w-28").mark("rx-cycle")
            start = ui.input("Début du cycle (J1)", value=fr_date(pages.today())).classes("w-40")
            start.mark("rx-start")
        suggestion = ui.label().classes("text-sm text-gray-700").mark("rx-suggestion")
        existing = ui.label().classes("text-sm text-orange-800 font-bold").mark("rx-existing")
        days_row = ui.row().classes("items-center gap-2").mark("rx-days")
        day_boxes: dict[int, ui.checkbox] = {}
        wards = {w["ward_id"]: w["name"] for w in choices["wards"]}
        ward = ui.select(wards, label="Unité", value=context.identity.ward_id or None)
        ward.classes("w-64").mark("rx-ward")
        prescriber = None
        if user.role == Role.PRESCRIBER:
            ui.label(f"Prescripteur : {user.display_name} (vous)").mark("rx-prescriber-self")
        else:
            prescriber = ui.select(
                {
                    p["staff_id"]: p["name"] + (f" — {p['specialty']}" if p["specialty"] else "")
                    for p in choices["prescribers"]
                },
                label="Prescripteur (prescription papier transcrite en son nom)",
                with_input=True,
            ).classes("w-96").mark("rx-prescriber")
        error = ui.label().classes("text-red-700").mark("rx-form-error")
        create = ui.button("Créer le brouillon et calculer les doses", icon="calculate")
        create.mark("rx-create")

    async def protocol_chosen() -> None:
        if not protocol.value:
            return
        chosen = protocol.value
        protocol_code.set_text(f"code du thésaurus : {chosen}")
        suggested = await run.io_bound(
            lambda: drafts.suggested_cycle(
                app.store, user, patient_id, chosen, lengths[chosen], pages.today(),
                protocol_name=names[chosen],
            )
        )
        days = await run.io_bound(queries.protocol_days, app.store, user, chosen)
        if suggested is None or days is None or protocol.value != chosen:
            return  # the server is stopping, or another protocol was chosen meanwhile
        cycle.value = str(suggested.cycle_no)
        start.value = fr_date(suggested.start)
        suggestion.set_text(suggestion_text(names[chosen], suggested))
        existing.set_text(
            "Déjà prescrit dans le secours pour ce patient : "
            + " ; ".join(suggested.in_fallback)
            + ". Vérifiez qu'il ne s'agit pas d'un doublon avant d'en créer une autre."
            if suggested.in_fallback
            else ""
        )
        suggestion.classes(
            replace="text-sm "
            + ("text-orange-800 font-bold" if suggested.last_cycle_no is None else "text-gray-700")
        )
        days_row.clear()
        day_boxes.clear()
        with days_row:
            ui.label("Jours prescrits :")
            for day in days:
                day_boxes[day] = ui.checkbox(f"J{day}", value=True).mark(f"rx-day-{day}")

    protocol.on_value_change(protocol_chosen)

    def read_request() -> DraftRequest:
        if not protocol.value:
            raise ChemoFallbackError("Choisissez un protocole.")
        cycle_no = whole_number(cycle.value)
        problem = drafts.cycle_no_problem(cycle_no)
        if problem:
            raise ChemoFallbackError(problem, code=drafts.CYCLE_NO_INVALID)
        if day_boxes and not any(box.value for box in day_boxes.values()):
            raise ChemoFallbackError("Cochez au moins un jour du cycle.")
        return DraftRequest(
            patient_id=patient_id,
            protocol_id=protocol.value,
            cycle_no=cycle_no,
            cycle_start_date=pages.parse_date(start.value),
            days=tuple(d for d, box in day_boxes.items() if box.value) or None,
            ward_id=ward.value or None,
            prescriber_staff_id=prescriber.value if prescriber else None,
        )

    async def submit() -> None:
        async with disabled(create):
            try:
                request = read_request()
                started = await run.io_bound(
                    lambda: drafts.start_draft_or_earlier(
                        app.store, user, request, app.settings, pages.today(),
                        request_key=request_key,
                    )
                )
            except ChemoFallbackError as exc:
                error.set_text(str(exc))
                return
        if started is None:  # the server is stopping
            return
        if started.already:
            already_created(body, started.prescription)
            return
        ui.navigate.to(pages.prescription_url(started.prescription.prescription_id))

    create.on_click(submit)
