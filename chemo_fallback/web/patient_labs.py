"""The lab part of the patient record: the latest result of each test and the earlier ones
(snapshot and fallback together, each saying where it comes from), the results entered during
the outage (corrections included), and the form "Saisir un résultat de biologie": test, value,
unit chosen from the test's list, sampling date and time. A creatinine implying an implausible
clearance asks "vérifiez l'unité" and a reason before anything is recorded."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.lab_rules import ENTRY_TESTS
from chemo_fallback.patients.lab_units import ENTRY_UNITS
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.models import (
    LAB_LABELS,
    LabResult,
    PatientRecord,
    RecordedLab,
    RejectedLabResult,
)
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.patients.rules import parse_day, parse_decimal
from chemo_fallback.web import state
from chemo_fallback.web.patient_common import (
    ConfirmationBox,
    columns,
    fr_date,
    fr_number,
    problems_view,
    table,
)

LAB_COLUMNS = columns(
    ("value",), test="Examen", value="Valeur", unit="Unité", date="Prélèvement", source="Source"
)
RECORDED_COLUMNS = columns(
    ("value", "normalised"),
    number="N°",
    date="Prélèvement",
    test="Examen",
    value="Saisi",
    normalised="Valeur utilisée",
    by="Saisi par",
    at="Saisi le",
    comment="Commentaire",
    state="État",
)
REJECTED_COLUMNS = columns(
    (), test="Examen", value="Valeur lue", unit="Unité lue", date="Prélèvement", reason="Motif"
)
TEST_OPTIONS = {code: LAB_LABELS[code] for code in ENTRY_TESTS}
TIME = re.compile(r"^([01]?\d|2[0-3])\s*[:hH]\s*([0-5]\d)$")
NO_CONFIRM_REASON = "Motif de la confirmation manquant : indiquez pourquoi le résultat est juste."


def parse_time(text: str | None) -> time | str:
    """An hour typed HH:MM (or 8h30); a French problem otherwise."""
    typed = (text or "").strip()
    if not typed:
        return (
            "Heure du prélèvement manquante : saisissez-la (HH:MM), telle que sur le compte rendu."
        )
    found = TIME.match(typed)
    if not found:
        return (
            f"Heure non reconnue : « {typed} ». Saisissez l'heure du prélèvement au format HH:MM."
        )
    return time(int(found.group(1)), int(found.group(2)))


def _source(lab: LabResult) -> str:
    if lab.source == "fallback":
        return f"saisi pendant la panne (résultat n° {lab.reference})"
    return "instantané"


def lab_rows(labs: list[LabResult]) -> list[dict]:
    return [
        {
            "key": i,
            "test": lab.label,
            "value": fr_number(lab.value, 2),
            "unit": lab.unit,
            "date": fr_date(lab.sampled_at, with_time=True),
            "source": _source(lab),
        }
        for i, lab in enumerate(labs)
    ]


def _rejected_date(lab: RejectedLabResult) -> str:
    if lab.sampled_at is not None:
        return fr_date(lab.sampled_at, with_time=True)
    return f"illisible : {lab.sampled_at_text}" if lab.sampled_at_text else "(vide)"


def rejected_rows(labs: list[RejectedLabResult]) -> list[dict]:
    """As the export wrote them (an empty unit shows as empty, never guessed)."""
    return [
        {
            "key": i,
            "test": lab.label,
            "value": lab.value or "(vide)",
            "unit": lab.unit or "(vide)",
            "date": _rejected_date(lab),
            "reason": f"rejeté à l'activation : {lab.reason}",
        }
        for i, lab in enumerate(labs)
    ]


def state_text(lab: RecordedLab) -> str:
    if lab.replaced:
        return f"remplacé par le résultat n° {lab.replaced_by}"
    if lab.replaces_id is not None:
        return f"corrige le résultat n° {lab.replaces_id} : {lab.replace_reason}"
    if lab.replaces_measurement_id is not None:
        return f"corrige la mesure n° {lab.replaces_measurement_id} : {lab.replace_reason}"
    if lab.confirm_reason:
        return f"confirmé : {lab.confirm_reason}"
    return ""


def recorded_rows(record: PatientRecord) -> list[dict]:
    return [
        {
            "number": lab.lab_record_id,
            "date": fr_date(lab.sampled_at, with_time=True),
            "test": lab.label,
            "value": f"{fr_number(lab.value, 2)} {lab.unit}",
            "normalised": f"{fr_number(lab.value_normalised, 2)} {lab.unit_normalised}",
            "by": lab.recorded_by_name,
            "at": fr_date(lab.recorded_at, with_time=True),
            "comment": lab.comment or "",
            "state": state_text(lab),
        }
        for lab in record.recorded_labs
    ]


def correction_options(record: PatientRecord) -> dict:
    """Results still in force, and old creatinine measurements, a new result may correct."""
    options = {
        f"lab:{lab.lab_record_id}": f"résultat n° {lab.lab_record_id} — {lab.label} "
        f"{fr_number(lab.value, 2)} {lab.unit} du {fr_date(lab.sampled_at, with_time=True)}"
        for lab in record.recorded_labs
        if not lab.replaced
    }
    for m in record.recorded:
        if m.kind == "creatinine" and not m.replaced:
            options[f"measure:{m.measurement_id}"] = (
                f"mesure n° {m.measurement_id} — Créatinine {fr_number(m.value, 2)} {m.unit} du "
                f"{fr_date(m.measured_on)}"
            )
    return options


def lab_tables(record: PatientRecord) -> None:
    """What a new result changes: the latest of each test, the history, the entered ones."""
    if record.latest_labs:
        table(LAB_COLUMNS, lab_rows(record.latest_labs), "key", "latest-labs")
        with ui.expansion(f"Résultats antérieurs ({len(record.lab_history)} derniers)").classes(
            "w-full"
        ):
            table(LAB_COLUMNS, lab_rows(record.lab_history), "key", "lab-history")
    else:
        ui.label("Aucun résultat de biologie (ni dans l'instantané, ni saisi).").classes(
            "text-orange-700"
        ).mark("no-labs")
    if record.rejected_labs:
        # Never used by a dose or a check: a newer one blocks the validation until the paper
        # report's result is entered here (checks_rejected).
        ui.label(
            "Résultats rejetés à l'activation de l'instantané (non utilisés) : vérifiez le "
            "compte rendu papier et saisissez le résultat à la main."
        ).classes("font-bold text-red-700").mark("rejected-labs-title")
        table(REJECTED_COLUMNS, rejected_rows(record.rejected_labs), "key", "rejected-labs")
    if record.recorded_labs:
        ui.label("Résultats saisis pendant la panne").classes("font-bold")
        table(RECORDED_COLUMNS, recorded_rows(record), "number", "recorded-labs")


def labs_section(
    user: User,
    record: PatientRecord,
    clock: Callable[[], date],
    on_saved: Callable[[PatientRecord], None] | None = None,
) -> None:
    ui.label("Biologie : derniers résultats").classes("text-xl font-bold")
    tables = ui.column().classes("w-full gap-2")
    with tables:
        lab_tables(record)
    if allowed(user.role, Permission.MEASUREMENT_RECORD):
        lab_form(user, record, tables, clock, on_saved)


def _now(clock: Callable[[], date]) -> datetime:
    """Now, on the page's day (a test's fixed day ends at midnight)."""
    day = clock()
    if day == date.today():
        return datetime.now()
    return datetime.combine(day, time(23, 59, 59))


def lab_form(
    user: User,
    record: PatientRecord,
    tables: ui.column,
    clock: Callable[[], date],
    on_saved: Callable[[PatientRecord], None] | None,
) -> None:
    store = state.current().store
    patient = record.identity
    with ui.card().classes("w-full").mark("lab-form"):
        ui.label("Saisir un résultat de biologie").classes("text-lg font-bold")
        with ui.row().classes("w-full items-start gap-2"):
            test = ui.select(TEST_OPTIONS, value="PNN", label="Examen").classes("w-72")
            value = ui.input("Résultat", placeholder="ex. 1,8").classes("w-32")
            # No unit chosen in advance: the unit is read off the report, never assumed.
            unit = ui.select(list(ENTRY_UNITS["PNN"]), value=None, label="Unité").classes("w-32")
            day = ui.input("Date du prélèvement (JJ/MM/AAAA)", value=fr_date(clock())).classes(
                "w-60"
            )
            hour = ui.input("Heure (HH:MM)", placeholder="08:30").classes("w-32")
            comment = ui.input("Commentaire (facultatif)").classes("w-72")
        with ui.row().classes("w-full items-start gap-2"):
            replaces = ui.select(
                correction_options(record),
                label="Corrige le résultat (facultatif)",
                clearable=True,
            ).classes("w-[32rem]")
            reason = ui.input("Motif de la correction").classes("w-96")
        save = ui.button("Enregistrer le résultat", icon="save")
        box = ConfirmationBox("lab")
        errors = ui.column().classes("gap-1")
        saved = ui.label().classes("text-green-800")
    for element, marker in (
        (test, "lab-test"),
        (value, "lab-value"),
        (unit, "lab-unit"),
        (day, "lab-date"),
        (hour, "lab-time"),
        (comment, "lab-comment"),
        (replaces, "lab-replaces"),
        (reason, "lab-reason"),
        (save, "lab-save"),
        (errors, "lab-errors"),
        (saved, "lab-saved"),
    ):
        element.mark(marker)

    def follow_test(e) -> None:  # the units of the chosen test, none chosen in advance
        unit.set_options(list(ENTRY_UNITS.get(e.value, ())), value=None)

    test.on_value_change(follow_test)

    async def submit(confirm_reason: str | None = None) -> None:
        if confirm_reason is None:
            box.hide()
        typed_value = parse_decimal(value.value)
        typed_day = parse_day(day.value, "Date du prélèvement")
        typed_hour = parse_time(hour.value)
        typed = [t for t in (typed_value, typed_day, typed_hour) if isinstance(t, str)]
        if typed:
            problems_view(errors, typed)
            return
        kind, _sep, number = (replaces.value or "").partition(":")
        saved.set_text("")  # a success stays shown until the next entry is sent
        await box.record(
            save,
            errors,
            record_lab_result,
            store,
            user,
            patient.patient_id,
            test.value,
            typed_value,
            unit.value,
            datetime.combine(typed_day, typed_hour),
            comment=comment.value,
            replaces_id=int(number) if kind == "lab" else None,
            replaces_measurement_id=int(number) if kind == "measure" else None,
            reason=reason.value,
            confirm_reason=confirm_reason,
            now=_now(clock),
            then=after_saving,
        )

    async def after_saving(recorded: RecordedLab) -> None:
        """The form emptied, the tables and the correction list redrawn, then the message."""
        text = (
            f"Résultat n° {recorded.lab_record_id} enregistré : {recorded.label} "
            f"{fr_number(recorded.value, 2)} {recorded.unit}"
        )
        if recorded.unit != recorded.unit_normalised:
            text += f" (soit {fr_number(recorded.value_normalised, 2)} {recorded.unit_normalised})"
        value.value = comment.value = reason.value = hour.value = ""
        replaces.value = None
        await refresh()
        saved.set_text(f"{text}, prélevé le {fr_date(recorded.sampled_at, with_time=True)}.")

    async def refresh() -> None:
        try:
            fresh = await run.io_bound(
                load_patient_record, store, user.role, patient.patient_id, today=clock()
            )
        except ChemoFallbackError as exc:
            problems_view(errors, [str(exc)])
            return
        if fresh is None:
            return
        replaces.set_options(correction_options(fresh))
        tables.clear()
        with tables:
            lab_tables(fresh)
        if on_saved is not None:
            on_saved(fresh)

    async def save_clicked() -> None:
        await submit()

    save.on_click(save_clicked)
    hour.on("keydown.enter", save_clicked)
    box.on_confirm(errors, NO_CONFIRM_REASON, submit)
