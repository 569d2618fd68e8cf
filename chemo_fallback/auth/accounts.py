"""Accounts: creation, sign-in with lock-out, unlock, deactivation. Every change is audited in
its own transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from chemo_fallback import audit
from chemo_fallback.auth.passwords import hash_password, password_matches, strength_problem
from chemo_fallback.auth.roles import ROLE_LABELS, Permission, Role, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.store import Store

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
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
    """What a password is typed for: the audit action of a wrong one, of a right one (None: the
    caller's own record says it, as a signature does), and the French refusals."""

    failed_action: str
    success_action: str | None
    wrong: str
    inactive: str
    locked: str  # formatted with {until} and {attempts}
    now_locked: str  # formatted with {attempts} and {minutes}
    lock_reason: str  # the lock-out's audit reason, formatted with {attempts}


LOGIN = PasswordCheck(
    failed_action="auth.login_failed",
    success_action="auth.login",
    wrong="Identifiant ou mot de passe incorrect.",
    inactive="Identifiant ou mot de passe incorrect.",  # never says which part is wrong
    locked="Compte verrouillé jusqu'à {until} après {attempts} essais infructueux. Réessayez "
    "plus tard ou demandez à un administrateur de le déverrouiller.",
    now_locked="{attempts} essais infructueux : compte verrouillé pour {minutes} minutes. Un "
    "administrateur peut le déverrouiller.",
    lock_reason="{attempts} essais infructueux, le dernier à la connexion",
)
SIGNATURE = PasswordCheck(
    failed_action="signature.failed",
    success_action=None,
    wrong="Signature refusée : mot de passe incorrect ({failed} essai(s) infructueux sur "
    "{attempts} avant le verrouillage du compte). Saisissez votre mot de passe de connexion.",
    inactive="Signature refusée : ce compte est désactivé. Demandez à un administrateur.",
    locked="Signature refusée : compte verrouillé jusqu'à {until} après {attempts} essais "
    "infructueux. Demandez à un administrateur de le déverrouiller.",
    now_locked="Signature refusée : {attempts} essais infructueux (connexion ou signature) : "
    "compte verrouillé pour {minutes} minutes et session fermée. Un administrateur peut le "
    "déverrouiller.",
    lock_reason="{attempts} essais infructueux, le dernier à la signature",
)


def authenticate(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """The user if the password is right; else AuthError, the failure counted and audited."""
    return check_password(store, username, password, LOGIN, now)


def check_password(
    store: Store,
    username: str,
    password: str,
    purpose: PasswordCheck,
    now: datetime | None = None,
) -> User:
    """The one password check of sign-in and signature: an unknown, deactivated or locked
    account is refused; a wrong password is audited (`purpose.failed_action`) and counts in the
    account's failed attempts, whatever it was typed for, until the lock-out."""
    now = now or datetime.now()
    username = username.strip().lower()
    with store.transaction() as cur:
        user = _user(cur, username)
        if user is None or not user.active:
            audit.record(
                cur,
                audit.Actor(username or "?", user.role if user else "?"),
                purpose.failed_action,
                "user",
                username,
                reason="compte inconnu ou désactivé",
            )
            raise_after_commit = AuthError(purpose.inactive, code="account_inactive")
        elif user.is_locked(now):
            raise_after_commit = AuthError(
                purpose.locked.format(
                    until=f"{user.locked_until:%H:%M}", attempts=MAX_FAILED_ATTEMPTS
                ),
                code="account_locked",
            )
        elif not password_matches(_hash(cur, username), password):
            raise_after_commit = _count_failure(cur, user, now, purpose)
        else:
            if purpose.success_action:
                cur.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
                    [username],
                )
                audit.record(cur, user.actor, purpose.success_action, "user", username)
            return _user(cur, username)
    # Committed: the failure is counted and audited even though the password is refused.
    raise raise_after_commit


def _hash(cur, username: str) -> str:
    return cur.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()[
        0
    ]


def _count_failure(cur, user: User, now: datetime, purpose: PasswordCheck) -> AuthError:
    failed = user.failed_attempts + 1
    locked_until = now + timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_ATTEMPTS else None
    cur.execute(
        "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE username = ?",
        [0 if locked_until else failed, locked_until, user.username],
    )
    action = "auth.locked" if locked_until else purpose.failed_action
    audit.record(
        cur,
        user.actor,
        action,
        "user",
        user.username,
        before={"failed_attempts": user.failed_attempts},
        after={"failed_attempts": failed, "locked_until": locked_until},
        reason=purpose.lock_reason.format(attempts=MAX_FAILED_ATTEMPTS) if locked_until else None,
    )
    if locked_until:
        return AuthError(
            purpose.now_locked.format(attempts=MAX_FAILED_ATTEMPTS, minutes=LOCK_MINUTES),
            code="account_locked",
        )
    return AuthError(
        purpose.wrong.format(failed=failed, attempts=MAX_FAILED_ATTEMPTS), code="password_wrong"
    )


def list_users(store: Store, by: audit.Actor) -> list[User]:
    require(by.role, Permission.USERS_MANAGE)
    rows = store.cursor().execute(f"SELECT {COLUMNS} FROM users ORDER BY username").fetchall()
    return [User(*r) for r in rows]


def unlock(store: Store, by: audit.Actor, username: str) -> None:
    require(by.role, Permission.USERS_MANAGE)
    with store.transaction() as cur:
        user = _user(cur, username)
        if user is None:
            raise AuthError(f"Compte « {username} » introuvable.")
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
            before={"locked_until": user.locked_until},
            after={"locked_until": None},
        )


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
