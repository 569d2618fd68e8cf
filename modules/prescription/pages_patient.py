"""What the prescription module adds to the patient record page: the prescriptions made during
the outage (every version, with its status) and the notes between professionals."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import pages, queries
from chemo_fallback.modules.prescription.models import Status
from chemo_fallback.modules.prescription.pages_notes import notes_section
from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.web import state
from chemo_fallback.web.patient_pages import columns, fr_date, table

COLUMNS = columns(
    prescription="Prescription", protocol="Protocole", cycle="Cycle", start="Début",
    status="Statut", prescriber="Prescripteur",
)


def fallback_prescriptions_section(user: User, identity: PatientIdentity) -> None:
    if not allowed(user.role, Permission.PRESCRIPTION_READ):
        return
    store = state.current().store
    ui.label("Prescriptions faites pendant la panne").classes("text-xl font-bold")
    holder = ui.column().classes("w-full").mark("fallback-prescriptions")

    async def load() -> None:
        try:
            rows = await run.io_bound(
                queries.patient_prescriptions, store, user, identity.patient_id
            )
        except ChemoFallbackError as exc:
            with holder:
                ui.label(str(exc)).classes("text-red-700")
            return
        with holder:
            if not rows:
                ui.label("Aucune.").classes("text-gray-600").mark("no-fallback-prescription")
                return
            grid = table(
                COLUMNS,
                [
                    {
                        "prescription": r["prescription_id"],
                        "protocol": r["protocol_name"],
                        "cycle": r["cycle_no"],
                        "start": fr_date(r["cycle_start_date"]),
                        "status": r["status_label"],
                        "status_color": pages.BADGE_COLORS.get(Status(r["status"]), "grey-7"),
                        "question": "",
                        "prescriber": r["prescriber_name"],
                    }
                    for r in rows or []
                ],
                "prescription",
                "fallback-prescription-table",
            )
            grid.add_slot("body-cell-status", pages.STATUS_SLOT)
            grid.classes("cursor-pointer").on(
                "rowClick",
                lambda e: ui.navigate.to(pages.prescription_url(e.args[1]["prescription"])),
            )

    ui.timer(0, load, once=True)
    notes_section(user, identity.patient_id)
