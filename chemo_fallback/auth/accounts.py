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


def _user(cur, username: str) -> User | None:
    row = cur.execute(f"SELECT {COLUMNS} FROM users WHERE username = ?", [username]).fetchone()
    return User(*row) if row else None


def find_user(store: Store, username: str) -> User | None:
    return _user(store.cursor(), username)


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


def authenticate(store: Store, username: str, password: str, now: datetime | None = None) -> User:
    """The user if the password is right; else AuthError, the failure counted and audited."""
    now = now or datetime.now()
    username = username.strip().lower()
    refused = AuthError("Identifiant ou mot de passe incorrect.")
    with store.transaction() as cur:
        user = _user(cur, username)
        if user is None or not user.active:
            audit.record(
                cur,
                audit.Actor(username or "?", "?"),
                "auth.login_failed",
                "user",
                username,
                reason="compte inconnu ou désactivé",
            )
            raise_after_commit = refused
        elif user.locked_until and user.locked_until > now:
            raise_after_commit = AuthError(
                f"Compte verrouillé jusqu'à {user.locked_until:%H:%M} après "
                f"{MAX_FAILED_ATTEMPTS} essais infructueux. Réessayez plus tard ou demandez à "
                "un administrateur de le déverrouiller."
            )
        elif not password_matches(_hash(cur, username), password):
            raise_after_commit = _count_failure(cur, user, now, refused)
        else:
            cur.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?",
                [username],
            )
            audit.record(cur, user.actor, "auth.login", "user", username)
            return _user(cur, username)
    # Committed: the failure is counted and audited even though sign-in is refused.
    raise raise_after_commit


def _hash(cur, username: str) -> str:
    return cur.execute("SELECT password_hash FROM users WHERE username = ?", [username]).fetchone()[
        0
    ]


def _count_failure(cur, user: User, now: datetime, refused: AuthError) -> AuthError:
    failed = user.failed_attempts + 1
    locked_until = now + timedelta(minutes=LOCK_MINUTES) if failed >= MAX_FAILED_ATTEMPTS else None
    cur.execute(
        "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE username = ?",
        [0 if locked_until else failed, locked_until, user.username],
    )
    action = "auth.locked" if locked_until else "auth.login_failed"
    audit.record(
        cur,
        user.actor,
        action,
        "user",
        user.username,
        before={"failed_attempts": user.failed_attempts},
        after={"failed_attempts": failed, "locked_until": locked_until},
    )
    if locked_until:
        return AuthError(
            f"{MAX_FAILED_ATTEMPTS} essais infructueux : compte verrouillé pour {LOCK_MINUTES} "
            "minutes. Un administrateur peut le déverrouiller."
        )
    return refused


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
