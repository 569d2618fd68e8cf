"""The patient record page (/patients/{patient_id}): identity, measurements (see
patient_measurements.py), cycles ongoing and past, lab results and their entry (see
patient_labs.py). A patient created during the outage is marked as such and has no history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.models import PatientIdentity, PatientRecord, PrescriptionView
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.web import patient_labs, patient_measurements, state
from chemo_fallback.web.patient_common import (
    columns,
    fr_date,
    fr_number,
    local_badge,
    new_prescription_url,
    table,
)

LINE_COLUMNS = columns(
    ("dose",),
    date="Date prévue",
    day="Jour",
    drug="Médicament (DCI)",
    dose="Dose",
    route="Voie",
    status="Statut",
    preparations="Préparation",
)
# Sections the crisis modules add to the record (e.g. the fallback's prescriptions and notes),
# drawn after the measurements: the record page does not import the modules.
RECORD_SECTIONS: list[Callable[[User, PatientIdentity], None]] = []


def record_page(user: User, patient_id: str, clock: Callable[[], date]) -> None:
    ui.link("← Retour à la recherche", "/patients").mark("back-to-search")
    body = ui.column().classes("w-full gap-4")
    with body:
        ui.spinner(size="lg")

    async def load() -> None:  # off the event loop: lines are read from large tables
        store = state.current().store
        try:
            record = await run.io_bound(
                load_patient_record, store, user.role, patient_id, today=clock()
            )
        except ChemoFallbackError as exc:
            body.clear()
            with body:
                ui.label(str(exc)).classes("text-lg text-red-700").mark("patient-error")
            return
        if record is None:  # the server is stopping
            return
        body.clear()
        with body:
            record_view(user, record, clock)

    ui.timer(0, load, once=True)


def record_view(user: User, record: PatientRecord, clock: Callable[[], date]) -> None:
    identity_banner(record.identity)
    if allowed(user.role, Permission.PRESCRIPTION_WRITE):
        with ui.link(target=new_prescription_url(record.identity.patient_id)).mark(
            "new-prescription"
        ):
            ui.button("Nouvelle prescription", icon="add")
    redraw_measurements = patient_measurements.measurements_section(user, record, clock)
    for section in RECORD_SECTIONS:
        section(user, record.identity)
    if record.identity.source == "local":
        ui.label(
            "Patient créé pendant la panne : ni traitement antérieur ni biologie dans "
            "l'instantané. Son IPP est provisoire ; l'IPP définitif sera attribué lors de la "
            "ressaisie dans le logiciel de production."
        ).classes("text-gray-700").mark("local-no-history")
    else:
        protocols_section(record)
    patient_labs.labs_section(user, record, clock, on_saved=redraw_measurements)


def identity_banner(identity: PatientIdentity) -> None:
    with ui.card().classes("w-full bg-blue-50 border-l-8 border-blue-800").mark("patient-identity"):
        with ui.row().classes("items-baseline gap-3"):
            ui.label(f"{identity.last_name.upper()} {identity.first_name}").classes(
                "text-3xl font-bold"
            ).mark("identity-name")
            if identity.birth_name and identity.birth_name.upper() != identity.last_name.upper():
                ui.label(f"{identity.born_word} {identity.birth_name.upper()}").classes(
                    "text-xl"
                ).mark("identity-birth-name")
            if identity.source == "local":
                local_badge("identity-local")
        with ui.row().classes("gap-6 text-lg"):
            ui.label(identity.sex_label).mark("identity-sex")
            ui.label(
                f"{identity.born_word.capitalize()} le {fr_date(identity.birth_date)} "
                f"({identity.age_years} ans)"
            ).mark("identity-birth-date")
            ipp = f"IPP : {identity.patient_id}"
            ui.label(ipp + (" (provisoire)" if identity.source == "local" else "")).classes(
                "font-mono font-bold"
            ).mark("identity-ipp")
            ward = identity.ward_name or identity.ward_id
            ui.label(f"Unité : {ward}" if ward else "Unité : non renseignée").mark("identity-ward")


def prescription_title(rx: PrescriptionView) -> str:
    return (
        f"{rx.protocol_name or rx.protocol_id} — cycle {rx.cycle_no} — début le "
        f"{fr_date(rx.cycle_start_date)} — {rx.status_label}"
    )


def prescription_view(rx: PrescriptionView, *, opened: bool) -> None:
    with (
        ui.expansion(prescription_title(rx), value=opened)
        .classes("w-full border")
        .mark(f"prescription-{rx.prescription_id}")
    ):
        details = [f"Prescription {rx.prescription_id}"]
        if rx.prescriber_name:
            details.append(f"prescrite par {rx.prescriber_name}")
        if rx.prescribed_at:
            details.append(f"le {fr_date(rx.prescribed_at, with_time=True)}")
        ui.label(" ".join(details)).classes("text-sm text-gray-700")
        if not rx.lines:
            ui.label("Aucune ligne de prescription dans l'instantané.").classes("text-sm")
            return
        rows = [
            {
                "line_id": line.line_id,
                "date": fr_date(line.planned_date),
                "day": f"J{line.day_no}",
                "drug": line.drug_inn or line.drug_id,
                "dose": f"{fr_number(line.dose, 2)} {line.dose_unit}",
                "route": line.route or "—",
                "status": line.status_label,
                "preparations": ", ".join(
                    f"n° {p.register_no} ({p.status_label})" for p in line.preparations
                )
                or "—",
            }
            for line in rx.lines
        ]
        table(LINE_COLUMNS, rows, "line_id", f"lines-{rx.prescription_id}")


def protocols_section(record: PatientRecord) -> None:
    ui.label("Protocoles en cours").classes("text-xl font-bold")
    if not record.current:
        ui.label("Aucun cycle en cours ni prévu.").mark("no-current-protocol")
    with ui.column().classes("w-full gap-1").mark("current-protocols"):
        for rx in record.current:
            prescription_view(rx, opened=True)
    ui.label("Historique des traitements").classes("text-xl font-bold")
    if not record.history:
        ui.label("Aucun cycle passé dans l'instantané.").mark("no-history")
    with ui.column().classes("w-full gap-1").mark("treatment-history"):
        for rx in record.history:
            prescription_view(rx, opened=False)
