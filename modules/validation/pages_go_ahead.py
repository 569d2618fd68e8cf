"""The day-of "feu vert" (OK chimio) under a prescription: the clinical team says the patient
is fit today; whoever hears it (nurse, physician, pharmacist) records who said it and when."""

from __future__ import annotations

from datetime import datetime

from nicegui import run, ui

from chemo_fallback import request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription.models import Prescription, Status
from chemo_fallback.modules.validation import go_ahead
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_pages import fr_date


def parse_moment(text: str | None) -> datetime:
    value = (text or "").strip()
    try:
        return datetime.strptime(value, "%d/%m/%Y %H:%M")
    except ValueError as exc:
        raise ChemoFallbackError(
            f"Heure du feu vert « {value} » illisible : écrivez JJ/MM/AAAA HH:MM "
            "(par exemple 23/11/2026 08:45)."
        ) from exc


def go_ahead_section(user: User, rx: Prescription, refresh) -> None:
    if rx.status not in (Status.SIGNED, Status.VALIDATED):
        return
    store = state.current().store
    ui.label("Feu vert de l'équipe soignante (OK chimio)").classes("text-xl font-bold mt-4")
    listing = ui.column().classes("w-full gap-1").mark("go-aheads")

    async def show() -> None:
        try:
            given = await run.io_bound(go_ahead.go_aheads_of, store, user, rx.prescription_id)
        except ChemoFallbackError as exc:
            with listing:
                ui.label(str(exc)).classes("text-red-700")
            return
        with listing:
            if not given:
                ui.label("Aucun feu vert enregistré.").classes("text-orange-800").mark(
                    "no-go-ahead"
                )
            for g in given or []:
                ui.label(
                    f"J{g['day_no']} ({fr_date(g['planned_date'])}) : feu vert de "
                    f"{g['given_by']} le {fr_date(g['given_at'], with_time=True)}, noté par "
                    f"{g['recorded_by_name']}" + (f" — {g['comment']}" if g["comment"] else "")
                ).classes("text-green-800 font-bold")

    ui.timer(0, show, once=True)
    if not allowed(user.role, Permission.GO_AHEAD_RECORD):
        return
    ui.label(
        "Un feu vert porte sur un jour de la prescription : il se donne ce jour-là ou la veille."
    ).classes("text-sm")
    with ui.row().classes("items-end gap-2"):
        day = ui.select({d: f"J{d} ({fr_date(p)})" for d, p in rx.days}, value=rx.days[0][0],
                        label="Jour").classes("w-40").mark("go-ahead-day")
        who = ui.input("Donné par (nom, fonction)").classes("w-64").mark("go-ahead-by")
        when = ui.input("Le (JJ/MM/AAAA HH:MM)", value=f"{datetime.now():%d/%m/%Y %H:%M}")
        when.classes("w-48").mark("go-ahead-at")
        comment = ui.input("Commentaire").classes("w-64").mark("go-ahead-comment")
        error = ui.label().classes("text-red-700").mark("go-ahead-error")

        # One key per form shown: the same request sent twice records one feu vert.
        request_key = request_keys.new_key()

        async def save() -> None:
            error.set_text("")
            async with disabled(save_button):
                try:
                    await run.io_bound(
                        lambda: go_ahead.record_go_ahead(
                            store, user, rx.prescription_id, day.value, who.value or "",
                            parse_moment(when.value), comment.value, request_key=request_key,
                        )
                    )
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
            await refresh()

        save_button = ui.button("Enregistrer le feu vert", icon="check_circle", on_click=save)
        save_button.mark("go-ahead-save")
