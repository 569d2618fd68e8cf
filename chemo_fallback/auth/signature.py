"""Electronic signatures: the signer re-enters the password; the signature records name,
role, date-time and meaning, bound to the record, in the transaction of the signed change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import duckdb

from chemo_fallback import audit
from chemo_fallback.auth import accounts
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
    """Re-authenticate the signer; a wrong password counts towards the lock-out."""
    try:
        accounts.authenticate(store, signer.username, password)
    except accounts.AuthError as exc:
        raise accounts.AuthError(f"Signature refusée : {exc}") from exc


def record_signature(
    cur: duckdb.DuckDBPyConnection,
    signer: accounts.User,
    meaning: Meaning,
    record_type: str,
    record_id: str,
) -> Signature:
    """Write the signature and its audit record, in the caller's open transaction."""
    row = cur.execute(
        "INSERT INTO signatures (username, display_name, role, signed_at, meaning, record_type, "
        "record_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        [
            signer.username,
            signer.display_name,
            signer.role_label,
            datetime.now(),
            meaning.value,
            record_type,
            str(record_id),
        ],
    ).fetchone()
    signature = Signature(*row)
    audit.record(
        cur,
        signer.actor,
        "signature",
        record_type,
        record_id,
        after={"meaning": meaning.value, "signature_id": signature.signature_id},
    )
    return signature
