"""The session identifier changes at sign-in and after a sign-out (issue 11, item 3), with
NiceGUI's `user` fixture (its HTTP client follows the sign-in's redirect and keeps the new
cookie). The same in a real browser: tests/test_i11_signin_browser.py."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from nicegui import app, core
from nicegui.testing import User
from web_helpers import PASSWORD, SLOW, create_account, follow_session

from chemo_fallback.web import session, state
from chemo_fallback.web.login_page import UNFINISHED


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


def _session_id(user: User) -> str:
    return user.client.request.session["id"]


def _signed_in(session_id: str) -> str | None:
    storage = app.storage._users.get(session_id)
    return None if storage is None else storage.get("username")


def _logins(store) -> int:
    sql = "SELECT count(*) FROM audit_log WHERE action = 'auth.login'"
    return store.cursor().execute(sql).fetchone()[0]


async def _sign_in_from_the_form(user: User, username: str) -> None:
    user.find(marker="username").type(username)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(marker="current-user", retries=SLOW)
    follow_session(user)


def _browser_with(cookies: httpx.Cookies) -> User:
    """Another browser holding the same cookies (an attacker who planted or copied them)."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(core.app), base_url="http://test", cookies=cookies
    )
    return User(client)


async def test_sign_in_gives_the_browser_a_new_session_identifier(user: User, app_state) -> None:
    create_account(app_state.store, "pharmacist")
    await user.open("/login")
    planted_id, planted_cookie = _session_id(user), user.http_client.cookies["session"]
    await _sign_in_from_the_form(user, "pharmacist")
    assert _session_id(user) != planted_id
    assert user.http_client.cookies["session"] != planted_cookie
    assert _signed_in(_session_id(user)) == "pharmacist"
    assert _signed_in(planted_id) is None  # the identifier known before sign-in is not


async def test_a_cookie_planted_before_sign_in_is_not_signed_in(user: User, app_state) -> None:
    create_account(app_state.store, "pharmacist")
    await user.open("/login")
    attacker = _browser_with(httpx.Cookies(user.http_client.cookies))  # before the sign-in
    await _sign_in_from_the_form(user, "pharmacist")
    await attacker.open("/admin/audit")
    await attacker.should_not_see(marker="current-user")
    await attacker.should_not_see(marker="audit-table")
    await user.open("/")
    await user.should_see(marker="current-user")  # the real user still is


async def test_after_sign_out_the_old_identifier_is_not_signed_in(user: User, app_state) -> None:
    create_account(app_state.store, "pharmacist")
    await user.open("/login")
    await _sign_in_from_the_form(user, "pharmacist")
    signed_id = _session_id(user)
    copied = _browser_with(httpx.Cookies(user.http_client.cookies))  # copied while signed in
    user.find(marker="sign-out").click()
    await user.should_see(marker="sign-in", retries=SLOW)
    assert _signed_in(signed_id) is None
    assert _session_id(user) != signed_id  # the sign-in page gave a new identifier
    await copied.open("/")
    await copied.should_not_see(marker="current-user")


async def test_the_sign_in_link_works_once_and_in_its_own_browser(
    user: User, app_state, monkeypatch
) -> None:
    create_account(app_state.store, "pharmacist")
    links: list[str] = []
    real_sign_in = session.sign_in

    def keep(account, target: str) -> str:
        links.append(real_sign_in(account, target))
        return links[-1]

    monkeypatch.setattr(session, "sign_in", keep)
    await user.open("/login")
    other = _browser_with(httpx.Cookies())
    await other.open("/login")
    await _sign_in_from_the_form(user, "pharmacist")
    # the same link again, in the same browser: used already
    await user.open(links[0])
    await user.should_see(UNFINISHED)
    # a link opened in another browser (its session identifier differs): refused
    await _sign_in_from_the_form_of(user, links)
    await other.open(links[-1])
    await other.should_see(UNFINISHED)
    await other.should_not_see(marker="current-user")


async def _sign_in_from_the_form_of(user: User, links: list[str]) -> None:
    """Type the right password but keep the browser from opening its sign-in link."""
    navigated: list[str] = []
    original = user.navigate.to
    user.navigate.to = lambda target, new_tab=False: navigated.append(target)
    try:
        await user.open("/login")
        user.find(marker="username").type("pharmacist")
        user.find(marker="password").type(PASSWORD)
        user.find(marker="sign-in").click()
        for _ in range(SLOW):
            if navigated:
                break
            await asyncio.sleep(0.1)
    finally:
        user.navigate.to = original
    assert navigated == [links[-1]]


async def test_a_double_click_on_sign_in_checks_the_password_once(user: User, app_state) -> None:
    create_account(app_state.store, "pharmacist")
    await user.open("/login")
    user.find(marker="username").type("pharmacist")
    user.find(marker="password").type(PASSWORD)
    button = user.find(marker="sign-in")
    button.click()
    button.click()
    await user.should_see(marker="current-user", retries=SLOW)
    await asyncio.sleep(0.5)
    assert _logins(app_state.store) == 1


async def test_a_double_click_on_unlock_unlocks_once(user: User, app_state) -> None:
    from chemo_fallback.auth import accounts

    create_account(app_state.store, "nurse", "ide1")
    for _ in range(3):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(app_state.store, "ide1", "mauvais")
    await user.open("/login")
    await _sign_in_from_the_form(user, create_account(app_state.store, "admin").username)
    await user.open("/admin/comptes")
    [table] = user.find(marker="users-table").elements
    table.selected = [r for r in table.rows if r["username"] == "ide1"]
    button = user.find(marker="unlock")
    button.click()
    button.click()
    await user.should_see("Modification enregistrée.", retries=SLOW)
    await asyncio.sleep(0.3)
    sql = "SELECT count(*) FROM audit_log WHERE action = 'user.unlocked'"
    assert app_state.store.cursor().execute(sql).fetchone()[0] == 1
