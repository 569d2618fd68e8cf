"""A signature is not a sign-in (issue 10, item 6): its own audit actions, failures counted in
the same streak and delay as sign-in failures (issue 11: a delay, no lock any more), and a
locked or deactivated account's open sessions end at once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from nicegui import ui
from nicegui.testing import User
from web_helpers import PASSWORD, SLOW, create_account, sign_in

from chemo_fallback import audit
from chemo_fallback.auth import accounts, throttle
from chemo_fallback.auth.signature import Meaning, confirm_signer, record_signature
from chemo_fallback.web import state
from chemo_fallback.web.signature_dialog import open_signature_dialog

CLI = audit.command_line_actor()


def _actions(store) -> list[str]:
    rows = store.cursor().execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()
    return [r[0] for r in rows]


def _reload(store, username: str) -> accounts.User:
    found = accounts.find_user(store, username)
    assert found is not None
    return found


def _failures(store, username: str) -> int:
    streak = throttle.account_streaks(store.cursor()).get(username)
    return streak.failures if streak else 0


def _lock(store, username: str, minutes: int = 15) -> None:
    """An account locked by an administrator, or a lock left by an earlier version (nothing
    locks an account automatically any more)."""
    until = datetime.now() + timedelta(minutes=minutes)
    with store.transaction() as cur:
        cur.execute("UPDATE users SET locked_until = ? WHERE username = ?", [until, username])
        audit.record(cur, CLI, "auth.locked", "user", username, after={"locked_until": until})


def test_a_right_signature_password_writes_no_login_record(store) -> None:
    signer = create_account(store, "pharmacist")
    before = _actions(store)
    confirm_signer(store, signer, PASSWORD)
    assert _actions(store) == before  # nothing: the signed change writes its "signature"
    with store.transaction() as cur:
        record_signature(cur, signer, Meaning.VALIDATED, "prescription", "RX1")
    assert _actions(store) == [*before, "signature"]
    assert "auth.login" not in _actions(store)


def test_a_wrong_signature_password_is_a_failed_signature_not_a_failed_login(store) -> None:
    signer = create_account(store, "pharmacist")
    wrong = r"^Signature refusée : mot de passe incorrect\."
    with pytest.raises(accounts.AuthError, match=wrong) as caught:
        confirm_signer(store, signer, "pas le bon")
    assert caught.value.code == "password_wrong"
    assert _actions(store)[-1] == "signature.failed"
    assert "auth.login_failed" not in _actions(store)
    assert _failures(store, "pharmacist") == 1
    assert audit.verify(store.cursor()).ok


def test_failed_signatures_make_the_next_one_wait_never_lock(store) -> None:
    signer = create_account(store, "pharmacist")
    for _ in range(2):
        with pytest.raises(accounts.AuthError, match=r"mot de passe de connexion\.$"):
            confirm_signer(store, signer, "pas le bon")
    with pytest.raises(accounts.AuthError, match="prochain essai possible dans 2 secondes"):
        confirm_signer(store, signer, "pas le bon")
    with pytest.raises(accounts.AuthError, match=r"trop d'essais .* réessayez dans") as caught:
        confirm_signer(store, signer, PASSWORD)  # even the right password waits
    assert caught.value.code == "too_many_attempts"
    assert _actions(store)[1:] == ["signature.failed"]  # one record for the streak so far
    assert _failures(store, "pharmacist") == 3  # the refused attempt did not count
    assert not _reload(store, "pharmacist").is_locked()
    later = datetime.now() + timedelta(seconds=3)
    accounts.check_password(store, "pharmacist", PASSWORD, accounts.SIGNATURE, later)


def test_failed_logins_and_signatures_share_one_streak(store) -> None:
    signer = create_account(store, "pharmacist")
    for _ in range(2):
        with pytest.raises(accounts.AuthError):
            accounts.authenticate(store, "pharmacist", "pas le bon")
    with pytest.raises(accounts.AuthError, match=r"connexion ou signature.*dans 2 secondes"):
        confirm_signer(store, signer, "pas le bon")
    with pytest.raises(accounts.AuthError, match="Trop d'essais"):
        accounts.authenticate(store, "pharmacist", PASSWORD)
    [streak] = throttle.account_streaks(store.cursor()).values()
    assert (streak.failures, streak.signature_failures) == (3, 1)


def test_a_deactivated_account_cannot_sign(store) -> None:
    signer = create_account(store, "pharmacist")
    accounts.set_active(store, CLI, "pharmacist", False, "départ du service")
    with pytest.raises(accounts.AuthError, match="compte est désactivé") as caught:
        confirm_signer(store, signer, PASSWORD)
    assert caught.value.code == "account_inactive"
    assert _actions(store)[-1] == "signature.failed"


def test_an_account_locked_after_the_password_was_typed_signs_nothing(store) -> None:
    signer = create_account(store, "pharmacist")
    confirm_signer(store, signer, PASSWORD)
    _lock(store, "pharmacist")  # meanwhile, by an administrator
    with pytest.raises(accounts.AuthError, match="compte verrouillé"), store.transaction() as cur:
        record_signature(cur, signer, Meaning.VALIDATED, "prescription", "RX1")
    assert store.cursor().execute("SELECT count(*) FROM signatures").fetchone() == (0,)


def test_a_completed_signature_ends_the_streak_and_says_so(store) -> None:
    signer = create_account(store, "pharmacist")
    for _ in range(2):
        with pytest.raises(accounts.AuthError):
            confirm_signer(store, signer, "pas le bon")
    confirm_signer(store, signer, PASSWORD)
    with store.transaction() as cur:
        record_signature(cur, signer, Meaning.VALIDATED, "prescription", "RX1")
    assert _failures(store, "pharmacist") == 0
    rows = (
        store.cursor()
        .execute("SELECT action, after_json, reason FROM audit_log ORDER BY audit_id DESC LIMIT 2")
        .fetchall()
    )
    assert [r[0] for r in rows] == ["signature", "auth.login_failures"]
    assert '"count": 2' in rows[1][1] and '"signature_failures": 2' in rows[1][1]
    assert rows[1][2] == "série close : signature"
    assert audit.verify(store.cursor()).ok


def test_a_locked_or_deactivated_account_records_nothing_at_all(store) -> None:
    """Every action re-checks its actor where it is audited, in the change's transaction."""
    nurse = create_account(store, "nurse")
    _lock(store, "nurse")
    with (
        pytest.raises(audit.ActorRefused, match="verrouillé") as caught,
        store.transaction() as cur,
    ):
        cur.execute("UPDATE users SET display_name = 'x' WHERE username = 'nurse'")
        audit.record(cur, nurse.actor, "note.added", "note", "1")
    assert caught.value.code == "account_locked"
    assert _reload(store, "nurse").display_name == "Test nurse"  # rolled back
    accounts.unlock(store, CLI, "nurse")
    accounts.set_active(store, CLI, "nurse", False, "départ")
    with pytest.raises(audit.ActorRefused, match="désactivé"), store.transaction() as cur:
        audit.record(cur, nurse.actor, "note.added", "note", "1")
    with store.transaction() as cur:  # the command line is not an account: it still acts
        audit.record(cur, CLI, "user.activated", "user", "nurse")
    assert audit.verify(store.cursor()).ok


