"""The whole chain of each preparation (fiche imprimée … libérée, dispensée, reçue,
administrée), shown under a prescription and on the patient record, for every role: sections
the prescription page and the patient record draw without importing this module."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.modules.release import chain
from chemo_fallback.web import state

CHAIN_STYLES = {
    "rejected": "bg-red-700 text-white", "cancelled": "bg-gray-300 text-gray-800",
    "not_given": "bg-red-100 text-red-900", "incident": "bg-red-100 text-red-900",
    "given": "bg-green-700 text-white", "partial": "bg-orange-200 text-orange-900",
    "released": "bg-green-100 text-green-900", "dispensed": "bg-blue-100 text-blue-900",
    "received": "bg-blue-200 text-blue-900",
}


def _listing(user: User, read, marker: str, title: str) -> None:
    ui.label(title).classes("text-xl font-bold mt-4")
    box = ui.column().classes("w-full gap-1").mark(marker)

    async def show() -> None:
        try:
            rows = await run.io_bound(read)
        except ChemoFallbackError as exc:
            with box:
                ui.label(str(exc)).classes(common.ERROR)
            return
        with box:
            if not rows:
                ui.label("Aucune préparation pour l'instant.").classes("text-gray-700")
            for row in rows or []:
                _row(user, row)

    ui.timer(0, show, once=True)


def _row(user: User, row: dict) -> None:
    with ui.row().classes("items-center gap-3 w-full").mark(f"chain-{row['preparation_id']}"):
        ui.label(chain.label(row["chain"]).upper()).classes(
            "px-2 py-0.5 rounded font-bold text-sm "
            + CHAIN_STYLES.get(row["chain"], "bg-slate-200 text-slate-900")
        ).mark("chain-status")
        ui.label(f"N° {row['register_no']}").classes("font-mono font-bold")
        ui.label(f"{row['inn'] or row['drug_id']} {french.dose(row['dose'], row['dose_unit'])}")
        ui.label(f"prévu le {french.day(row['planned_date'])}").classes("text-gray-700")
        if row["expires_at"] is not None:
            ui.label(f"périme le {french.moment(row['expires_at'])}").classes("text-gray-700")
        if allowed(user.role, Permission.FABRICATION_READ):
            ui.link("ouvrir", common.preparation_url(row["preparation_id"]))


def prescription_preparations_section(user: User, rx, refresh) -> None:
    store = state.current().store
    _listing(user, lambda: chain.preparations_of_prescription(store, user, rx.prescription_id),
             "rx-preparations", "Préparations : de l'isolateur au patient")


def patient_preparations_section(user: User, identity) -> None:
    store = state.current().store
    _listing(user, lambda: chain.preparations_of_patient(store, user, identity.patient_id),
             "patient-preparations", "Préparations faites pendant la panne")
