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
from chemo_fallback.web.frame import frame

IDLE_CHECK_SECONDS = 30
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
            ui.add_body_html(ACTIVITY_SCRIPT)
            ui.timer(IDLE_CHECK_SECONDS, watch_idleness, immediate=False).mark("idle-watch")
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
