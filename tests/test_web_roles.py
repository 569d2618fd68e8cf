"""Each role sees only its menu entries, and every other page is refused on the server."""

from __future__ import annotations

import pytest
from nicegui import Client
from nicegui.testing import User
from web_helpers import sign_in

from chemo_fallback.auth.roles import Role, allowed
from chemo_fallback.web import state
from chemo_fallback.web.frame import MENU

DENIED = "Accès refusé : cette page n'est pas ouverte à votre rôle."


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


@pytest.mark.parametrize("role", list(Role))
async def test_menu_and_pages_follow_the_role(user: User, app_state, role: Role) -> None:
    await sign_in(user, app_state.store, role.value)
    for _path, label, _icon, permission in MENU:
        if allowed(role, permission):
            await user.should_see(marker=f"menu-{label}")
        else:
            await user.should_not_see(marker=f"menu-{label}")
    for path, _label, _icon, permission in MENU:
        await user.open(path)
        if allowed(role, permission):
            await user.should_not_see(DENIED)
        else:
            await user.should_see(DENIED)


async def test_every_page_without_parameters_is_in_the_menu(user: User, app_state) -> None:
    await user.open("/login")  # the pages are registered by the app's main file
    reachable = {
        path: func.required_permission
        for func, path in Client.page_routes.items()
        if hasattr(func, "required_permission") and "{" not in path
    }
    assert reachable, "no protected page registered"
    assert {path: permission for path, _l, _i, permission in MENU} == reachable