@pytest.fixture
def app_state(store):
    installed = state.AppState(store=store)
    state.install(installed)
    return installed


async def test_an_open_page_closes_when_the_account_is_locked(user: User, app_state) -> None:
    signer = await sign_in(user, app_state.store, "pharmacist")
    await user.open("/")
    await user.should_see(marker="current-user")
    _lock(app_state.store, signer.username)  # by an administrator, on another workstation
    # No click, no page load: the open page ends its session by itself within seconds.
    await user.should_see("Session fermée : votre compte est verrouillé jusqu'à", retries=80)
    await user.should_not_see(marker="current-user")
    await user.open("/")
    await user.should_see(marker="sign-in")
    await user.should_not_see(marker="current-user")


async def test_an_open_page_closes_when_the_account_is_deactivated(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    accounts.set_active(app_state.store, CLI, "nurse", False, "départ du service")
    await user.should_see("Session fermée : votre compte a été désactivé.", retries=80)
    await user.should_not_see(marker="current-user")


async def test_a_page_load_after_the_lock_goes_to_the_sign_in_page(user: User, app_state) -> None:
    await sign_in(user, app_state.store, "nurse")
    _lock(app_state.store, "nurse")
    await user.open("/patients")
    await user.should_see("Session fermée : votre compte est verrouillé")
    await user.should_not_see(marker="current-user")


async def test_failed_signatures_in_the_dialog_wait_and_keep_the_session(
    user: User, app_state
) -> None:
    signer = await sign_in(user, app_state.store, "pharmacist")
    signed: list[str] = []

    @ui.page("/essai-signature-i10")
    def page() -> None:
        ui.button(
            "Valider",
            on_click=lambda: open_signature_dialog(
                signer, Meaning.VALIDATED, "Validation de RX1", lambda: signed.append("RX1")
            ),
        ).mark("validate")

    await user.open("/essai-signature-i10")
    user.find(marker="validate").click()
    await user.should_see(marker="signature-password", retries=SLOW)  # opens after its checks
    for _ in range(2):
        user.find(marker="signature-password").type("pas le bon")
        user.find(marker="signature-sign").click()
        await user.should_see("Signature refusée : mot de passe incorrect.", retries=SLOW)
    user.find(marker="signature-password").type("pas le bon")
    user.find(marker="signature-sign").click()
    await user.should_see("prochain essai possible dans 2 secondes", retries=SLOW)
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    await user.should_see("Signature refusée — trop d'essais", retries=SLOW)
    assert signed == []
    await asyncio.sleep(2.1)
    user.find(marker="signature-password").type(PASSWORD)
    user.find(marker="signature-sign").click()
    for _ in range(SLOW):
        if signed:
            break
        await asyncio.sleep(0.1)
    assert signed == ["RX1"]
    await user.open("/")
    await user.should_see(marker="current-user")  # never locked, never signed out
    actions = _actions(app_state.store)
    assert actions.count("signature.failed") == 1  # the streak's first failure only
    assert actions.count("auth.login") == 1  # the sign-in only, never a signature
    assert "auth.login_failed" not in actions
