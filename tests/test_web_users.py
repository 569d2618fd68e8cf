"""Account management in the UI (admin only)."""

from __future__ import annotations

import asyncio

import pytest
from nicegui.testing import User
from web_helpers import SLOW, create_account, sign_in

from chemo_fallback.auth import accounts
from chemo_fallback.web import state


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def _rows(user: User) -> dict[str, dict]:
    [table] = user.find(marker="users-table").elements
    return {r["username"]: r for r in table.rows}


async def _status_becomes(user: User, username: str, status: str) -> None:
    for _ in range(SLOW):  # the change runs in a worker thread
        if _rows(user)[username]["status"] == status:
            return
        await asyncio.sleep(0.1)
    assert _rows(user)[username]["status"] == status


async def test_admin_creates_an_account(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/comptes")
    user.find(marker="new-username").type("mdupont")
    user.find(marker="new-name").type("Marie Dupont")
    user.find(marker="new-password").type("faible")
    user.find(marker="create-user").click()
    await user.should_see("Mot de passe trop faible", retries=SLOW)
    assert "mdupont" not in _rows(user)
    user.find(marker="new-password").type("Cytotox-2026!")
    user.find(marker="create-user").click()
    await user.should_see("Compte « mdupont » créé.", retries=SLOW)
    assert _rows(user)["mdupont"]["role"] == "pharmacien"


async def test_admin_deactivates_with_a_reason_and_unlocks(user: User, app_state) -> None:
    create_account(app_state.store, "nurse", "ide1")
    for _ in range(3):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(app_state.store, "ide1", "mauvais")
    await sign_in(user, app_state.store, "admin")
    await user.open("/admin/comptes")
    assert _rows(user)["ide1"]["status"].startswith(
        "actif — 3 échec(s) de mot de passe à la suite"
    )
    [table] = user.find(marker="users-table").elements
    table.selected = [_rows(user)["ide1"]]
    user.find(marker="unlock").click()
    await user.should_see("Modification enregistrée.")
    await _status_becomes(user, "ide1", "actif")
    table.selected = [_rows(user)["ide1"]]
    user.find(marker="deactivate").click()
    await user.should_see("Indiquez le motif")
    user.find(marker="reason").type("fin de contrat")
    table.selected = [_rows(user)["ide1"]]
    user.find(marker="deactivate").click()
    await _status_becomes(user, "ide1", "désactivé")
    reason = app_state.store.cursor().execute(
        "SELECT reason FROM audit_log WHERE action = 'user.deactivated'"
    ).fetchone()
    assert reason == ("fin de contrat",)


async def test_a_nurse_is_refused_the_accounts_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    await user.open("/admin/comptes")
    await user.should_see("Accès refusé : cette page n'est pas ouverte à votre rôle.")
    await user.should_not_see(marker="users-table")
