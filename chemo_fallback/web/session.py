"""Who is signed in on this browser, with an idle timeout. Kept in NiceGUI's per-browser
storage, signed with the installation's storage secret."""

from __future__ import annotations

from datetime import datetime, timedelta

from nicegui import app

from chemo_fallback.auth.accounts import User, find_user
from chemo_fallback.web import state

IDLE_MINUTES = 15


def sign_in(user: User) -> None:
    app.storage.user.update(username=user.username, last_seen=datetime.now().isoformat())
    app.storage.user.pop("expired", None)


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
    if user is None or not user.active or (user.demo and not state.current().demo):
        sign_out()
        return None
    data["last_seen"] = datetime.now().isoformat()
    return user


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
