"""The prescription pages: the list of today and the days to come (/prescriptions), a new
prescription (/prescriptions/nouvelle) and one prescription (/prescriptions/{id}). Thin: the
use cases live in service.py, lifecycle.py, notes.py and queries.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from itertools import groupby
from urllib.parse import quote

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import queries, service
from chemo_fallback.modules.prescription.models import ListEntry
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.patient_pages import columns, fr_date, patient_url, table

# The day lists and suggestions refer to; tests replace it to pin the calendar.
today: Callable[[], date] = date.today

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
LIST_COLUMNS = columns(
    ward="Unité", patient="Patient", birth="Né(e) le", protocol="Protocole", day="Cycle / jour",
    drugs="Médicaments", prescriber="Prescripteur", status="Statut", source="Source",
)


def prescription_url(prescription_id: str) -> str:
    return f"/prescriptions/{quote(prescription_id, safe='')}"


def day_title(day: date, count: int) -> str:
    when = "Aujourd'hui — " if day == today() else ""
    noun = "prescription" if count == 1 else "prescriptions"
    return f"{when}{WEEKDAYS[day.weekday()].capitalize()} {fr_date(day)} — {count} {noun}"


def list_row(entry: ListEntry) -> dict:
    return {
        "key": f"{entry.source}|{entry.prescription_id}|{entry.day_no}",
        "ward": entry.ward_name or entry.ward_id or "—",
        "patient": f"{entry.patient_name} ({entry.patient_id})",
        "birth": fr_date(entry.birth_date) if entry.birth_date else "—",
        "protocol": entry.protocol_name,
        "day": f"C{entry.cycle_no} J{entry.day_no}",
        "drugs": entry.drugs,
        "prescriber": entry.prescriber_name or "—",
        "status": entry.status,
        "source": f"secours (reprend {entry.continues})" if entry.continues else entry.source,
        "snapshot_id": entry.prescription_id if entry.source == "instantané" else "",
        "target": prescription_url(entry.prescription_id)
        if entry.source == "secours"
        else patient_url(entry.patient_id),
    }


def ward_filter(user: User) -> ui.select:
    """A choice of ward ("" for all), filled from the snapshot once the page is shown."""
    ward = ui.select({"": "Toutes les unités"}, value="", label="Unité").classes("w-64")

    async def fill() -> None:
        try:
            choices = await run.io_bound(queries.ward_choices, state.current().store, user)
        except ChemoFallbackError:
            return
        ward.set_options({"": "Toutes les unités", **(choices or {})}, value=ward.value)

    ui.timer(0, fill, once=True)
    return ward


def worklist_view(user: User) -> None:
    store = state.current().store
    settings = state.current().settings
    with ui.row().classes("items-end gap-4"):
        first = ui.input("À partir du", value=fr_date(today())).mark("list-from").classes("w-36")
        days = (
            ui.number("Nombre de jours", value=settings.upcoming_days, min=1, max=60, step=1)
            .classes("w-36")
            .mark("list-days")
        )
        ward = ward_filter(user).mark("list-ward")
        show = ui.button("Afficher", icon="refresh").mark("list-show")
    message = ui.label().classes("text-red-700").mark("list-message")
    body = ui.column().classes("w-full gap-2").mark("worklist")

    async def load() -> None:
        try:
            start = parse_date(first.value)
            count = int(days.value or 1)
            if not 1 <= count <= 60:
                raise ChemoFallbackError("Nombre de jours : de 1 à 60.")
            entries = await run.io_bound(
                queries.worklist, store, user, start, start + timedelta(days=count - 1),
                ward.value or None,
            )
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            return
        message.set_text("")
        body.clear()
        with body:
            if not entries:
                ui.label("Aucune prescription sur cette période.").mark("list-empty")
            for day, group in groupby(entries or [], key=lambda e: e.planned_date):
                rows = [list_row(e) for e in group]
                ui.label(day_title(day, len(rows))).classes("text-lg font-bold mt-2")
                grid = table(LIST_COLUMNS, rows, "key", f"day-{day.isoformat()}")
                grid.props("wrap-cells").classes("cursor-pointer")
                grid.on("rowClick", lambda e: row_clicked(user, e.args[1]))

    show.on_click(load)
    ui.timer(0, load, once=True)


def row_clicked(user: User, row: dict) -> None:
    """A fallback prescription opens; a production one (snapshot) may be taken over."""
    if not row["snapshot_id"] or not allowed(user.role, Permission.PRESCRIPTION_WRITE):
        ui.navigate.to(row["target"])
        return
    app = state.current()
    with ui.dialog() as dialog, ui.card().classes("w-[34rem]"):
        ui.label(f"Prescription {row['snapshot_id']} du logiciel de production").classes(
            "text-lg font-bold"
        )
        ui.label(f"{row['patient']} — {row['protocol']} {row['day']}")
        ui.label(
            "La reprendre dans le secours crée un brouillon du même protocole, cycle, jours et "
            "dates, avec les modifications de dose décidées en production (motif « repris "
            "de … »), doses recalculées sur les mesures du jour. Il reste au nom du même "
            "prescripteur : une transcription en son nom, vérifiée et signée par un pharmacien "
            "(s'il la reprend lui-même, elle reste la sienne et il la signe)."
        ).classes("text-sm")
        error = ui.label().classes("text-red-700").mark("take-over-error")

        async def take_over() -> None:
            try:
                rx = await run.io_bound(
                    service.take_over, app.store, user, row["snapshot_id"], app.settings, today()
                )
            except ChemoFallbackError as exc:
                error.set_text(str(exc))
                return
            if rx is not None:
                ui.navigate.to(prescription_url(rx.prescription_id))

        with ui.row().classes("w-full justify-end"):
            ui.button("Ouvrir le dossier patient", on_click=lambda: ui.navigate.to(
                row["target"])).props("flat").mark("take-over-patient")
            ui.button("Reprendre dans le secours", icon="input", on_click=take_over).mark(
                "take-over"
            )
    dialog.open()


def parse_date(text: str | None) -> date:
    """JJ/MM/AAAA as typed by a French user; a clear message otherwise."""
    value = (text or "").strip()
    try:
        day, month, year = (int(part) for part in value.split("/"))
        if year < 1900:
            raise ValueError
        return date(year, month, day)
    except ValueError as exc:
        raise ChemoFallbackError(
            f"Date « {value} » illisible : écrivez-la JJ/MM/AAAA (par exemple 03/12/2026)."
        ) from exc


def register() -> None:
    from chemo_fallback.modules.prescription import pages_detail, pages_new, pages_patient
    from chemo_fallback.web import patient_record_page

    section = pages_patient.fallback_prescriptions_section
    if section not in patient_record_page.RECORD_SECTIONS:
        patient_record_page.RECORD_SECTIONS.append(section)

    @protected_page(
        "/prescriptions", Permission.PRESCRIPTION_READ, "Prescriptions du jour et à venir"
    )
    def prescription_list_page(user: User) -> None:
        worklist_view(user)

    @protected_page(
        "/prescriptions/nouvelle", Permission.PRESCRIPTION_WRITE, "Nouvelle prescription"
    )
    def new_prescription_page(user: User, patient: str = "") -> None:
        pages_new.new_prescription_view(user, patient)

    @protected_page(
        "/prescriptions/{prescription_id}", Permission.PRESCRIPTION_READ, "Prescription"
    )
    def prescription_page(user: User, prescription_id: str) -> None:
        pages_detail.prescription_view(user, prescription_id)
