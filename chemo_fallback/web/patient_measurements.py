"""The measurements part of the patient record: the values dose calculations use and where
they come from, those recorded during the outage (corrections included), the snapshot's
heights and weights, and the form "Saisir une mesure" (height and weight; creatinine is a lab
result, entered with its unit: patient_labs.py). An unusual BMI asks for a confirmation with a
reason before anything is recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.patients.models import (
    MeasuredValue,
    PatientRecord,
    RecordedMeasurement,
)
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.patients.rules import (
    ENTRY_KINDS,
    KINDS,
    measurement_problems,
    parse_day,
    parse_decimal,
)
from chemo_fallback.web import state
from chemo_fallback.web.patient_common import (
    ConfirmationBox,
    columns,
    fr_date,
    fr_number,
    problems_view,
    table,
)

LATEST_COLUMNS = columns(
    ("value",), kind="Mesure", value="Valeur", date="Date de la mesure", source="Source"
)
RECORDED_COLUMNS = columns(
    ("value",),
    number="N°",
    date="Date de la mesure",
    kind="Mesure",
    value="Valeur",
    by="Saisie par",
    at="Saisie le",
    comment="Commentaire",
    state="État",
)
SNAPSHOT_COLUMNS = columns(
    ("height", "weight", "bsa"),
    date="Date",
    height="Taille (cm)",
    weight="Poids (kg)",
    bsa="Surface corporelle (m²)",
    source="Source",
)
NO_CONFIRM_REASON = "Motif de la confirmation manquant : indiquez pourquoi la valeur est juste."
KIND_OPTIONS = {kind: f"{KINDS[kind].label} ({KINDS[kind].unit})" for kind in ENTRY_KINDS}


def value_text(value: float, unit: str) -> str:
    return f"{fr_number(value, 2)} {unit}"


def latest_rows(record: PatientRecord) -> list[dict]:
    rows = []
    for kind in ("height", "weight", "creatinine"):
        found: MeasuredValue | None = getattr(record.latest, kind)
        rows.append(
            {
                "kind": KINDS[kind].label,
                "value": value_text(found.value, found.unit) if found else "—",
                "date": fr_date(found.measured_on) if found else "—",
                "source": found.label_fr if found else "aucune valeur datée",
            }
        )
    return rows


def state_text(m: RecordedMeasurement) -> str:
    if m.replaced_by_lab is not None:
        return f"remplacée par le résultat de biologie n° {m.replaced_by_lab}"
    if m.replaced:
        return f"remplacée par la mesure n° {m.replaced_by}"
    if m.replaces_id is not None:
        return f"corrige la mesure n° {m.replaces_id} : {m.replace_reason}"
    if m.confirm_reason:
        return f"confirmée : {m.confirm_reason}"
    return ""


def recorded_rows(record: PatientRecord) -> list[dict]:
    return [
        {
            "number": m.measurement_id,
            "date": fr_date(m.measured_on),
            "kind": KINDS[m.kind].label,
            "value": value_text(m.value, m.unit),
            "by": m.recorded_by_name,
            "at": fr_date(m.recorded_at, with_time=True),
            "comment": m.comment or "",
            "state": state_text(m),
        }
        for m in record.recorded
    ]


def snapshot_rows(record: PatientRecord) -> list[dict]:
    rows = []
    for i, m in enumerate(record.measurements):
        source = "Dossier patient"
        if m.source == "prescription":
            source = f"Prescription {m.prescription_id} ({m.protocol_name}, cycle {m.cycle_no})"
        bsa = fr_number(m.bsa_m2, 2, fixed=True)
        rows.append(
            {
                "key": i,
                "date": fr_date(m.measured_on),
                "height": fr_number(m.height_cm),
                "weight": fr_number(m.weight_kg),
                "source": source,
                "bsa": f"{bsa} (calculée, Mosteller)" if m.bsa_computed else bsa,
            }
        )
    return rows


def measurement_tables(record: PatientRecord) -> None:
    """What changes when a measurement is recorded: the values used, the recorded ones."""
    ui.label("Valeurs retenues pour le calcul des doses (la plus récente de chaque mesure)")
    table(LATEST_COLUMNS, latest_rows(record), "kind", "latest-measurements")
    for note in record.latest.notes:
        ui.label(note).classes("text-orange-800").mark("latest-measurements-note")
    ui.label("Mesures saisies pendant la panne").classes("font-bold")
    if record.recorded:
        table(RECORDED_COLUMNS, recorded_rows(record), "number", "recorded-measurements")
    else:
        ui.label("Aucune mesure saisie pendant la panne.").mark("no-recorded-measurements")


def snapshot_history(record: PatientRecord) -> None:
    """The snapshot's heights and weights (patient file and each prescription)."""
    if record.identity.source == "local":
        return
    title = f"Taille et poids de l'instantané ({len(record.measurements)} relevé(s))"
    with ui.expansion(title, value=True).classes("w-full"):
        if record.measurements:
            table(SNAPSHOT_COLUMNS, snapshot_rows(record), "key", "patient-measurements")
        else:
            ui.label("Aucune taille ni aucun poids dans l'instantané.").classes("text-orange-700")


