"""Who is signed in on this browser, with an idle timeout. Kept in NiceGUI's per-browser
storage, signed with the installation's storage secret."""

from __future__ import annotations

from datetime import datetime, timedelta

from nicegui import app

from chemo_fallback.auth.accounts import MAX_FAILED_ATTEMPTS, User, find_user
from chemo_fallback.web import state

IDLE_MINUTES = 15
LOCKED = (
    "Session fermée : votre compte est verrouillé jusqu'à {until} après {attempts} essais de mot "
    "de passe infructueux (connexion ou signature). Reconnectez-vous après cette heure ou "
    "demandez à un administrateur de le déverrouiller."
)
DEACTIVATED = "Session fermée : votre compte a été désactivé. Demandez à un administrateur."


def sign_in(user: User) -> None:
    app.storage.user.update(username=user.username, last_seen=datetime.now().isoformat())
    app.storage.user.pop("expired", None)
    app.storage.user.pop("ended", None)


def sign_out() -> None:
    app.storage.user.pop("username", None)
    app.storage.user.pop("last_seen", None)


def current_user() -> User | None:
    """The signed-in, still active user, or None (idle too long, deactivated, or never)."""
    data = app.storage.user
    username = data.get("username")
    if not username:
        return None
    last_seen = datetime.fromisoformat(data.get("last_seen", "2000-01-01T00:00:00"))
    if datetime.now() - last_seen > timedelta(minutes=IDLE_MINUTES):
        sign_out()
        data["expired"] = True
        return None
    user = find_user(state.current().store, username)
    if _end_if_refused(user):
        return None
    data["last_seen"] = datetime.now().isoformat()
    return user


def _end_if_refused(user: User | None) -> bool:
    """Sign out, noting why for the sign-in page, an account that may no longer act."""
    if user is not None and user.active and user.demo and not state.current().demo:
        sign_out()
        return True
    if user is not None and user.may_act():
        return False
    sign_out()
    if user is not None and user.active:  # locked
        reason = LOCKED.format(until=f"{user.locked_until:%H:%M}", attempts=MAX_FAILED_ATTEMPTS)
    else:
        reason = DEACTIVATED
    app.storage.user["ended"] = reason
    return True


def account_still_allowed() -> bool:
    """Called every few seconds while a page is open: a session ends as soon as its account is
    locked or deactivated, without waiting for the next page load (the idle time is not
    touched)."""
    username = app.storage.user.get("username")
    if not username:
        return False
    return not _end_if_refused(find_user(state.current().store, username))


def still_signed_in(idle_seconds: float) -> bool:
    """Called while a page is open: the browser's own idle time decides, not page loads."""
    data = app.storage.user
    if not data.get("username"):
        return False
    if idle_seconds > IDLE_MINUTES * 60:
        sign_out()
        data["expired"] = True
        return False
    data["last_seen"] = (datetime.now() - timedelta(seconds=idle_seconds)).isoformat()
    return True


def session_expired() -> bool:
    return bool(app.storage.user.pop("expired", False))


def session_ended() -> str | None:
    """Why the session was closed under the user (account locked or deactivated): shown on the
    sign-in page until someone signs in on this browser (a redirect may build it twice)."""
    return app.storage.user.get("ended")
