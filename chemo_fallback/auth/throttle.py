"""Sign-in throttling: a delay that grows with failed password checks, never a lock.

Anyone could lock an administrator out for 15 minutes by typing five wrong passwords; now each
failure in a row beyond the first two makes the next attempt wait (2 s, 4 s, 8 s … up to
5 minutes), per account (the name typed, known or not, so that an unknown name behaves like a
known one) and per client address. An attempt made during the delay is refused without
checking the password and without counting. A streak ends with a successful sign-in or
signature of the account, an administrator's unlock or password reset, or, at the next
failure, after 15 quiet minutes.

The audit trail gets one record at a streak's first failure (`auth.login_failed` or
`signature.failed`, count 1) and, when a streak of several failures ends, one
`auth.login_failures` record with the count, the first and last times and the addresses; the
failures in between only update the `login_throttle` row (bookkeeping, not sealed).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from chemo_fallback import audit

FREE_FAILURES = 2  # the third failure in a row starts the delay
FIRST_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 300
QUIET_MINUTES = 15  # a failure after this long starts a new streak
MAX_KEY_CHARS = 64  # a name typed is cut there (an account name has at most 32)
MAX_ADDRESSES = 20  # kept per streak, for the audit record
ACCOUNT, ADDRESS = "account", "address"
COLUMNS = (
    "scope, key, failures, signature_failures, first_at, last_at, next_allowed_at, addresses, "
    "audit_id"
)
SUMMARY_ACTION = "auth.login_failures"


@dataclass(frozen=True)
class Streak:
    scope: str
    key: str
    failures: int
    signature_failures: int
    first_at: datetime
    last_at: datetime
    next_allowed_at: datetime | None
    addresses: tuple[str, ...]
    audit_id: int | None

    def is_over(self, now: datetime) -> bool:
        return now - self.last_at > timedelta(minutes=QUIET_MINUTES)

    def wait_seconds(self, now: datetime) -> int:
        if self.next_allowed_at is None or self.next_allowed_at <= now:
            return 0
        return math.ceil((self.next_allowed_at - now).total_seconds())


def account_key(typed: str) -> str:
    return typed.strip().lower()[:MAX_KEY_CHARS]


def delay_seconds(failures: int) -> int:
    """The wait after `failures` failures in a row."""
    if failures <= FREE_FAILURES:
        return 0
    return min(FIRST_DELAY_SECONDS * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY_SECONDS)


def duration_text(seconds: int) -> str:
    """French: "1 seconde", "8 secondes", "4 min 16 s", "5 minutes"."""
    if seconds < 60:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes, rest = divmod(seconds, 60)
    if rest == 0:
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    return f"{minutes} min {rest} s"


def _row(cur: duckdb.DuckDBPyConnection, scope: str, key: str) -> Streak | None:
    row = cur.execute(
        f"SELECT {COLUMNS} FROM login_throttle WHERE scope = ? AND key = ?", [scope, key]
    ).fetchone()
    if row is None:
        return None
    return Streak(*row[:7], tuple(json.loads(row[7])), row[8])


def account_streaks(cur: duckdb.DuckDBPyConnection) -> dict[str, Streak]:
    rows = cur.execute(
        f"SELECT {COLUMNS} FROM login_throttle WHERE scope = ? ORDER BY key", [ACCOUNT]
    ).fetchall()
    return {r[1]: Streak(*r[:7], tuple(json.loads(r[7])), r[8]) for r in rows}


def wait_seconds(
    cur: duckdb.DuckDBPyConnection, key: str, address: str | None, now: datetime
) -> int:
    """How long before the account `key` (or anyone from `address`) may try again; 0: now."""
    rows = [_row(cur, ACCOUNT, key)]
    if address:
        rows.append(_row(cur, ADDRESS, address))
    return max((r.wait_seconds(now) for r in rows if r is not None), default=0)


def record_failure(
    cur: duckdb.DuckDBPyConnection,
    key: str,
    address: str | None,
    now: datetime,
    actor: audit.Actor,
    action: str,
    *,
    signature: bool,
    reason: str | None = None,
) -> int:
    """Count one failure of the account `key` (from `address`, when known), in the caller's
    transaction; the first of a streak is audited as `action`. Returns the delay now in force
    (seconds, 0 for none)."""
    current = _row(cur, ACCOUNT, key)
    if current is not None and current.is_over(now):
        _summarise(cur, current, actor, "série close : plus de 15 minutes sans essai")
        cur.execute("DELETE FROM login_throttle WHERE scope = ? AND key = ?", [ACCOUNT, key])
        current = None
    delays = [_count(cur, ACCOUNT, key, current, address, now, signature, actor, action, reason)]
    if address:
        found = _row(cur, ADDRESS, address)
        if found is not None and found.is_over(now):
            found = None
        delays.append(_count(cur, ADDRESS, address, found, address, now, signature))
    return max(delays)


def _count(
    cur: duckdb.DuckDBPyConnection,
    scope: str,
    key: str,
    current: Streak | None,
    address: str | None,
    now: datetime,
    signature: bool,
    actor: audit.Actor | None = None,
    action: str = "",
    reason: str | None = None,
) -> int:
    failures = (current.failures if current else 0) + 1
    delay = delay_seconds(failures)
    next_allowed = now + timedelta(seconds=delay) if delay else None
    addresses = list(current.addresses) if current else []
    if address and address not in addresses and len(addresses) < MAX_ADDRESSES:
        addresses.append(address)
    audit_id = current.audit_id if current else None
    if current is None and actor is not None:  # an account's streak starts: audited
        audit_id = audit.record(
            cur,
            actor,
            action,
            "user",
            key,
            after={"count": 1, "address": address},
            reason=reason,
        )
    cur.execute(
        f"INSERT OR REPLACE INTO login_throttle ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            scope,
            key,
            failures,
            (current.signature_failures if current else 0) + int(signature),
            current.first_at if current else now,
            now,
            next_allowed,
            json.dumps(addresses),
            audit_id,
        ],
    )
    return delay


def end_streak(
    cur: duckdb.DuckDBPyConnection,
    key: str,
    by: audit.Actor,
    why: str,
    address: str | None = None,
    *,
    with_addresses: bool = False,
) -> Streak | None:
    """The account's streak ends (a successful sign-in or signature, an unlock, a password
    reset), in the caller's transaction: a streak of several failures gets its summary record.
    A sign-in also clears its own address's delay (the people of a shared workstation are not
    kept waiting for someone else's typing errors); an administrator's unlock or reset
    (`with_addresses`) clears the delay of every address the streak came from. Returns the
    streak that ended, if any."""
    current = _row(cur, ACCOUNT, key)
    cleared = {address} if address else set()
    if current is not None:
        _summarise(cur, current, by, why)
        cur.execute("DELETE FROM login_throttle WHERE scope = ? AND key = ?", [ACCOUNT, key])
        if with_addresses:
            cleared.update(current.addresses)
    for each in sorted(cleared):
        cur.execute("DELETE FROM login_throttle WHERE scope = ? AND key = ?", [ADDRESS, each])
    return current


def _summarise(cur: duckdb.DuckDBPyConnection, streak: Streak, by: audit.Actor, why: str) -> None:
    if streak.failures < 2:
        return  # the streak's first record says it all
    audit.record(
        cur,
        by,
        SUMMARY_ACTION,
        "user",
        streak.key,
        after={
            "count": streak.failures,
            "signature_failures": streak.signature_failures,
            "first_at": streak.first_at,
            "last_at": streak.last_at,
            "addresses": list(streak.addresses),
            "first_audit_id": streak.audit_id,
        },
        reason=why,
    )
