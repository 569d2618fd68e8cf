"""New prescription: pick the patient (search), then the protocol, the cycle, its days, the
ward and, for a transcription, the prescriber; the draft is created with every dose computed."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Role
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import pages, queries, service
from chemo_fallback.modules.prescription.models import DraftRequest, PatientContext
from chemo_fallback.modules.prescription.wording import measure_text
from chemo_fallback.patients.search import search_patients
from chemo_fallback.web import state
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


def prescription_form(user: User, context: PatientContext, choices: dict) -> None:
    app = state.current()
    patient_id = context.identity.patient_id
    lengths = {p["protocol_id"]: p["cycle_length_days"] for p in choices["protocols"]}
    protocol_options = {
        p["protocol_id"]: f"{p['name']} ({p['cycle_length_days']} j)"
        + ("" if p["active"] else " — inactif")
        + (" — non prescriptible (ligne rejetée à l'activation)" if p.get("incomplete") else "")
        for p in choices["protocols"]
    }
    with ui.card().classes("w-full"):
        protocol = ui.select(
            protocol_options, label="Protocole (thésaurus de l'instantané)", with_input=True
        ).classes("w-96").mark("rx-protocol")
        with ui.row().classes("items-end gap-4"):
            cycle = ui.number("Cycle n°", value=1, min=1, max=200, step=1).classes("w-28")
            cycle.mark("rx-cycle")
            start = ui.input("Début du cycle (J1)", value=fr_date(pages.today())).classes("w-40")
            start.mark("rx-start")
        suggestion = ui.label().classes("text-sm text-gray-700").mark("rx-suggestion")
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
                {p["staff_id"]: f"{p['name']} — {p['specialty'] or ''}" for p in
                 choices["prescribers"]},
                label="Prescripteur (prescription papier transcrite en son nom)",
                with_input=True,
            ).classes("w-96").mark("rx-prescriber")
        error = ui.label().classes("text-red-700").mark("rx-form-error")
        create = ui.button("Créer le brouillon et calculer les doses", icon="calculate")
        create.mark("rx-create")

    async def protocol_chosen() -> None:
        if not protocol.value:
            return
        number, first = await run.io_bound(
            queries.suggested_cycle, app.store, user, patient_id, protocol.value,
            lengths[protocol.value], pages.today(),
        )
        cycle.value = number
        start.value = fr_date(first)
        suggestion.set_text(
            f"Proposé d'après le dernier cycle connu : cycle {number} à partir du "
            f"{fr_date(first)}. Vérifiez sur la prescription."
        )
        days = await run.io_bound(queries.protocol_days, app.store, user, protocol.value)
        days_row.clear()
        day_boxes.clear()
        with days_row:
            ui.label("Jours prescrits :")
            for day in days:
                day_boxes[day] = ui.checkbox(f"J{day}", value=True).mark(f"rx-day-{day}")

    protocol.on_value_change(protocol_chosen)

    async def submit() -> None:
        try:
            if not protocol.value:
                raise ChemoFallbackError("Choisissez un protocole.")
            request = DraftRequest(
                patient_id=patient_id,
                protocol_id=protocol.value,
                cycle_no=int(cycle.value or 0),
                cycle_start_date=pages.parse_date(start.value),
                days=tuple(d for d, box in day_boxes.items() if box.value) or None,
                ward_id=ward.value or None,
                prescriber_staff_id=prescriber.value if prescriber else None,
            )
            if day_boxes and not any(box.value for box in day_boxes.values()):
                raise ChemoFallbackError("Cochez au moins un jour du cycle.")
            rx = await run.io_bound(
                service.start_draft, app.store, user, request, app.settings, pages.today()
            )
        except ChemoFallbackError as exc:
            error.set_text(str(exc))
            return
        if rx is not None:
            ui.navigate.to(pages.prescription_url(rx.prescription_id))

    create.on_click(submit)
