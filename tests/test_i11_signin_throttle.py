"""Sign-in failures (issue 11, item 3): a delay that grows per account and per address instead
of a lock; one answer for a wrong name and a wrong password, with the same argon2 work; a
streak of failures is one audit record at its start and one with its count at its end."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
from web_helpers import PASSWORD, create_account

from chemo_fallback import audit, row_seals
from chemo_fallback.auth import accounts, passwords, throttle
from chemo_fallback.auth.accounts import AuthError

NOW = datetime(2026, 11, 23, 7, 0)
WRONG = r"^Identifiant ou mot de passe incorrect\."


def _at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def _records(store, action: str | None = None) -> list[tuple]:
    sql = "SELECT action, actor, record_id, after_json, reason FROM audit_log"
    rows = store.cursor().execute(sql + " ORDER BY audit_id").fetchall()
    return [r for r in rows if action is None or r[0] == action]


def _fail(store, name: str, seconds: float, address: str | None = None) -> AuthError:
    with pytest.raises(AuthError) as caught:
        accounts.authenticate(store, name, "mauvais", _at(seconds), address=address)
    return caught.value


def test_the_delay_starts_at_the_third_failure_doubles_and_is_capped() -> None:
    assert [throttle.delay_seconds(n) for n in range(1, 6)] == [0, 0, 2, 4, 8]
    assert throttle.delay_seconds(10) == 256
    assert throttle.delay_seconds(11) == throttle.delay_seconds(60) == 300  # 5 minutes at most
    assert throttle.duration_text(1) == "1 seconde"
    assert throttle.duration_text(8) == "8 secondes"
    assert throttle.duration_text(256) == "4 min 16 s"
    assert throttle.duration_text(300) == "5 minutes"


def test_an_attempt_during_the_delay_is_refused_unchecked_and_uncounted(
    store, monkeypatch
) -> None:
    create_account(store, "admin")
    for seconds in (0, 1):
        assert _fail(store, "admin", seconds).code == "password_wrong"
    third = _fail(store, "admin", 2)
    assert str(third) == (
        "Identifiant ou mot de passe incorrect. Trop d'essais : prochain essai possible dans "
        "2 secondes."
    )
    checked: list[str] = []
    monkeypatch.setattr(accounts, "password_matches", lambda h, p: checked.append(p) or True)
    with pytest.raises(AuthError, match=r"^Trop d'essais : réessayez dans 2 secondes\.$") as caught:
        accounts.authenticate(store, "admin", PASSWORD, _at(2.5))
    assert caught.value.code == "too_many_attempts"
    assert checked == []  # the password was not even checked
    [streak] = throttle.account_streaks(store.cursor()).values()
    assert streak.failures == 3  # nor counted
    monkeypatch.undo()
    # no lock: once the delay is over, the right password signs in
    assert accounts.authenticate(store, "admin", PASSWORD, _at(4)).username == "admin"
    assert not accounts.find_user(store, "admin").is_locked(_at(4))


def test_a_determined_attacker_only_slows_the_account_down(store) -> None:
    create_account(store, "admin")
    moment = 0.0
    for _ in range(12):  # each attempt waits for its delay to end
        _fail(store, "admin", moment, address="10.0.0.66")
        [streak] = throttle.account_streaks(store.cursor()).values()
        moment = ((streak.next_allowed_at or streak.last_at) - NOW).total_seconds()
    assert streak.failures == 12
    assert (streak.next_allowed_at - streak.last_at).total_seconds() == 300  # the cap
    # the administrator, from the console or another address after the delay, still gets in
    assert accounts.authenticate(store, "admin", PASSWORD, _at(moment), address="10.0.0.1")
    [summary] = _records(store, "auth.login_failures")
    assert json.loads(summary[3])["count"] == 12
    assert json.loads(summary[3])["addresses"] == ["10.0.0.66"]


def test_one_answer_for_a_wrong_name_a_wrong_password_and_an_inactive_account(store) -> None:
    create_account(store, "nurse")
    create_account(store, "pharmacist")
    accounts.set_active(store, audit.command_line_actor(), "pharmacist", False, "départ")
    refusals = [_fail(store, "personne", 0), _fail(store, "nurse", 0)]
    with pytest.raises(AuthError) as caught:  # a deactivated account, even its right password
        accounts.authenticate(store, "pharmacist", PASSWORD)
    refusals.append(caught.value)
    assert {str(r) for r in refusals} == {"Identifiant ou mot de passe incorrect."}
    assert {r.code for r in refusals} == {"password_wrong"}
    # the trail says why
    reasons = {r[2]: r[4] for r in _records(store, "auth.login_failed")}
    assert reasons == {
        "personne": "compte inconnu",
        "nurse": None,
        "pharmacist": "compte désactivé",
    }


def test_an_unknown_name_costs_the_same_argon2_work(store, monkeypatch) -> None:
    create_account(store, "nurse")
    real = passwords._HASHER
    verified: list[str] = []

    class Counting:
        def verify(self, stored_hash: str, password: str) -> bool:
            verified.append(stored_hash.split("$")[3])  # the hash's parameters
            return real.verify(stored_hash, password)

        def __getattr__(self, name: str):
            return getattr(real, name)

    monkeypatch.setattr(passwords, "_HASHER", Counting())
    _fail(store, "personne", 0)
    _fail(store, "nurse", 0)
    assert len(verified) == 2 and verified[0] == verified[1]  # same argon2 parameters


def test_no_timing_difference_worth_measuring(store) -> None:
    create_account(store, "nurse")

    def took(name: str, seconds: int) -> float:
        started = time.perf_counter()
        _fail(store, name, seconds * 20 * 60)  # 20 minutes apart: never delayed
        return time.perf_counter() - started

    unknown = sorted(took("personne", n) for n in range(3))[1]
    known = sorted(took("nurse", n) for n in range(3))[1]
    assert 0.6 < unknown / known < 1.6, (unknown, known)


def test_an_unknown_name_is_throttled_like_a_known_one(store) -> None:
    for seconds in (0, 1):
        _fail(store, "personne", seconds)
    assert "2 secondes" in str(_fail(store, "personne", 2))
    with pytest.raises(AuthError, match="Trop d'essais"):
        accounts.authenticate(store, "PERSONNE ", "x", _at(3))  # the name as typed, normalised


def test_one_address_trying_many_names_is_slowed_down(store) -> None:
    create_account(store, "nurse")
    for seconds, name in enumerate(("a1", "a2", "a3")):
        _fail(store, name, seconds, address="10.0.0.66")
    # a fourth name, never tried, from the same address: it waits too
    with pytest.raises(AuthError, match="Trop d'essais"):
        accounts.authenticate(store, "nurse", PASSWORD, _at(3), address="10.0.0.66")
    # from another workstation the account is not delayed
    assert accounts.authenticate(store, "nurse", PASSWORD, _at(3), address="10.0.0.2")


def test_a_sign_in_clears_its_workstations_delay(store) -> None:
    """A shared ward workstation: one person's typing errors do not keep the next waiting."""
    create_account(store, "nurse")
    create_account(store, "pharmacist")
    for seconds in (0, 1):
        _fail(store, "nurse", seconds, address="10.0.0.5")
    assert accounts.authenticate(store, "nurse", PASSWORD, _at(2), address="10.0.0.5")
    assert _fail(store, "pharmacist", 3, address="10.0.0.5").code == "password_wrong"
    assert "Trop d'essais" not in str(_fail(store, "pharmacist", 4, address="10.0.0.5"))


