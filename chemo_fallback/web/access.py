"""Pages open only to signed-in users whose role has the page's permission (deny by default).

The check runs on the server for every page load; services check permissions again for every
action, so a hidden button is never the only barrier.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from urllib.parse import quote

from nicegui import ui

from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.web import session
from chemo_fallback.web.frame import audit_alarm, demo_banner, frame

IDLE_CHECK_SECONDS = 30
ACCOUNT_CHECK_SECONDS = 3  # a locked or deactivated account's open pages close this fast
# The browser notes the time of the user's last key press or click; the server asks for it.
ACTIVITY_SCRIPT = """<script>
window.cfLastInput = Date.now();
for (const kind of ["pointerdown", "keydown"]) {
  document.addEventListener(kind, () => { window.cfLastInput = Date.now(); }, true);
}
</script>"""


async def watch_idleness() -> None:
    """Sign out a page left idle; a page in use keeps its session alive."""
    try:
        idle_ms = await ui.run_javascript("Date.now() - window.cfLastInput", timeout=5)
    except TimeoutError:
        return  # the browser did not answer (closed, asleep): the next page load decides
    if not session.still_signed_in(float(idle_ms) / 1000):
        ui.navigate.to("/login")


def watch_account() -> None:
    """End the session of an open page whose account was locked or deactivated meanwhile."""
    if not session.account_still_allowed():
        ui.navigate.to("/login")


def _watch_session() -> None:
    ui.add_body_html(ACTIVITY_SCRIPT)
    ui.timer(IDLE_CHECK_SECONDS, watch_idleness, immediate=False).mark("idle-watch")
    ui.timer(ACCOUNT_CHECK_SECONDS, watch_account, immediate=False).mark("account-watch")


def not_found_page(path: str) -> None:
    """The French "page introuvable": inside the frame for a signed-in user; for anyone else,
    a page that leads to the sign-in (no menu: nothing is shown before signing in)."""
    asked = f"L'adresse demandée « {path} » n'existe pas dans l'application."
    user = session.current_user()
    if user is None:
        ui.page_title("Page introuvable — chemo-fallback")
        demo_banner()
        audit_alarm()
        with ui.column().classes("w-full max-w-xl mx-auto p-8 gap-4"):
            ui.label("chemo-fallback").classes("text-3xl font-bold")
            ui.label("Page introuvable").classes("text-2xl font-bold").mark("not-found")
            ui.label(asked).classes("break-all").mark("not-found-path")
            ui.label("Vérifiez l'adresse, ou connectez-vous pour retrouver le menu.")
            ui.link("Aller à la page de connexion", "/login").mark("not-found-login")
        return
    _watch_session()
    with frame("Page introuvable", user):
        ui.label(asked).classes("break-all").mark("not-found-path")
        ui.label("Vérifiez l'adresse, ou choisissez une page dans le menu.")
        ui.link("Retour à la page d'accueil", "/").mark("not-found-home")


def protected_page(path: str, permission: Permission, title: str) -> Callable:
    """Register `body(user, **path_parameters)` as the page at `path`, inside the frame."""

    def decorator(body: Callable) -> Callable:
        def page(**kwargs):
            user = session.current_user()
            if user is None:
                url = ui.context.client.request.url  # the real address, not the route template
                target = url.path + (f"?{url.query}" if url.query else "")
                ui.navigate.to(f"/login?suivant={quote(target, safe='')}")
                return
            _watch_session()
            with frame(title, user):
                if not allowed(user.role, permission):
                    ui.label("Accès refusé : cette page n'est pas ouverte à votre rôle.").classes(
                        "text-lg text-red-700"
                    ).mark("access-denied")
                    return
                body(user, **kwargs)

        parameters = list(inspect.signature(body).parameters.values())[1:]
        page.__signature__ = inspect.Signature(parameters)
        page.__name__ = body.__name__
        page.required_permission = permission  # read by the menu's completeness test
        ui.page(path)(page)
        return body

    return decorator
