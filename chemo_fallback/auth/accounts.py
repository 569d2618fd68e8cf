"""Accounts: creation, sign-in (a growing delay after failures, auth/throttle.py, never an
automatic lock), unlock, password reset, deactivation. Every change is audited in its own
transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chemo_fallback import audit
from chemo_fallback.auth import throttle
from chemo_fallback.auth.passwords import (
    hash_password,
    no_account_matches,
    password_matches,
    strength_problem,
)
from chemo_fallback.auth.roles import ROLE_LABELS, Permission, Role, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.store import Store

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
COLUMNS = "username, display_name, role, active, failed_attempts, locked_until, staff_id, demo"


class AuthError(ChemoFallbackError):
    """Sign-in refused, or an account change refused; the message is for the user."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    active: bool
    failed_attempts: int
    locked_until: datetime | None
    staff_id: str | None
    demo: bool

    @property
    def actor(self) -> audit.Actor:
        return audit.Actor(self.username, self.role, self.display_name)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    def is_locked(self, now: datetime | None = None) -> bool:
        """Locked by an administrator (nothing locks an account automatically any more; a lock
        left by an earlier version ends by itself)."""
        return self.locked_until is not None and self.locked_until > (now or datetime.now())

    def may_act(self, now: datetime | None = None) -> bool:
        """Active and not locked: may sign in, sign, and keep an open session."""
        return self.active and not self.is_locked(now)


def _user(cur, username: str) -> User | None:
    row = cur.execute(f"SELECT {COLUMNS} FROM users WHERE username = ?", [username]).fetchone()
    return User(*row) if row else None


def find_user(store: Store, username: str) -> User | None:
    return _user(store.cursor(), username)


def find_user_in(cur, username: str) -> User | None:
    """The account as the caller's open transaction sees it."""
    return _user(cur, username)


def _public(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "active": user.active,
        "demo": user.demo,
    }


def create_user(
    store: Store,
    by: audit.Actor,
    username: str,
    display_name: str,
    role: str,
    password: str,
    *,
    staff_id: str | None = None,
    demo: bool = False,
) -> User:
    require(by.role, Permission.USERS_MANAGE)
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise AuthError(
            "Identifiant invalide : 2 à 32 caractères, lettres minuscules sans accent, chiffres, "
            "point, tiret ou souligné, en commençant par une lettre ou un chiffre."
        )
    if not display_name.strip():
        raise AuthError("Le nom affiché est obligatoire (prénom et nom de la personne).")
    if role not in {r.value for r in Role}:
        raise AuthError(f"Rôle inconnu « {role} » : choisissez parmi {', '.join(Role)}.")
    if problem := strength_problem(password):
        raise AuthError(problem)
    with store.transaction() as cur:
        if _user(cur, username):
            raise AuthError(f"L'identifiant « {username} » existe déjà : choisissez-en un autre.")
        cur.execute(
            "INSERT INTO users (username, display_name, role, password_hash, staff_id, demo, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                username,
                display_name.strip(),
                role,
                hash_password(password),
                staff_id,
                demo,
                datetime.now(),
            ],
        )
        user = _user(cur, username)
        audit.record(cur, by, "user.created", "user", username, after=_public(user))
    return user


@dataclass(frozen=True)
class PasswordCheck:
    """What a password is typed for: the audit action of a streak's first wrong one, of a
    right one (None: the caller's own record says it, as a signature does), and the French
    refusals (`seconds`: the delay, as duration_text writes it; `until`: a lock's end)."""

    failed_action: str
    success_action: str | None
    wrong: str
    inactive: str
    inactive_code: str
    locked: str
    too_many: str  # an attempt during the delay: refused, the password not even checked
    delay_note: str  # added to a refusal that starts or lengthens the delay


LOGIN = PasswordCheck(
    failed_action="auth.login_failed",
    success_action="auth.login",
    wrong="Identifiant ou mot de passe incorrect.",
    # never says which part is wrong, nor that the account exists (the audit record says why)
    inactive="Identifiant ou mot de passe incorrect.",
    inactive_code="password_wrong",
    locked="Compte verrouillé jusqu'à {until} : demandez à un administrateur de le "
    "déverrouiller.",
    too_many="Trop d'essais : réessayez dans {seconds}.",
    delay_note="Trop d'essais : prochain essai possible dans {seconds}.",
)
SIGNATURE = PasswordCheck(
    failed_action="signature.failed",
    success_action=None,
    wrong="Signature refusée : mot de passe incorrect. Saisissez votre mot de passe de "
    "connexion.",
    inactive="Signature refusée : ce compte est désactivé. Demandez à un administrateur.",
    inactive_code="account_inactive",
    locked="Signature refusée : compte verrouillé jusqu'à {until}. Demandez à un "
    "administrateur de le déverrouiller.",
    too_many="Signature refusée — trop d'essais de mot de passe (connexion ou signature) : "
    "réessayez dans {seconds}.",
    delay_note="Trop d'essais (connexion ou signature) : prochain essai possible dans "
    "{seconds}.",
)


def authenticate(
    store: Store,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    address: str | None = None,
) -> User:
    """The user if the password is right; else AuthError, the failure counted (and the first
    of a streak audited). `address`: the client's, for its own delay."""
    return check_password(store, username, password, LOGIN, now, address=address)