def test_a_streak_is_one_record_at_its_start_and_one_with_its_count_at_its_end(store) -> None:
    create_account(store, "nurse")
    start = len(_records(store))
    for seconds, address in ((0, "10.0.0.5"), (1, "10.0.0.6"), (2, "10.0.0.5")):
        _fail(store, "nurse", seconds, address=address)
    [first] = _records(store)[start:]  # three failures, one record
    assert first[0] == "auth.login_failed"
    assert json.loads(first[3]) == {"count": 1, "address": "10.0.0.5"}
    accounts.authenticate(store, "nurse", PASSWORD, _at(10), address="10.0.0.5")
    summary, login = _records(store)[start + 1 :]
    assert (summary[0], login[0]) == ("auth.login_failures", "auth.login")
    assert summary[4] == "série close : connexion réussie"
    after = json.loads(summary[3])
    assert after["count"] == 3 and after["signature_failures"] == 0
    assert after["first_at"].startswith("2026-11-23 07:00:00")
    assert after["last_at"].startswith("2026-11-23 07:00:02")
    assert after["addresses"] == ["10.0.0.5", "10.0.0.6"]
    first_id = store.cursor().execute(
        "SELECT audit_id FROM audit_log WHERE action = 'auth.login_failed'"
    ).fetchone()[0]
    assert after["first_audit_id"] == first_id
    assert throttle.account_streaks(store.cursor()) == {}
    assert audit.verify(store.cursor()).ok
    assert row_seals.check(store.cursor()).ok


