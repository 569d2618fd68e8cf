"""Signing in and out, as a user does it (NiceGUI's `user` fixture)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from nicegui import app
from nicegui.testing import User
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback.auth import accounts
from chemo_fallback.auth.accounts import AuthError
from chemo_fallback.auth.demo import ensure_demo_accounts
from chemo_fallback.web import state


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def _type_credentials(user: User, username: str, password: str) -> None:
    user.find(marker="username").type(username)
    user.find(marker="password").type(password)
    user.find(marker="sign-in").click()


async def test_pages_need_a_signed_in_user(user: User, app_state) -> None:
    await user.open("/")
    await user.should_see(marker="sign-in")
    await user.should_not_see(marker="current-user")


async def test_sign_in_shows_the_user_and_role_then_sign_out(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "pharmacist")
    await user.should_see("Test pharmacist — pharmacien")
    await user.should_see(marker="menu-Instantané")
    user.find(marker="sign-out").click()
    await user.should_see(marker="sign-in")
    await user.open("/")
    await user.should_see(marker="sign-in")


async def test_wrong_password_then_a_delay_never_a_lock(user: User, app_state) -> None:
    create_account(app_state.store, "nurse")
    await user.open("/login")
    await _type_credentials(user, "nurse", "pas le bon")
    await user.should_see("Identifiant ou mot de passe incorrect.", retries=SLOW)
    for _ in range(2):  # e.g. from another workstation: the third failure starts the delay
        with pytest.raises(AuthError):
            accounts.authenticate(app_state.store, "nurse", "pas le bon")
    user.find(marker="password").type(PASSWORD)  # even the right one waits, unchecked
    user.find(marker="sign-in").click()
    await user.should_see("Trop d'essais : réessayez dans 2 secondes.", retries=SLOW)
    await user.should_not_see(marker="current-user")
    await asyncio.sleep(2.1)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(marker="current-user", retries=SLOW)


async def test_idle_session_expires(user: User, app_state) -> None:
    await sign_in(user, app_state.store)
    app.storage.user["last_seen"] = (datetime.now() - timedelta(minutes=16)).isoformat()
    await user.open("/")
    await user.should_see("Session expirée après inactivité : reconnectez-vous.")
    await user.should_not_see(marker="current-user")


async def test_demo_accounts_are_listed_only_in_demo_mode(user: User, app_state) -> None:
    await user.open("/login")
    await user.should_not_see(marker="demo-accounts")
    app_state.demo = True
    ensure_demo_accounts(app_state.store)
    await user.open("/login")
    await user.should_see(marker="demo-accounts")
    await user.should_see("DÉMO — données fictives, ne pas utiliser pour un patient")
    await _type_credentials(user, "pharmacien", "Demo-Pharma-2026!")
    await user.should_see("Paul Garnier — pharmacien", retries=SLOW)


async def test_demo_accounts_do_not_work_outside_demo_mode(user: User, app_state) -> None:
    ensure_demo_accounts(app_state.store)
    await user.open("/login")
    await _type_credentials(user, "pharmacien", "Demo-Pharma-2026!")
    await user.should_see("Compte de démonstration : inutilisable hors mode démo.", retries=SLOW)
    await user.should_not_see(marker="current-user")


async def test_a_broken_audit_trail_is_shown_loudly(user: User, app_state) -> None:
    create_account(app_state.store, "admin")
    app_state.store.cursor().execute("UPDATE audit_log SET actor = 'x' WHERE audit_id = 1")
    from chemo_fallback import audit

    app_state.store.audit_check = audit.verify(app_state.store.cursor())
    await user.open("/login")
    await user.should_see("PISTE D'AUDIT ROMPUE à l'enregistrement n° 1")


async def _run_idle_watch(user: User, idle_ms: int) -> None:
    user.javascript_rules[re.compile(r".*cfLastInput.*")] = lambda _: idle_ms
    [timer] = user.find(marker="idle-watch").elements
    with timer.parent_slot:  # as NiceGUI does when the timer fires
        await timer.callback()


async def test_a_page_in_use_keeps_the_session(user: User, app_state) -> None:
    await sign_in(user, app_state.store)
    app.storage.user["last_seen"] = (datetime.now() - timedelta(minutes=14)).isoformat()
    await _run_idle_watch(user, idle_ms=5_000)  # the user clicked 5 s ago
    await user.open("/")
    await user.should_see(marker="current-user")


async def test_a_page_left_idle_signs_out(user: User, app_state) -> None:
    await sign_in(user, app_state.store)
    await _run_idle_watch(user, idle_ms=16 * 60 * 1000)
    await user.should_see("Session expirée après inactivité : reconnectez-vous.")
    await user.should_not_see(marker="current-user")


async def test_the_return_address_never_leaves_the_site(user: User, app_state) -> None:
    create_account(app_state.store, "admin")
    await user.open("/login?suivant=//exemple.org/piege")
    await _type_credentials(user, "admin", PASSWORD)
    await user.should_see(marker="current-user", retries=SLOW)
    # no page of this site was asked: the admin's home (login_page.ROLE_HOME), on this site
    assert user.client.request.url.path == "/tableau-de-bord"
