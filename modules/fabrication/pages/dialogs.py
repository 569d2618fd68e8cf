"""The dialogs of the fabrication pages: a reason to give (cancel, reprint, discard), and the
controller's identification at the preparer's workstation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import run, ui

from chemo_fallback.auth import accounts
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication.pages import common
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.signature_dialog import discard


def reason_dialog(
    title: str,
    lines: list[str],
    label: str,
    act: Callable[[str], Awaitable[None]],
    *,
    confirm: str,
    marker: str,
) -> ui.dialog:
    """Ask for a reason, then `act(reason)`; a refusal (ChemoFallbackError) is shown in the
    dialog, which stays open with what was typed. Marks: "<marker>-reason", "-save",
    "-close", "-error"."""
    with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[36rem] max-w-full"):
        ui.label(title).classes("text-xl font-bold")
        for line in lines:
            ui.label(line)
        reason = ui.textarea(label).classes("w-full").mark(f"{marker}-reason")
        error = common.error_label(f"{marker}-error")

        async def save() -> None:
            if not save_button.enabled:
                return
            error.set_text("")
            async with disabled(save_button, close_button):
                try:
                    await act(reason.value or "")
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    return
            discard(dialog)

        with ui.row().classes("w-full justify-end"):
            close_button = ui.button("Fermer", on_click=lambda: discard(dialog)).props("flat")
            close_button.mark(f"{marker}-close")
            save_button = ui.button(confirm, on_click=save).mark(f"{marker}-save")
    dialog.open()
    return dialog


def required(reason: str, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ChemoFallbackError(f"Motif obligatoire : {what}.")
    return text


def controller_dialog(
    what: str, control: Callable[[accounts.User], None], on_done: Callable[[], Awaitable[None]]
) -> ui.dialog:
    """The controller, another person than the preparer (often while the preparer's session
    stays open), types their identifier and password; the password is checked as for a
    signature (a wrong one counts towards the account's delay) and `control(controller)` runs
    with that account, in a worker thread."""
    store = state.current().store
    with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[32rem] max-w-full"):
        ui.label("Contrôle de la préparation").classes("text-xl font-bold")
        ui.label(what).classes("font-bold").mark("control-what")
        ui.label(
            "Le contrôle est fait par une autre personne que celle qui a préparé (préparateur "
            "ou pharmacien) : elle s'identifie ici, même si la session ouverte est celle du "
            "préparateur."
        )
        username = ui.input("Identifiant du contrôleur").classes("w-full").mark(
            "control-username"
        )
        password = ui.input("Mot de passe du contrôleur", password=True).classes("w-full")
        password.mark("control-password")
        error = common.error_label("control-error")

        def check_and_control(name: str, secret: str) -> None:
            controller = accounts.check_password(store, name, secret, accounts.SIGNATURE)
            control(controller)

        async def confirm() -> None:
            if not confirm_button.enabled:
                return
            error.set_text("")
            name = (username.value or "").strip()
            if not name:
                error.set_text("Saisissez l'identifiant du contrôleur.")
                return
            async with disabled(confirm_button, close_button):
                try:
                    await run.io_bound(check_and_control, name, password.value or "")
                except ChemoFallbackError as exc:
                    error.set_text(str(exc))
                    password.value = ""
                    return
            dialog.close()
            with dialog.parent_slot:  # what the callback draws must outlive the dialog
                await on_done()
            discard(dialog)

        password.on("keydown.enter", confirm)
        with ui.row().classes("w-full justify-end"):
            close_button = ui.button("Fermer", on_click=lambda: discard(dialog)).props("flat")
            close_button.mark("control-close")
            confirm_button = ui.button("Contrôler", icon="verified", on_click=confirm)
            confirm_button.mark("control-confirm")
    dialog.open()
    return dialog
