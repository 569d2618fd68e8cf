"""Account management (admin): list, create, unlock (ends the delay after failed passwords),
deactivate or reactivate with a reason."""

from __future__ import annotations

from datetime import datetime

from nicegui import run, ui

from chemo_fallback.auth import accounts, throttle
from chemo_fallback.auth.roles import ROLE_LABELS, Permission, Role
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.busy import disabled

COLUMNS = [
    {"name": "username", "label": "Identifiant", "field": "username", "align": "left"},
    {"name": "name", "label": "Nom", "field": "name", "align": "left"},
    {"name": "role", "label": "Rôle", "field": "role", "align": "left"},
    {"name": "status", "label": "État", "field": "status", "align": "left"},
]


def _status(user: accounts.User, streak: throttle.Streak | None, now: datetime) -> str:
    if not user.active:
        return "désactivé"
    if user.is_locked(now):
        return f"verrouillé jusqu'à {user.locked_until:%H:%M}"
    status = "actif" + (" (démo)" if user.demo else "")
    if streak is not None and not streak.is_over(now):
        status += f" — {streak.failures} échec(s) de mot de passe à la suite"
        if wait := streak.wait_seconds(now):
            status += f", prochain essai dans {throttle.duration_text(wait)}"
    return status


def register() -> None:
    @protected_page("/admin/comptes", Permission.USERS_MANAGE, "Comptes utilisateurs")
    def users_page(user: accounts.User) -> None:
        store = state.current().store
        table = (
            ui.table(columns=COLUMNS, rows=[], row_key="username", selection="single")
            .classes("w-full")
            .mark("users-table")
        )

        def refresh() -> None:
            now, streaks = datetime.now(), accounts.throttled(store, user.actor)
            table.rows = [
                {
                    "username": u.username,
                    "name": u.display_name,
                    "role": ROLE_LABELS[Role(u.role)],
                    "status": _status(u, streaks.get(u.username), now),
                }
                for u in accounts.list_users(store, user.actor)
            ]

        async def act(change) -> None:
            if not all(button.enabled for button in actions):
                return  # the first click of a double click is still at work
            if not table.selected:
                ui.notify("Choisissez d'abord un compte dans la liste.", type="warning")
                return
            async with disabled(*actions):  # a double click changes the account once
                try:
                    await run.io_bound(change, table.selected[0]["username"])
                except ChemoFallbackError as exc:
                    ui.notify(str(exc), type="negative", multi_line=True)
                    return
            table.selected = []
            refresh()
            ui.notify("Modification enregistrée.", type="positive")

        reason = (
            ui.input("Motif (obligatoire pour désactiver ou réactiver)")
            .classes("w-96")
            .mark("reason")
        )
        with ui.row():
            unlock = ui.button(
                "Déverrouiller",
                icon="lock_open",
                on_click=lambda: act(lambda name: accounts.unlock(store, user.actor, name)),
            ).mark("unlock")
            unlock.tooltip(
                "Efface le délai d'attente imposé après des mots de passe erronés (et un "
                "verrouillage éventuel)"
            )
            deactivate = ui.button(
                "Désactiver",
                icon="person_off",
                on_click=lambda: act(
                    lambda name: accounts.set_active(
                        store, user.actor, name, False, reason.value or ""
                    )
                ),
            ).mark("deactivate")
            reactivate = ui.button(
                "Réactiver",
                icon="person",
                on_click=lambda: act(
                    lambda name: accounts.set_active(
                        store, user.actor, name, True, reason.value or ""
                    )
                ),
            ).mark("reactivate")
        actions = (unlock, deactivate, reactivate)

        ui.label("Nouveau compte").classes("text-xl font-bold")
        with ui.row().classes("items-end gap-4"):
            username = ui.input("Identifiant").mark("new-username")
            display = ui.input("Prénom et nom").mark("new-name")
            role = (
                ui.select(
                    {r.value: ROLE_LABELS[r] for r in Role},
                    label="Rôle",
                    value=Role.PHARMACIST.value,
                )
                .classes("w-56")
                .mark("new-role")
            )
            password = ui.input("Mot de passe initial", password=True).mark("new-password")
        ui.label(
            "Mot de passe : au moins 12 caractères mêlant minuscules, majuscules, chiffres et "
            "caractères spéciaux (recommandation CNIL)."
        ).classes("text-sm text-gray-600")

        async def create() -> None:
            async with disabled(create_button):  # a double click creates one account
                await _create()

        async def _create() -> None:
            try:
                created = await run.io_bound(
                    accounts.create_user,
                    store,
                    user.actor,
                    username.value or "",
                    display.value or "",
                    role.value or "",
                    password.value or "",
                )
            except ChemoFallbackError as exc:
                ui.notify(str(exc), type="negative", multi_line=True)
                return
            for field in (username, display, password):
                field.value = ""
            refresh()
            ui.notify(f"Compte « {created.username} » créé.", type="positive")

        create_button = ui.button("Créer le compte", icon="person_add", on_click=create)
        create_button.mark("create-user")
        refresh()
