"""The prescription pages: the list of today and the days to come (/prescriptions), a new
prescription (/prescriptions/nouvelle) and one prescription (/prescriptions/{id}). Thin: the
use cases live in drafts.py, line_edits.py, lifecycle.py, notes.py and queries.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from itertools import groupby
from urllib.parse import quote

from nicegui import run, ui

from chemo_fallback import request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import drafts, queries
from chemo_fallback.modules.prescription.models import ListEntry, Status
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import columns, fr_date, patient_url, table

# The day lists and suggestions refer to; tests replace it to pin the calendar.
today: Callable[[], date] = date.today

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
LIST_COLUMNS = columns(
    ward="Unité", patient="Patient", birth="Né(e) le", protocol="Protocole", day="Cycle / jour",
    drugs="Médicaments", prescriber="Prescripteur", status="Statut", source="Source",
    action="Action",
)
# One colour per status, on the page, the lists and the patient record: a request for a change
# (orange) is not a refusal (red). Tailwind classes for labels, Quasar colours for badges.
STATUS_COLORS = {
    Status.DRAFT: "bg-gray-600",
    Status.SIGNED: "bg-blue-700",
    Status.VALIDATED: "bg-green-700",
    Status.REJECTED: "bg-red-700",
    Status.CHANGE_REQUESTED: "bg-orange-600",
    Status.CANCELLED: "bg-red-900",
    Status.SUPERSEDED: "bg-slate-500",
}
BADGE_COLORS = {
    Status.DRAFT: "grey-7",
    Status.SIGNED: "blue-8",
    Status.VALIDATED: "green-8",
    Status.REJECTED: "red-8",
    Status.CHANGE_REQUESTED: "orange-8",
    Status.CANCELLED: "red-10",
    Status.SUPERSEDED: "blue-grey-6",
}
SNAPSHOT_BADGE = "brown-5"  # a production prescription of the snapshot
# The status as a coloured badge, with the pharmacy's question under a change requested.
STATUS_SLOT = r"""<q-td :props="props">
  <q-badge :color="props.row.status_color" :label="props.value" class="text-sm" />
  <div v-if="props.row.question" class="text-orange-900 text-xs font-bold whitespace-normal">
    {{ props.row.question }}</div>
</q-td>"""
# A production row is taken over with a visible button, never by a click on the row.
ACTION_SLOT = r"""<q-td :props="props">
  <q-btn v-if="props.row.can_take_over" dense no-caps size="sm" color="primary" icon="input"
         label="Reprendre dans le secours" class="take-over-button" style="white-space: nowrap"
         @click.stop="$parent.$emit('take_over', props.row)" />
