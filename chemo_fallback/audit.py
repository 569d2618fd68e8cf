"""The audit trail: who did what, when, to which record, before and after, and why.

`record` is called inside the transaction that makes the change, so a change without its audit
record cannot be committed. It is also where every action re-checks its actor: an account
deactivated or locked since its page was opened acts no more (the whole change is refused).
Records are hash-chained (21 CFR Part 11, EU GMP Annex 11: an audit trail that never obscures
earlier records); `verify` names the first broken record.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from chemo_fallback.errors import ChemoFallbackError

GENESIS = "0" * 64
COLUMNS = (
    "audit_id",
    "occurred_at",
    "actor",
    "role",
    "action",
    "record_type",
    "record_id",
    "before_json",
    "after_json",
    "reason",
)


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    display_name: str = ""


class ActorRefused(ChemoFallbackError):
    """The account acting was deactivated or locked: nothing it does is recorded."""


# What is written about an account that may no longer act: its refused password checks and
# the summary of a streak of them ("auth.locked": the lock-out of earlier versions).
REFUSAL_ACTIONS = frozenset(
    {"auth.login_failed", "auth.login_failures", "auth.locked", "signature.failed"}
)


def _check_actor(cur: duckdb.DuckDBPyConnection, actor: Actor, action: str) -> None:
    if action in REFUSAL_ACTIONS:
        return
    row = cur.execute(
        "SELECT active, locked_until FROM users WHERE username = ?", [actor.username]
    ).fetchone()
    if row is None:
        return  # the command line or the system, not an account of the application
    active, locked_until = row
    if not active:
        raise ActorRefused(
            f"Action refusée : le compte « {actor.username} » est désactivé. Rien n'a été "
            "enregistré ; demandez à un administrateur.",
            code="account_inactive",
        )
    if locked_until is not None and locked_until > datetime.now():
        raise ActorRefused(
            f"Action refusée : le compte « {actor.username} » est verrouillé jusqu'à "
            f"{locked_until:%H:%M}. Rien n'a été enregistré ; demandez à un administrateur de "
            "le déverrouiller.",
            code="account_locked",
        )


def command_line_actor() -> Actor:
    """Who acts from the command line: the system account, as an administrator."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "inconnu"
    return Actor(f"cli:{name}", "admin", f"ligne de commande ({name})")


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _digest(prev_hash: str, fields: tuple, rows_json: str | None = None) -> str:
    # The row seals (row_seals.py) are part of the record's content when it has some; a record
    # without (older ones, or a transaction that changed no business row) hashes as before.
    values = [f.isoformat() if isinstance(f, datetime) else f for f in fields]
    if rows_json is not None:
        values.append(rows_json)
    canonical = json.dumps(
        values,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(
    cur: duckdb.DuckDBPyConnection,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: str | None = None,
    *,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
) -> int:
    """Append one audit record in the caller's open transaction; returns its id. Refused
    (ActorRefused) when the acting account is deactivated or locked."""
    _check_actor(cur, actor, action)
    head = cur.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    last_id, prev_hash = head if head else (0, GENESIS)
    fields = (
        last_id + 1,
        datetime.now(),
        actor.username,
        actor.role,
        action,
        record_type,
        None if record_id is None else str(record_id),
        _dump(before),
        _dump(after),
        reason,
    )
    digest = _digest(prev_hash, fields)
    placeholders = ", ".join("?" for _ in range(len(COLUMNS) + 2))
    cur.execute(
        f"INSERT INTO audit_log ({', '.join(COLUMNS)}, prev_hash, hash) VALUES ({placeholders})",
        [*fields, prev_hash, digest],
    )
    cur.execute(
        "INSERT OR REPLACE INTO audit_head (singleton, last_id, last_hash) VALUES (true, ?, ?)",
        [last_id + 1, digest],
    )
    return last_id + 1


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    records: int
    first_broken_id: int | None = None
    problem: str = ""  # French

    def message(self) -> str:
        if self.ok:
            return f"Piste d'audit intègre : {self.records} enregistrement(s) vérifié(s)."
        return (
            f"PISTE D'AUDIT ROMPUE à l'enregistrement n° {self.first_broken_id} : {self.problem}. "
            "Ne supprimez rien ; prévenez l'administrateur et le pharmacien responsable."
        )


def attach_rows(cur: duckdb.DuckDBPyConnection, audit_id: int, rows_json: str) -> None:
    """Seal the business rows a transaction changed into its last audit record (the head),
    before the transaction commits: its hash and the head move with it."""
    row = cur.execute(
        f"SELECT {', '.join(COLUMNS)}, prev_hash FROM audit_log WHERE audit_id = ?", [audit_id]
    ).fetchone()
    head = cur.execute("SELECT last_id FROM audit_head").fetchone()
    if row is None or head is None or head[0] != audit_id:
        raise ValueError(f"audit record {audit_id} is not the head: rows cannot be sealed in it")
    digest = _digest(row[-1], row[:-1], rows_json)
    cur.execute(
        "UPDATE audit_log SET rows_json = ?, hash = ? WHERE audit_id = ?",
        [rows_json, digest, audit_id],
    )
    cur.execute("UPDATE audit_head SET last_hash = ?", [digest])


def verify(cur: duckdb.DuckDBPyConnection) -> ChainCheck:
    rows = cur.execute(
        f"SELECT {', '.join(COLUMNS)}, rows_json, prev_hash, hash FROM audit_log "
        "ORDER BY audit_id"
    ).fetchall()
    prev_hash, expected_id = GENESIS, 1
    for row in rows:
        fields, rows_json, stored_prev, stored_hash = row[:-3], row[-3], row[-2], row[-1]
        audit_id = fields[0]
        if audit_id != expected_id:
            return ChainCheck(
                False,
                len(rows),
                expected_id,
                f"enregistrement manquant (n° {audit_id} suit n° {expected_id - 1})",
            )
        if stored_prev != prev_hash:
            return ChainCheck(
                False,
                len(rows),
                audit_id,
                "le lien vers l'enregistrement précédent ne correspond pas",
            )
        if _digest(prev_hash, fields, rows_json) != stored_hash:
            return ChainCheck(
                False, len(rows), audit_id, "son contenu a été modifié après son écriture"
            )
        prev_hash, expected_id = stored_hash, expected_id + 1
    head = cur.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    last_id, last_hash = head if head else (0, GENESIS)
    present = expected_id - 1
    if (last_id, last_hash) != (present, prev_hash):
        return ChainCheck(
            False,
            len(rows),
            min(last_id, present) + 1,
            f"la fin de la chaîne ne correspond pas (dernier enregistrement écrit : n° "
            f"{last_id} ; dernier présent : n° {present}) : des enregistrements ont disparu "
            "ou ont été ajoutés hors de l'application",
        )
    return ChainCheck(True, len(rows))
