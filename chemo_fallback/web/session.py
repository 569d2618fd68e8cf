"""Who is signed in on this browser, with an idle timeout. Kept in NiceGUI's per-browser
storage (`app.storage.user`), which is keyed by the session identifier of the browser's cookie
(`request.session["id"]`, signed with the installation's storage secret).

The identifier changes when someone signs in and after a sign-out, so that a cookie planted
in a browser before (or copied from it) is never signed in. A password is checked over the
page's websocket, where no cookie can be set: a right one only leaves a one-time token, valid
a minute and bound to the browser's current identifier; the browser then opens ROTATE_PATH,
an HTTP route that gives it a new identifier, signs that one in, empties the old one and
redirects (303) where the user was going. After a sign-out, the next sign-in page loaded gives
the browser a new identifier the same way.

NiceGUI 3 has no public call to change the identifier: `_user_storage` and `_new_identifier`
use its storage's internals (`_users`, `_create_user_storage`), here only; the real-browser
test of tests/test_i11_signin_browser.py fails if they change.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from nicegui import app, ui
from starlette.requests import Request

from chemo_fallback.auth.accounts import User, find_user
from chemo_fallback.web import state

IDLE_MINUTES = 15
ROTATE_PATH = "/_session/rotate"
TOKEN_SECONDS = 60
SIGNED_OUT = "signed_out"  # marks an identifier to be replaced at the next sign-in page
NOTES = ("expired", "ended")  # what the sign-in page says, carried to the new identifier
LOCKED = (
    "Session fermée : votre compte est verrouillé jusqu'à {until}. Demandez à un "
    "administrateur de le déverrouiller."
)
DEACTIVATED = "Session fermée : votre compte a été désactivé. Demandez à un administrateur."


@dataclass(frozen=True)
class _Pending:
    session_id: str
    username: str
    target: str
    deadline: float  # time.monotonic()


_pending: dict[str, _Pending] = {}
_pending_lock = threading.Lock()


def sign_in(user: User, target: str) -> str:
    """After the right password: the address the browser must open to be signed in (with a
    new identifier) and land on `target` (already checked by login_page.safe_next)."""
    token = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _pending_lock:
        for old in [t for t, p in _pending.items() if p.deadline < now]:
            del _pending[old]
        _pending[token] = _Pending(
            # the identifier of the page where the password was typed
            ui.context.client.request.session["id"], user.username, target, now + TOKEN_SECONDS
        )
    return f"{ROTATE_PATH}?{urlencode({'jeton': token})}"


def _take(token: str) -> _Pending | None:
    with _pending_lock:
        pending = _pending.pop(token, None)
    if pending is None or pending.deadline < time.monotonic():
        return None
    return pending


async def finish_sign_in(request: Request, token: str) -> str | None:
    """The HTTP route's work: where to send the browser once signed in under a new identifier,
    or None when the token is unknown, used, expired or from another browser."""
    pending = _take(token)
    old_id = request.session.get("id")
    if pending is None or pending.session_id != old_id:
        return None
    new = await _new_identifier(request)
    new.update(username=pending.username, last_seen=datetime.now().isoformat())
    return pending.target


async def renew_after_sign_out(request: Request) -> None:
    """On the sign-in page: a browser whose identifier was signed out gets a new one (its notes
    for the sign-in page go with it). Called while the page is built, before the response."""
    old = _user_storage(request.session["id"])
    if old is None or not old.get(SIGNED_OUT):
        return
    notes = {k: old[k] for k in NOTES if k in old}
    new = await _new_identifier(request)
    new.update(notes)


async def _new_identifier(request: Request):
    """Give the browser of `request` a fresh identifier (sent in the response's cookie) with an
    empty storage, and empty the old identifier's storage; returns the new storage."""
    old_id, new_id = request.session.get("id"), str(uuid.uuid4())
    await app.storage._create_user_storage(new_id)
    if old_id and (old := _user_storage(old_id)) is not None:
        old.clear()
    request.session["id"] = new_id
    return _user_storage(new_id)


def _user_storage(session_id: str):
    return app.storage._users.get(session_id)


def sign_out() -> None:
    data = app.storage.user
    data.pop("username", None)
    data.pop("last_seen", None)
    data[SIGNED_OUT] = True


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
    if user is not None and user.active:  # locked by an administrator
        reason = LOCKED.format(until=f"{user.locked_until:%H:%M}")
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
