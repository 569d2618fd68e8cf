"""Signing in through the login page, as a user of the given role."""

from __future__ import annotations

from nicegui.storage import request_contextvar
from nicegui.testing import User

from chemo_fallback import audit
from chemo_fallback.auth import accounts

PASSWORD = "Cytotox-2026!"
SLOW = 30  # should_see retries after a sign-in: argon2 runs in a worker thread


def create_account(store, role: str, username: str | None = None) -> accounts.User:
    return accounts.create_user(
        store, audit.command_line_actor(), username or role, f"Test {role}", role, PASSWORD
    )


async def sign_in(
    user: User, store, role: str = "pharmacist", username: str | None = None
) -> accounts.User:
    account = create_account(store, role, username)
    await user.open("/login")
    user.find(marker="username").type(account.username)
    user.find(marker="password").type(PASSWORD)
    user.find(marker="sign-in").click()
    await user.should_see(marker="current-user", retries=SLOW)
    follow_session(user)
    return account


def follow_session(user: User) -> None:
    """The browser's session identifier changes at sign-in: what the test itself reads or
    writes in `app.storage.user` is the storage of the page it is on now."""
    request_contextvar.set(user.client.request)
