"""Notes between professionals, under a prescription (or a patient): read them all, add one."""

from __future__ import annotations

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription import notes
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled


def notes_section(user: User, patient_id: str, prescription_id: str | None = None) -> None:
    store = state.current().store
    ui.label("Notes entre professionnels").classes("text-xl font-bold mt-4")
    listing = ui.column().classes("w-full gap-1").mark("notes")

    async def show() -> None:
        try:
            found = await run.io_bound(notes.notes_for, store, user, patient_id)
        except ChemoFallbackError as exc:
            listing.clear()
            with listing:
                ui.label(str(exc)).classes("text-red-700")
            return
        listing.clear()
        with listing:
            if not found:
                ui.label("Aucune note.").classes("text-gray-600").mark("no-notes")
            for note in found or []:
                scope = (
                    f"sur la prescription {note.prescription_id}"
                    if note.prescription_id
                    else "sur le patient"
                )
                with ui.card().classes("w-full p-2").mark(f"note-{note.note_id}"):
                    ui.label(
                        f"{french.moment(note.written_at)} — {note.author_name} "
                        f"({note.author_role}) — {scope}"
                    ).classes("text-xs text-gray-600")
                    ui.label(note.text).classes("whitespace-pre-wrap")

    if allowed(user.role, Permission.NOTE_WRITE):
        text = ui.textarea("Nouvelle note").classes("w-full").mark("note-text")
        scopes = {"patient": "Sur le patient"}
        if prescription_id:
            scopes = {"prescription": "Sur cette prescription", **scopes}
        scope = ui.radio(scopes, value=next(iter(scopes))).props("inline").mark("note-scope")
        error = ui.label().classes("text-red-700").mark("note-error")
        key = {"value": request_keys.new_key()}  # one per note written: drawn again after each

        async def add() -> None:
            target = prescription_id if scope.value == "prescription" else None
            async with disabled(button):
                try:
                    await run.io_bound(
                        lambda: notes.add_note(
                            store, user, patient_id, text.value, target,
                            request_key=key["value"],
                        )
                    )
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
            key["value"] = request_keys.new_key()
            error.set_text("")
            text.value = ""
            await show()

        button = ui.button("Ajouter la note", icon="note_add", on_click=add).mark("note-add")
    ui.timer(0, show, once=True)