</q-td>"""
LIST_FILTERS = {"all": "Toutes", "change_requested": "Modifications demandées"}


def prescription_url(prescription_id: str) -> str:
    return f"/prescriptions/{quote(prescription_id, safe='')}"


def day_title(day: date, count: int) -> str:
    when = "Aujourd'hui — " if day == today() else ""
    noun = "prescription" if count == 1 else "prescriptions"
    return f"{when}{WEEKDAYS[day.weekday()].capitalize()} {fr_date(day)} — {count} {noun}"


def badge_color(entry: ListEntry) -> str:
    if entry.status_code is None:
        return SNAPSHOT_BADGE
    return BADGE_COLORS.get(Status(entry.status_code), "grey-7")


def list_row(entry: ListEntry, can_take_over: bool = False) -> dict:
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
        "status_color": badge_color(entry),
        "question": entry.question or "",
        "source": f"secours (reprend {entry.continues})" if entry.continues else entry.source,
        "snapshot_id": entry.prescription_id if entry.source == "instantané" else "",
        "can_take_over": can_take_over and entry.source == "instantané",
        "action": "",
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


# Sections later modules add above the worklist, called with (user): e.g. the doses not given
# on the wards (administration), which the prescriber must see.
WORKLIST_SECTIONS: list = []


def worklist_view(user: User, initial_filter: str = "all") -> None:
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
        chosen = initial_filter if initial_filter in LIST_FILTERS else "all"
        only = ui.select(LIST_FILTERS, value=chosen, label="Afficher").classes("w-56").mark(
            "list-filter"
        )
        show = ui.button("Afficher", icon="refresh").mark("list-show")
    pending = ui.label().classes("text-orange-900 font-bold").mark("list-change-requested")
    for section in WORKLIST_SECTIONS:
        section(user)
    message = ui.label().classes("text-red-700").mark("list-message")
    body = ui.column().classes("w-full gap-2").mark("worklist")
    may_take_over = allowed(user.role, Permission.PRESCRIPTION_WRITE)
    asking: set[str] = set()  # production prescriptions whose take-over dialog is open

    async def load() -> None:
        change_requested = only.value == "change_requested"
        try:
            start = parse_date(first.value)
            count = int(days.value or 1)
            if not 1 <= count <= 60:
                raise ChemoFallbackError("Nombre de jours : de 1 à 60.")
            entries = await run.io_bound(
                queries.worklist, store, user, start, start + timedelta(days=count - 1),
                ward.value or None, change_requested,
            )
            waiting = await run.io_bound(
                queries.change_requested_count, store, user, ward.value or None
            )
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            return
        message.set_text("")
        pending.set_text(
            f"{waiting} prescription(s) renvoyée(s) par la pharmacie avec une demande de "
            "modification : choisissez « Modifications demandées » pour les voir toutes."
            if waiting and not change_requested
            else ""
        )
        body.clear()
        with body:
            if not entries:
                ui.label(
                    "Aucune modification demandée par la pharmacie."
                    if change_requested
                    else "Aucune prescription sur cette période."
                ).mark("list-empty")
            for day, group in groupby(entries or [], key=lambda e: e.planned_date):
                rows = [list_row(e, may_take_over) for e in group]
                ui.label(day_title(day, len(rows))).classes("text-lg font-bold mt-2")
                grid = table(LIST_COLUMNS, rows, "key", f"day-{day.isoformat()}")
                grid.props("wrap-cells").classes("cursor-pointer")
                grid.add_slot("body-cell-status", STATUS_SLOT)
                grid.add_slot("body-cell-action", ACTION_SLOT)
                grid.on("rowClick", lambda e: ui.navigate.to(e.args[1]["target"]))
                grid.on("take_over", lambda e: take_over_dialog(user, e.args, asking))

    show.on_click(load)
    only.on_value_change(load)
    ui.timer(0, load, once=True)


def take_over_dialog(user: User, row: dict, asking: set[str] | None = None) -> None:
    """A production prescription (snapshot) continued in the fallback, once confirmed. A
    double click on the row's button opens one dialog (`asking`: those already open)."""
    snapshot_id = row.get("snapshot_id")
    if not snapshot_id or not allowed(user.role, Permission.PRESCRIPTION_WRITE):
        return
    asking = set() if asking is None else asking
    if snapshot_id in asking:
        return
    asking.add(snapshot_id)
    app = state.current()
    key = request_keys.new_key()  # drawn when the dialog is shown: the take-over happens once
    with ui.dialog() as dialog, ui.card().classes("w-[34rem]"):
        dialog.on_value_change(lambda e: None if e.value else asking.discard(snapshot_id))
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
                async with disabled(confirm):  # a double click takes it over once
                    rx = await run.io_bound(take_over_once, app, user, row["snapshot_id"], key)
            except ChemoFallbackError as exc:
                error.set_text(str(exc))
                return
            if rx is not None:
                ui.navigate.to(prescription_url(rx.prescription_id))

        with ui.row().classes("w-full justify-end"):
            ui.button("Fermer", on_click=dialog.close).props("flat").mark("take-over-close")
            ui.button("Ouvrir le dossier patient", on_click=lambda: ui.navigate.to(
                row["target"])).props("flat").mark("take-over-patient")
            confirm = ui.button(
                "Reprendre dans le secours", icon="input", on_click=take_over
            ).mark("take-over")
    dialog.open()


def take_over_once(app, user: User, snapshot_id: str, key: str):
    """drafts.take_over with the dialog's request key: the same dialog takes it over once."""
    return drafts.take_over(app.store, user, snapshot_id, app.settings, today(), request_key=key)


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
    def prescription_list_page(user: User, filtre: str = "all") -> None:
        worklist_view(user, filtre)  # ?filtre=change_requested: the prescriber's work

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
