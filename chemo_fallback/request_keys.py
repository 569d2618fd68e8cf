"""Every create happens once: each form carries a request key, drawn when the form is shown.

A double click, a reload or the back button sends the same key again; the service then finds
the record the first request created (`earlier`) and returns it instead of creating a second.
The key is written (`remember`) in the transaction of the create, so a create and its key are
committed together or not at all. The store's writer lock serialises transactions, so two
requests with one key can never both pass `earlier`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import duckdb

from chemo_fallback.errors import ChemoFallbackError

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class RequestKeyError(ChemoFallbackError):
    """A request key that is malformed, or that an earlier, different request used."""


def new_key() -> str:
    """A fresh key for a form shown to a user."""
    return uuid.uuid4().hex


def _checked(key: str) -> str:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise RequestKeyError(
            "Requête invalide (clé de formulaire mal formée) : rechargez la page et recommencez.",
            code="request_key_malformed",
        )
    return key


def earlier(
    cur: duckdb.DuckDBPyConnection, key: str | None, action: str, username: str
) -> str | None:
    """The id of the record a first request with this key created; None when this is the
    first (or when the caller sent no key: a script, a test). A key reused for another action
    or by another user is refused: it is not the same request."""
    if key is None:
        return None
    row = cur.execute(
        "SELECT action, record_id, username FROM request_keys WHERE request_key = ?",
        [_checked(key)],
    ).fetchone()
    if row is None:
        return None
    if row[0] != action or row[2] != username:
        raise RequestKeyError(
            "Ce formulaire a déjà servi à une autre action : rechargez la page et recommencez.",
            code="request_key_reused",
        )
    return row[1]


def remember(
    cur: duckdb.DuckDBPyConnection, key: str | None, action: str, username: str, record_id: str
) -> None:
    """Record that the request `key` created `record_id`, in the create's transaction."""
    if key is None:
        return
    cur.execute(
        "INSERT INTO request_keys (request_key, action, record_id, username, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [_checked(key), action, str(record_id), username, datetime.now()],
    )
