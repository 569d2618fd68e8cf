"""Electronic signatures: the signer re-enters the password; the signature records name,
role, date-time and meaning, bound to the record, in the transaction of the signed change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import duckdb

from chemo_fallback import audit
from chemo_fallback.auth import accounts, throttle
from chemo_fallback.store import Store


class Meaning(StrEnum):
    PRESCRIBED = "prescrit"
    TRANSCRIBED = "transcrit"  # a pharmacist entering a paper prescription in its author's name
    VALIDATED = "validé"
    RELEASED = "libéré"
    CHECKED = "contrôlé"


@dataclass(frozen=True)
class Signature:
    signature_id: int
    username: str
    display_name: str
    role: str
    signed_at: datetime
    meaning: str
    record_type: str
    record_id: str

    def manifestation(self) -> str:
        """The signature as printed and shown: name, role, date-time, meaning."""
        return (
            f"{self.meaning.capitalize()} par {self.display_name} ({self.role}) le "
            f"{self.signed_at:%d/%m/%Y à %H:%M:%S}"
        )


def confirm_signer(store: Store, signer: accounts.User, password: str) -> None:
    """Check the signer's password again. A signature is not a sign-in: a right password writes
    nothing (the signed change writes its "signature" record); a wrong one counts in the same
    streak as sign-in failures (its first audited as "signature.failed") and the same growing
    delay (auth/throttle.py). A deactivated or locked account cannot sign."""
    accounts.check_password(store, signer.username, password, accounts.SIGNATURE)


def record_signature(
    cur: duckdb.DuckDBPyConnection,
    signer: accounts.User,
    meaning: Meaning,
    record_type: str,
    record_id: str,
    *,
    now: datetime | None = None,
) -> Signature:
    """Write the signature and its audit record, in the caller's open transaction. The account
    is read again there: one locked or deactivated since the password was typed cannot sign
    (the whole change is refused). A completed signature ends the account's streak of failed
    password checks, as a sign-in does (a streak of several gets its summary record)."""
    current = accounts.find_user_in(cur, signer.username)
    if current is None or not current.active:
        raise accounts.AuthError(accounts.SIGNATURE.inactive, code="account_inactive")
    if current.is_locked():
        raise accounts.AuthError(
            accounts.SIGNATURE.locked.format(until=f"{current.locked_until:%H:%M}"),
            code="account_locked",
        )
    row = cur.execute(
        "INSERT INTO signatures (username, display_name, role, signed_at, meaning, record_type, "
        "record_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        [
            signer.username,
            signer.display_name,
            signer.role_label,
            now or datetime.now(),
            meaning.value,
            record_type,
            str(record_id),
        ],
    ).fetchone()
    signature = Signature(*row)
    throttle.end_streak(
        cur, throttle.account_key(signer.username), signer.actor, "série close : signature"
    )
    audit.record(
        cur,
        signer.actor,
        "signature",
        record_type,
        record_id,
        after={"meaning": meaning.value, "signature_id": signature.signature_id},
    )
    return signature
