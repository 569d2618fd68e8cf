"""The sign-in page (public). In demo mode it lists the demo accounts."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, run, ui

from chemo_fallback.auth import accounts
from chemo_fallback.auth.demo import DEMO_ACCOUNTS
from chemo_fallback.auth.roles import ROLE_LABELS, Role
from chemo_fallback.web import session, state
from chemo_fallback.web.busy import disabled
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


UNFINISHED = (
    "La connexion n'a pas abouti (lien de connexion expiré ou déjà utilisé, ou ouvert dans "
    "un autre navigateur) : saisissez de nouveau votre identifiant et votre mot de passe."
)
SAFE_PATH = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.~%?=&+:@,;!-]*$")


def safe_next(asked: str | None) -> str:
    """Where to go after sign-in: a path of this app only. "//host", "/\\host", a scheme, a
    backslash or a control character anywhere (browsers read "/\\127.0.0.2/x" as another
    host) send to the home page instead."""
    if not asked or not SAFE_PATH.match(asked) or "\\" in asked:
        return "/"
    return asked


# Where a role lands when it asked for no page in particular: its day's work (the prescriber's
# list shows the day's prescriptions and the pharmacists' requests for a change).
ROLE_HOME = {
    "prescriber": "/prescriptions",
    "pharmacist": "/validation",
    "preparer": "/fabrication",
    "nurse": "/administration",
    "buyer": "/achats",
    "admin": "/tableau-de-bord",
}


def landing(role: str, target: str) -> str:
    return ROLE_HOME.get(role, "/") if target == "/" else target


def register() -> None:
    @app.get(session.ROTATE_PATH, include_in_schema=False)
    async def finish_sign_in(request: Request, jeton: str = "") -> RedirectResponse:
        """The second half of a sign-in: a new session identifier, then the page asked for."""
        target = await session.finish_sign_in(request, jeton)
        if target is None:  # a token used, expired, or from another browser
            return RedirectResponse("/login?erreur=session", status_code=303)
        return RedirectResponse(target, status_code=303)

    @ui.page("/login")
    async def login_page(request: Request, suivant: str = "/", erreur: str = "") -> None:
        await session.renew_after_sign_out(request)  # before anything reads the storage
        ui.page_title("Connexion — chemo-fallback")
        demo_banner()
        audit_alarm()
        target = safe_next(suivant)
        address = ui.context.client.ip or None
        with ui.column().classes("w-full max-w-xl mx-auto p-8 gap-4"):
            ui.label("chemo-fallback").classes("text-3xl font-bold")
            ui.label("Secours de l'unité de préparation des chimiothérapies")
            if session.session_expired():
                ui.label("Session expirée après inactivité : reconnectez-vous.").classes(
                    "text-orange-700"
                ).mark("session-expired")
            if ended := session.session_ended():
                ui.label(ended).classes("text-red-700 font-bold").mark("session-ended")
            if erreur == "session":
                ui.label(UNFINISHED).classes("text-red-700").mark("sign-in-unfinished")
            username = ui.input("Identifiant").props("autofocus").classes("w-full").mark("username")
            password = (
                ui.input("Mot de passe", password=True, password_toggle_button=True)
                .classes("w-full")
                .mark("password")
            )
            message = ui.label("").classes("text-red-700").mark("login-error")

            async def submit() -> None:
                if button.enabled:  # a double click, or Enter twice, checks the password once
                    async with disabled(button):
                        await _submit()

            async def _submit() -> None:
                store = state.current().store
                try:
                    user = await run.io_bound(
                        accounts.authenticate,
                        store,
                        username.value or "",
                        password.value or "",
                        address=address,
                    )
                except accounts.AuthError as exc:
                    message.text = str(exc)
                    password.value = ""
                    return
                if user.demo and not state.current().demo:
                    message.text = "Compte de démonstration : inutilisable hors mode démo."
                    return
                ui.navigate.to(session.sign_in(user, landing(user.role, target)))

            password.on("keydown.enter", submit)
            button = ui.button("Se connecter", on_click=submit).classes("w-full").mark("sign-in")
            if state.current().demo:
                _demo_accounts()