def test_a_quiet_period_ends_a_streak_at_the_next_failure(store) -> None:
    create_account(store, "nurse")
    for seconds in (0, 1):
        _fail(store, "nurse", seconds)
    # 16 quiet minutes later: the old streak is summarised, a new one starts without delay
    assert "Trop d'essais" not in str(_fail(store, "nurse", 16 * 60))
    actions = [r[0] for r in _records(store)][-3:]
    assert actions == ["auth.login_failed", "auth.login_failures", "auth.login_failed"]
    summary = _records(store, "auth.login_failures")[0]
    assert json.loads(summary[3])["count"] == 2
    assert summary[4] == "série close : plus de 15 minutes sans essai"


def test_a_single_failure_is_its_own_record_only(store) -> None:
    create_account(store, "nurse")
    _fail(store, "nurse", 0)
    accounts.authenticate(store, "nurse", PASSWORD, _at(1))
    assert _records(store, "auth.login_failures") == []


def test_an_unlock_ends_the_streak_and_the_delay(store) -> None:
    create_account(store, "nurse")
    for seconds in (0, 1, 2, 3):
        _fail(store, "nurse", seconds, address="10.0.0.5")
    by = audit.command_line_actor()
    accounts.unlock(store, by, "nurse")
    summary, unlocked = _records(store)[-2:]
    assert (summary[0], summary[1], summary[4]) == (
        "auth.login_failures",
        by.username,
        "série close : déverrouillage",
    )
    assert json.loads(summary[3])["count"] == 3  # the fourth was refused during the delay
    assert unlocked[0] == "user.unlocked"
    # the workstation it was tried from is not kept waiting either
    assert accounts.authenticate(store, "nurse", PASSWORD, _at(3.5), address="10.0.0.5")


def test_a_password_reset_applies_the_rules_and_ends_the_delay(store) -> None:
    create_account(store, "nurse")
    for seconds in (0, 1, 2):
        _fail(store, "nurse", seconds)
    by = audit.command_line_actor()
    with pytest.raises(AuthError, match="Mot de passe trop faible") as caught:
        accounts.reset_password(store, by, "nurse", "court")
    assert caught.value.code == "password_weak"
    with pytest.raises(AuthError, match="« personne » introuvable"):
        accounts.reset_password(store, by, "personne", "Nouveau-Mot-2026!")
    accounts.reset_password(store, by, "nurse", "Nouveau-Mot-2026!")
    assert [r[0] for r in _records(store)][-2:] == ["auth.login_failures", "user.password_reset"]
    assert "Nouveau" not in json.dumps(_records(store))  # the password is never in the trail
    assert accounts.authenticate(store, "nurse", "Nouveau-Mot-2026!", _at(2.5))
    with pytest.raises(AuthError, match=WRONG):
        accounts.authenticate(store, "nurse", PASSWORD, _at(3))
    assert row_seals.check(store.cursor()).ok


def test_nothing_locks_an_account_any_more(store) -> None:
    create_account(store, "admin")
    for n in range(30):
        with pytest.raises(AuthError):
            accounts.authenticate(store, "admin", "mauvais", _at(n * 301))
    user = accounts.find_user(store, "admin")
    assert user.locked_until is None and user.may_act()
    assert "auth.locked" not in [r[0] for r in _records(store)]
