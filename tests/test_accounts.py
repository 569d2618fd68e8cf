"""Accounts: password rules, argon2 hashes, the delay after failures, role permissions enforced
by the services, and the audit record of every change."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest

from chemo_fallback import audit
from chemo_fallback.auth import accounts
from chemo_fallback.auth.accounts import AuthError
from chemo_fallback.auth.passwords import strength_problem
from chemo_fallback.auth.roles import Permission, PermissionDenied, Role, allowed, require
from chemo_fallback.cli import main

ADMIN = audit.command_line_actor()
GOOD = "Cytotox-2026!"


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("Cytotox-2026!", True),  # 13 characters, four kinds
        ("Cytotox20261", False),  # no special character
        ("Cyto-2026!a", False),  # 11 characters
        ("cytotoxique-2026", True),  # 16 characters, three kinds
        ("cytotoxique2026", False),  # 15 characters, two kinds
        ("le patient de la chambre douze", True),  # a passphrase
    ],
)
def test_password_strength_follows_the_cnil_rule(password: str, ok: bool) -> None:
    problem = strength_problem(password)
    assert (problem is None) == ok
    if not ok:
        assert problem.startswith("Mot de passe trop faible")


def test_create_user_hashes_the_password_and_audits(store) -> None:
    user = accounts.create_user(store, ADMIN, "MDupont", "Marie Dupont", "pharmacist", GOOD)
    assert (user.username, user.role, user.active) == ("mdupont", "pharmacist", True)
    stored = store.cursor().execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and GOOD not in stored
    action, record_id, after = (
        store.cursor().execute("SELECT action, record_id, after_json FROM audit_log").fetchone()
    )
    assert (action, record_id) == ("user.created", "mdupont")
    assert '"role": "pharmacist"' in after and "password" not in after


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("é", "pharmacist", GOOD, "Identifiant invalide"),
        ("marie", "chef", GOOD, "Rôle inconnu « chef »"),
        ("marie", "nurse", "court", "Mot de passe trop faible"),
    ],
)
def test_invalid_accounts_are_refused(store, username, role, password, message) -> None:
    with pytest.raises(AuthError, match=message):
        accounts.create_user(store, ADMIN, username, "Marie", role, password)
    assert store.cursor().execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_duplicate_username_refused(store) -> None:
    accounts.create_user(store, ADMIN, "marie", "Marie", "nurse", GOOD)
    with pytest.raises(AuthError, match="existe déjà"):
        accounts.create_user(store, ADMIN, "Marie", "Marie bis", "nurse", GOOD)


def test_only_an_admin_manages_accounts(store) -> None:
    pharmacist = accounts.create_user(store, ADMIN, "paul", "Paul", "pharmacist", GOOD)
    with pytest.raises(PermissionDenied, match="Action non autorisée pour le rôle pharmacien"):
        accounts.create_user(store, pharmacist.actor, "x1", "X", "admin", GOOD)
    with pytest.raises(PermissionDenied):
        accounts.list_users(store, pharmacist.actor)


def test_failures_make_the_next_attempt_wait_but_never_lock(store) -> None:
    """No lock any more (issue 11): the third failure in a row starts a delay that doubles;
    the right password after the delay signs in, and the streak is one audit record at its
    start and one with its count at its end (tests/test_i11_signin_throttle.py for more)."""
    accounts.create_user(store, ADMIN, "paul", "Paul", "pharmacist", GOOD)
    assert accounts.authenticate(store, "Paul", GOOD).username == "paul"
    now = datetime(2026, 11, 23, 7, 0)
    for seconds in (0, 1, 2):
        with pytest.raises(AuthError, match=r"^Identifiant ou mot de passe incorrect"):
            accounts.authenticate(store, "paul", "mauvais", now=now + timedelta(seconds=seconds))
    # third failure at 07:00:02: wait 2 s, even with the right password
    with pytest.raises(AuthError, match="Trop d'essais : réessayez dans 1 seconde") as caught:
        accounts.authenticate(store, "paul", GOOD, now=now + timedelta(seconds=3))
    assert caught.value.code == "too_many_attempts"
    assert accounts.authenticate(store, "paul", GOOD, now=now + timedelta(seconds=4))
    actions = [
        r[0]
        for r in store.cursor().execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()
    ]
    assert actions == [
        "user.created",
        "auth.login",
        "auth.login_failed",
        "auth.login_failures",
        "auth.login",
    ]
    assert audit.verify(store.cursor()).ok


def test_admin_unlocks_and_deactivates_with_a_reason(store) -> None:
    accounts.create_user(store, ADMIN, "paul", "Paul", "pharmacist", GOOD)
    for _ in range(3):
        with pytest.raises(AuthError):
            accounts.authenticate(store, "paul", "mauvais")
    with pytest.raises(AuthError, match="Trop d'essais"):
        accounts.authenticate(store, "paul", GOOD)
    accounts.unlock(store, ADMIN, "paul")  # the delay ends
    assert accounts.authenticate(store, "paul", GOOD)
    with pytest.raises(AuthError, match="motif"):
        accounts.set_active(store, ADMIN, "paul", False, "  ")
    accounts.set_active(store, ADMIN, "paul", False, "départ du service")
    with pytest.raises(AuthError, match="Identifiant ou mot de passe incorrect"):
        accounts.authenticate(store, "paul", GOOD)


def test_unknown_account_is_refused_without_saying_which_part_is_wrong(store) -> None:
    with pytest.raises(AuthError, match=r"^Identifiant ou mot de passe incorrect\.$"):
        accounts.authenticate(store, "personne", GOOD)


def test_permissions_deny_by_default() -> None:
    assert allowed("admin", Permission.SNAPSHOT_ACTIVATE)
    assert not allowed("pharmacist", Permission.SNAPSHOT_ACTIVATE)
    assert not allowed("buyer", Permission.USERS_MANAGE)
    assert not allowed("intrus", Permission.SNAPSHOT_VIEW)
    for role in Role:
        assert allowed(role, Permission.SNAPSHOT_VIEW)
        assert allowed(role, Permission.PATIENT_READ)
    with pytest.raises(PermissionDenied):
        require("nurse", Permission.AUDIT_VIEW)


def test_first_admin_from_the_command_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD + "\n"))
    data = str(tmp_path / "data")
    args = [
        "admin",
        "create-user",
        "--username",
        "chef",
        "--name",
        "Chef de service",
        "--password-stdin",
        "--data-dir",
        data,
    ]
    assert main(args) == 0
    assert "Compte « chef » créé (administrateur)." in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("faible\n"))
    args[3] = "autre"
    assert main(args) == 1
    assert "Mot de passe trop faible" in capsys.readouterr().err
