"""The signature dialog: who signs, what the signature means, the password re-entered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import run, ui

from chemo_fallback.auth import accounts
from chemo_fallback.auth.signature import Meaning, confirm_signer
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled


async def _blockers_now(blockers: Callable[[], list[str]] | None) -> list[str]:
    """What still blocks, read in a worker thread; a refusal of the check itself (no active
    snapshot, a prescription gone) blocks too, with its own French message."""
    if blockers is None:
        return []
    try:
        found = await run.io_bound(blockers)
    except ChemoFallbackError as exc:
        return [str(exc)]
    return list(found or [])


def discard(dialog: ui.dialog) -> None:
    """Close and remove a dialog, so that the next one opened is the only one on the page (a
    stale password field must never receive what is typed)."""
    dialog.close()
    if not dialog.is_deleted:
        dialog.delete()


async def open_signature_dialog(
    signer: accounts.User,
    meaning: Meaning,
    what: str,
    on_signed: Callable[[], Awaitable[None] | None],
    blockers: Callable[[], list[str]] | None = None,
    summary: list[str] | None = None,
) -> ui.dialog:
    """Ask `signer` to sign `what`; `on_signed` runs only after the password is confirmed and
    must record the change with `record_signature` in its transaction.

    `blockers` runs the service's own checks first (French reasons the signature would be
    refused): while any remains, the dialog lists them and asks for no password, so nobody
    types a password for a signature that cannot be taken. `summary`: what the signer is about
    to sign (e.g. the points lifted and their reasons), shown above the password. The checks
    run in a worker thread, never in the event loop (they read the store)."""
    problems = await _blockers_now(blockers)
    with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[32rem]"):
        ui.label("Signature électronique").classes("text-xl font-bold")
        ui.label(what).mark("signature-what")
        ui.label(f"Signataire : {signer.display_name} ({signer.role_label})")
        ui.label(f"Signification : « {meaning.value} »").classes("font-bold")
        if problems:
            # a long list scrolls inside the dialog: "Fermer" stays on screen
            with ui.column().classes(
                "gap-1 border-l-4 border-red-700 pl-2 max-h-[55vh] overflow-y-auto flex-nowrap"
            ).mark("signature-blockers"):
                ui.label("Signature impossible pour l'instant :").classes(
                    "font-bold text-red-800"
                )
                for problem in problems:
                    ui.label(f"• {problem}").classes("text-red-800")
                ui.label("Corrigez ces points, puis signez de nouveau.")
            with ui.row().classes("w-full justify-end"):
                ui.button("Fermer", on_click=lambda: discard(dialog)).props("flat").mark(
                    "signature-cancel"
                )
            dialog.open()
            return dialog
        for line in summary or []:
            ui.label(line).classes("text-sm").mark("signature-summary")
        password = (
            ui.input("Mot de passe", password=True).classes("w-full").mark("signature-password")
        )
        error = ui.label("").classes("text-red-700").mark("signature-error")

        async def sign() -> None:
            async with disabled(sign_button):  # a double click signs once
                await _sign()

        async def _sign() -> None:
            late = await _blockers_now(blockers)
            if late:  # something changed since the dialog opened
                error.text = "Signature impossible : " + " ; ".join(late)
                password.value = ""
                return
            try:
                await run.io_bound(
                    confirm_signer, state.current().store, signer, password.value or ""
                )
            except accounts.AuthError as exc:
                error.text = str(exc)
                password.value = ""
                return
            dialog.close()
            with dialog.parent_slot:  # what the callback draws must outlive the dialog
                result = on_signed()
                if result is not None:
                    await result
            discard(dialog)

        with ui.row().classes("w-full justify-end"):
            ui.button("Annuler", on_click=lambda: discard(dialog)).props("flat").mark(
                "signature-cancel"
            )
            sign_button = ui.button("Signer", icon="draw", on_click=sign).mark("signature-sign")
    dialog.open()
    return dialog