def correction_options(record: PatientRecord) -> dict:
    """The recorded heights and weights still in force, which a new one may correct (an old
    creatinine is corrected by a lab result)."""
    return {
        m.measurement_id: f"n° {m.measurement_id} — {KINDS[m.kind].label} "
        f"{value_text(m.value, m.unit)} du {fr_date(m.measured_on)}"
        for m in record.recorded
        if not m.replaced and m.kind in ENTRY_KINDS
    }


def measurements_section(
    user: User, record: PatientRecord, clock: Callable[[], date]
) -> Callable[[PatientRecord], None]:
    """Draws the section; returns what redraws the values used (after a lab result, whose
    creatinine may now be the one doses use)."""
    ui.label("Taille, poids et créatinine").classes("text-xl font-bold")
    ui.label("La créatinine se saisit avec les résultats de biologie, avec son unité.").classes(
        "text-sm text-gray-700"
    )
    tables = ui.column().classes("w-full gap-2")
    with tables:
        measurement_tables(record)
    if allowed(user.role, Permission.MEASUREMENT_RECORD):
        measurement_form(user, record, tables, clock)
    snapshot_history(record)

    def redraw(fresh: PatientRecord) -> None:
        tables.clear()
        with tables:
            measurement_tables(fresh)

    return redraw


def measurement_form(
    user: User, record: PatientRecord, tables: ui.column, clock: Callable[[], date]
) -> None:
    store = state.current().store
    patient = record.identity
    kinds_of = {m.measurement_id: m.kind for m in record.recorded}
    with ui.card().classes("w-full").mark("measure-form"):
        ui.label("Saisir une mesure").classes("text-lg font-bold")
        with ui.row().classes("w-full items-start gap-2"):
            kind = ui.select(KIND_OPTIONS, value="weight", label="Mesure").classes("w-52")
            value = ui.input("Valeur", placeholder="ex. 62,5").props('suffix="kg"').classes("w-36")
            day = ui.input("Date de la mesure (JJ/MM/AAAA)", value=fr_date(clock())).classes("w-60")
            comment = ui.input("Commentaire (facultatif)").classes("w-72")
        with ui.row().classes("w-full items-start gap-2"):
            replaces = ui.select(
                correction_options(record), label="Corrige la mesure (facultatif)", clearable=True
            ).classes("w-96")
            reason = ui.input("Motif de la correction").classes("w-96")
        save = ui.button("Enregistrer la mesure", icon="save")
        box = ConfirmationBox("measure")
        errors = ui.column().classes("gap-1")
        saved = ui.label().classes("text-green-800")
    kind.mark("measure-kind")
    value.mark("measure-value")
    day.mark("measure-date")
    comment.mark("measure-comment")
    replaces.mark("measure-replaces")
    reason.mark("measure-reason")
    save.mark("measure-save")
    errors.mark("measure-errors")
    saved.mark("measure-saved")

    kind.on_value_change(
        lambda e: value.props(f'suffix="{KINDS[e.value].unit}"') if e.value in KINDS else None
    )

    def follow_corrected(e) -> None:  # a correction is of the same kind as what it corrects
        if e.value in kinds_of:
            kind.value = kinds_of[e.value]

    replaces.on_value_change(follow_corrected)

    async def submit(confirm_reason: str | None = None) -> None:
        if confirm_reason is None:
            box.hide()
        typed_value = parse_decimal(value.value)
        typed_day = parse_day(day.value, "Date de la mesure")
        if isinstance(typed_value, str) or isinstance(typed_day, str):
            problems = measurement_problems(
                kind.value, typed_value, typed_day, clock(), patient.birth_date
            )
            problems_view(errors, problems)
            return
        saved.set_text("")  # a success stays shown until the next entry is sent
        await box.record(
            save,
            errors,
            record_measurement,
            store,
            user,
            patient.patient_id,
            kind.value,
            typed_value,
            typed_day,
            comment=comment.value,
            replaces_id=replaces.value,
            reason=reason.value,
            confirm_reason=confirm_reason,
            today=clock(),
            then=after_saving,
        )

    async def after_saving(recorded: RecordedMeasurement) -> None:
        """The form emptied, the tables and the correction list redrawn, then the message."""
        value.value = comment.value = reason.value = ""
        replaces.value = None
        await refresh()
        saved.set_text(
            f"Mesure n° {recorded.measurement_id} enregistrée : {KINDS[recorded.kind].label} "
            f"{value_text(recorded.value, recorded.unit)} du {fr_date(recorded.measured_on)}."
        )

    async def refresh() -> None:
        try:
            fresh = await run.io_bound(
                load_patient_record,
                store,
                user.role,
                patient.patient_id,
                today=clock(),
            )
        except ChemoFallbackError as exc:
            problems_view(errors, [str(exc)])
            return
        if fresh is None:
            return
        kinds_of.update({m.measurement_id: m.kind for m in fresh.recorded})
        replaces.set_options(correction_options(fresh))
        tables.clear()
        with tables:
            measurement_tables(fresh)

    async def save_clicked() -> None:
        await submit()

    save.on_click(save_clicked)
    value.on("keydown.enter", save_clicked)
    box.on_confirm(errors, NO_CONFIRM_REASON, submit)