def check_password(
    store: Store,
    username: str,
    password: str,
    purpose: PasswordCheck,
    now: datetime | None = None,
    *,
    address: str | None = None,
) -> User:
    """The one password check of sign-in and signature. During the delay of the account or of
    the address (auth/throttle.py) the attempt is refused unchecked and uncounted. An unknown
    name costs the same argon2 work as a known one and gets the same answer; a wrong password,
    an unknown or deactivated account count as one failure of the name typed, whatever the
    password was typed for. An account locked by an administrator is refused (said only to
    whoever typed its right password)."""
    now = now or datetime.now()
    key = throttle.account_key(username)
    with store.transaction() as cur:
        user = _user(cur, key)
        if wait := throttle.wait_seconds(cur, key, address, now):
            refusal = AuthError(
                purpose.too_many.format(seconds=throttle.duration_text(wait)),
                code="too_many_attempts",
            )
        elif not _right_password(cur, user, password) or not user.active:
            refusal = _count_failure(cur, key, user, address, now, purpose)
        elif user.is_locked(now):
            refusal = AuthError(
                purpose.locked.format(until=f"{user.locked_until:%H:%M}"), code="account_locked"
            )
        else:
            if purpose.success_action:
                ended = "série close : connexion réussie"
                throttle.end_streak(cur, key, user.actor, ended, address)
                after = {"address": address} if address else None
                audit.record(cur, user.actor, purpose.success_action, "user", key, after=after)
            return _user(cur, key)
    # Committed: the failure is counted (and audited) even though the password is refused.
    raise refusal


def _right_password(cur, user: User | None, password: str) -> bool:
    if user is None:
        return no_account_matches(password)  # as long as a real check
    stored = cur.execute(
        "SELECT password_hash FROM users WHERE username = ?", [user.username]
    ).fetchone()[0]
    return password_matches(stored, password)


def _count_failure(
    cur, key: str, user: User | None, address: str | None, now: datetime, purpose: PasswordCheck
) -> AuthError:
    if user is None:
        reason = "compte inconnu"
    elif not user.active:
        reason = "compte désactivé"
    else:
        reason = None
    delay = throttle.record_failure(
        cur,
        key,
        address,
        now,
        audit.Actor(key or "?", user.role if user else "?"),
        purpose.failed_action,
        signature=purpose is SIGNATURE,
        reason=reason,
    )
    if user is None or not user.active:
        message, code = purpose.inactive, purpose.inactive_code
    else:
        message, code = purpose.wrong, "password_wrong"
    if delay:
        message += " " + purpose.delay_note.format(seconds=throttle.duration_text(delay))
    return AuthError(message, code=code)


def list_users(store: Store, by: audit.Actor) -> list[User]:
    require(by.role, Permission.USERS_MANAGE)
    rows = store.cursor().execute(f"SELECT {COLUMNS} FROM users ORDER BY username").fetchall()
    return [User(*r) for r in rows]


def throttled(store: Store, by: audit.Actor) -> dict[str, throttle.Streak]:
    """The accounts (names typed) with failures in a row, for the accounts page."""
    require(by.role, Permission.USERS_MANAGE)
    return throttle.account_streaks(store.cursor())


def unlock(store: Store, by: audit.Actor, username: str) -> None:
    """End the account's delay (its streak of failures, summarised, and the delay of the
    addresses it came from) and any lock."""
    require(by.role, Permission.USERS_MANAGE)
    username = username.strip().lower()
    with store.transaction() as cur:
        user = _user(cur, username)
        if user is None:
            raise AuthError(f"Compte « {username} » introuvable.", code="account_unknown")
        ended = throttle.end_streak(
            cur, username, by, "série close : déverrouillage", with_addresses=True
        )
        if user.locked_until is not None or user.failed_attempts:
            cur.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
                [username],
            )
        audit.record(
            cur,
            by,
            "user.unlocked",
            "user",
            username,
            before={"locked_until": user.locked_until, "failures": ended.failures if ended else 0},
            after={"locked_until": None, "failures": 0},
        )


def reset_password(store: Store, by: audit.Actor, username: str, password: str) -> None:
    """A new password chosen by an administrator (the password rules apply); the account's
    delay ends with it (as with `unlock`)."""
    require(by.role, Permission.USERS_MANAGE)
    username = username.strip().lower()
    if problem := strength_problem(password):
        raise AuthError(problem, code="password_weak")
    with store.transaction() as cur:
        if _user(cur, username) is None:
            raise AuthError(f"Compte « {username} » introuvable.", code="account_unknown")
        cur.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?",
            [hash_password(password), username],
        )
        throttle.end_streak(
            cur, username, by, "série close : mot de passe réinitialisé", with_addresses=True
        )
        audit.record(cur, by, "user.password_reset", "user", username)


def set_active(store: Store, by: audit.Actor, username: str, active: bool, reason: str) -> None:
    require(by.role, Permission.USERS_MANAGE)
    if not reason.strip():
        raise AuthError("Indiquez le motif de l'activation ou de la désactivation du compte.")
    if username == by.username and not active:
        raise AuthError("Vous ne pouvez pas désactiver votre propre compte.")
    with store.transaction() as cur:
        user = _user(cur, username)
        if user is None:
            raise AuthError(f"Compte « {username} » introuvable.")
        cur.execute("UPDATE users SET active = ? WHERE username = ?", [active, username])
        audit.record(
            cur,
            by,
            "user.activated" if active else "user.deactivated",
            "user",
            username,
            before={"active": user.active},
            after={"active": active},
            reason=reason.strip(),
        )
