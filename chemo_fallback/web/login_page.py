"""The sign-in page (public). In demo mode it lists the demo accounts."""

from __future__ import annotations

import re

from nicegui import run, ui

from chemo_fallback.auth import accounts
from chemo_fallback.auth.demo import DEMO_ACCOUNTS
from chemo_fallback.auth.roles import ROLE_LABELS, Role
from chemo_fallback.web import session, state
from chemo_fallback.web.frame import audit_alarm, demo_banner


def _demo_accounts() -> None:
    with ui.card().classes("w-full").mark("demo-accounts"):
        ui.label("Comptes de démonstration").classes("font-bold")
        rows = [
            {"role": ROLE_LABELS[Role(role)], "username": username, "password": password}
            for username, _name, role, password in DEMO_ACCOUNTS
        ]
        ui.table(
            columns=[
                {"name": "role", "label": "Rôle", "field": "role", "align": "left"},
                {"name": "username", "label": "Identifiant", "field": "username", "align": "left"},
                {"name": "password", "label": "Mot de passe", "field": "password", "align": "left"},
            ],
            rows=rows,
        ).props("dense flat").classes("w-full")


SAFE_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?=&+:@,;!-]*$")


def safe_next(asked: str | None) -> str:
    """Where to go after sign-in: a path of this app only. "//host", "/\\host", a scheme, a
    backslash or a control character anywhere (browsers read "/\\127.0.0.2/x" as another
    host) send to the home page instead."""
    if not asked or not SAFE_PATH.match(asked) or "\\" in asked:
        return "/"
    return asked


def register() -> None:
    @ui.page("/login")
    def login_page(suivant: str = "/") -> None:
        ui.page_title("Connexion — chemo-fallback")
        demo_banner()
        audit_alarm()
        target = safe_next(suivant)
        with ui.column().classes("w-full max-w-xl mx-auto p-8 gap-4"):
            ui.label("chemo-fallback").classes("text-3xl font-bold")
            ui.label("Secours de l'unité de préparation des chimiothérapies")
            if session.session_expired():
                ui.label("Session expirée après inactivité : reconnectez-vous.").classes(
                    "text-orange-700"
                ).mark("session-expired")
            if ended := session.session_ended():
                ui.label(ended).classes("text-red-700 font-bold").mark("session-ended")
            username = ui.input("Identifiant").props("autofocus").classes("w-full").mark("username")
            password = (
                ui.input("Mot de passe", password=True, password_toggle_button=True)
                .classes("w-full")
                .mark("password")
            )
            message = ui.label("").classes("text-red-700").mark("login-error")

            async def submit() -> None:
                store = state.current().store
                try:
                    user = await run.io_bound(
                        accounts.authenticate, store, username.value or "", password.value or ""
                    )
                except accounts.AuthError as exc:
                    message.text = str(exc)
                    password.value = ""
                    return
                if user.demo and not state.current().demo:
                    message.text = "Compte de démonstration : inutilisable hors mode démo."
                    return
                session.sign_in(user)
                ui.navigate.to(target)

            password.on("keydown.enter", submit)
            ui.button("Se connecter", on_click=submit).classes("w-full").mark("sign-in")
            if state.current().demo:
                _demo_accounts()
