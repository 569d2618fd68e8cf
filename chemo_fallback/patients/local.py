"""Patients created during the outage: a patient missing from the snapshot (a new patient, a
transfer) gets a provisional IPP ("SEC000001") so that the chain can go on.

Identity vigilance: a second record for the same person is the classic error of a downtime,
so a patient born the same day with a similar name (accents, case, usual or birth name,
swapped names, a typing slip) must be looked at first; creating one anyway needs a written
reason, kept in the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.patients.identity import (
    COLUMNS,
    find_identity,
    identity_from_row,
    local_sql,
    reading,
)
from chemo_fallback.patients.models import (
    NO_SNAPSHOT,
    DuplicateCandidate,
    InvalidEntry,
    NewPatient,
    NoActiveSnapshot,
    PatientHit,
    PatientIdentity,
    PossibleDuplicates,
)
from chemo_fallback.patients.rules import (
    MAX_TEXT_CHARS,
    clean_text,
    duplicates,
    new_patient_problems,
)
from chemo_fallback.store import Store

ID_PREFIX = "SEC"  # "secours": never used by a production IPP
MIN_REASON_CHARS = 5
CREATE_ACTION = "patient.create"  # request-key action (chemo_fallback.request_keys)

BORN_SAME_DAY_SQL = f"""SELECT {COLUMNS}, source FROM (
    SELECT p.patient_id, p.last_name, p.first_name, nullif(p.birth_name, '') AS birth_name,
           p.sex, p.birth_date, p.ward_id, w.name AS ward_name, 'snapshot' AS source
    FROM ref.patients p LEFT JOIN ref.wards w ON w.ward_id = p.ward_id
    WHERE p.birth_date = ?
    UNION ALL
    SELECT l.patient_id, l.last_name, l.first_name, l.birth_name, l.sex, l.birth_date,
           l.ward_id, w.name, 'local'
    FROM local_patients l LEFT JOIN ref.wards w ON w.ward_id = l.ward_id
    WHERE l.birth_date = ?
)
ORDER BY source = 'local', lower(last_name), lower(first_name), patient_id"""


def wards(cur_or_store: duckdb.DuckDBPyConnection | Store) -> list[tuple[str, str]]:
    """(code, name) of the snapshot's wards, by name: the choices of the form."""
    with reading(cur_or_store) as cur:
        return [
            tuple(r)
            for r in cur.execute(
                "SELECT ward_id, name FROM ref.wards ORDER BY name, ward_id"
            ).fetchall()
        ]


def first_name_case(text: str) -> str:
    """ "jean-pierre" or "JEAN-PIERRE" as "Jean-Pierre", the way the snapshot writes first
    names (they are printed on labels); a name typed in mixed case is kept as typed."""
    if text.islower() or text.isupper():
        return text.title()
    return text


def cleaned(new: NewPatient) -> NewPatient:
    """Spaces trimmed; names kept as typed otherwise (the production software re-types them)."""
    return new.model_copy(
        update={
            "last_name": clean_text(new.last_name),
            "first_name": first_name_case(clean_text(new.first_name)),
            "birth_name": clean_text(new.birth_name) or None,
            "ward_id": clean_text(new.ward_id) or None,
        }
    )


def find_duplicates(
    cur_or_store: duckdb.DuckDBPyConnection | Store, new: NewPatient
) -> list[DuplicateCandidate]:
    """Patients of the snapshot or created locally who may be the same person as `new`."""
    if new.birth_date is None:
        return []
    with reading(cur_or_store) as cur:
        rows = cur.execute(BORN_SAME_DAY_SQL, [new.birth_date, new.birth_date]).fetchall()
    fields = PatientHit.model_fields
    return duplicates(cleaned(new), [PatientHit(**dict(zip(fields, r, strict=True))) for r in rows])


def _new_id(cur: duckdb.DuckDBPyConnection) -> str:
    while True:  # a snapshot could, in theory, already hold such an IPP: skip it
        number = cur.execute("SELECT nextval('local_patient_seq')").fetchone()[0]
        patient_id = f"{ID_PREFIX}{number:06d}"
        if find_identity(cur, patient_id) is None:
            return patient_id


def reason_problems(reason: str | None) -> list[str]:
    """What is wrong with the reason confirming that a new patient is not a duplicate."""
    if not reason or len(reason) < MIN_REASON_CHARS:
        return [
            "Motif trop court : expliquez en quelques mots pourquoi il s'agit d'un autre "
            "patient (par exemple « jumelle, prénom différent, vérifié avec sa carte "
            "d'identité »)."
        ]
    if len(reason) > MAX_TEXT_CHARS:
        return [f"Motif trop long : {MAX_TEXT_CHARS} caractères au plus."]
    return []


def create_local_patient(
    store: Store,
    user: User,
    new: NewPatient,
    *,
    confirm_not_duplicate_reason: str | None = None,
    today: date | None = None,
    request_key: str | None = None,
) -> PatientIdentity:
    """The use case: create a patient missing from the snapshot. Raises InvalidEntry (every
    problem), PossibleDuplicates (with the candidates) unless a reason confirms it is another
    person, NoActiveSnapshot or PermissionDenied. Audited in the creating transaction. The same
    `request_key` again (a double click, a reload) returns the patient the first request
    created, and creates nothing (not even a "possible duplicate" of it)."""
    require(user.role, Permission.PATIENT_CREATE)
    today = today or date.today()
    new = cleaned(new)
    reason = clean_text(confirm_not_duplicate_reason) or None
    if store.active_snapshot() is None:  # nothing to check duplicates and wards against
        raise NoActiveSnapshot(NO_SNAPSHOT)
    with store.transaction() as cur:  # checked and written under the store's lock: no twins
        first = request_keys.earlier(cur, request_key, CREATE_ACTION, user.username)
        if first is not None:
            created = find_identity(cur, first, today)
            assert created is not None  # remembered in the transaction that created it
            return created
        known_wards = {code for code, _name in wards(cur)}
        problems = new_patient_problems(new, today, known_wards)
        if problems:
            raise InvalidEntry(problems)
        candidates = find_duplicates(cur, new)
        if candidates and reason is None:
            raise PossibleDuplicates(candidates)
        if candidates and (problems := reason_problems(reason)):
            raise InvalidEntry(problems)
        patient_id = _new_id(cur)
        cur.execute(
            """INSERT INTO local_patients (patient_id, last_name, first_name, birth_name, sex,
                   birth_date, ward_id, created_at, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                patient_id,
                new.last_name,
                new.first_name,
                new.birth_name,
                new.sex,
                new.birth_date,
                new.ward_id,
                datetime.now(),
                user.username,
            ],
        )
        after = {"patient_id": patient_id, **new.model_dump()}
        if candidates:
            after["possible_duplicates"] = [c.patient.patient_id for c in candidates]
        audit.record(
            cur,
            user.actor,
            "patient.created",
            "patient",
            patient_id,
            after=after,
            reason=reason if candidates else None,
        )
        request_keys.remember(cur, request_key, CREATE_ACTION, user.username, patient_id)
        row = cur.execute(local_sql(True), [patient_id]).fetchone()
    return identity_from_row(row, today, "local")
