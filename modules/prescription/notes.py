"""Notes between professionals, on a patient or on one prescription: written once, never
edited, shown latest first with author, role and time."""

from __future__ import annotations

from datetime import date, datetime

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.dosing_inputs import patient_identity
from chemo_fallback.modules.prescription.models import Note, PrescriptionError
from chemo_fallback.store import Store

MAX_NOTE_CHARS = 2000
NOTE_ACTION = "note.add"  # its request-key action (chemo_fallback.request_keys)


def add_note(
    store: Store,
    user: User,
    patient_id: str,
    text: str,
    prescription_id: str | None = None,
    *,
    request_key: str | None = None,
) -> int:
    """A note written once; the same `request_key` again (a double click, the back button)
    returns the first request's note id and writes nothing."""
    require(user.role, Permission.NOTE_WRITE)
    body = (text or "").strip()
    if not body:
        raise PrescriptionError("Note vide : écrivez le message avant de l'enregistrer.")
    if len(body) > MAX_NOTE_CHARS:
        raise PrescriptionError(
            f"Note trop longue ({len(body)} caractères, {MAX_NOTE_CHARS} au plus) : "
            "raccourcissez-la ou écrivez-en deux."
        )
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, NOTE_ACTION, user.username)
        if first is not None:
            return int(first)
        patient_identity(cur, patient_id, date.today())
        if prescription_id is not None:
            rx = repo.load_prescription(cur, prescription_id)
            if rx is None or rx.patient_id != patient_id:
                raise PrescriptionError(
                    f"Prescription {prescription_id} introuvable pour ce patient."
                )
        note_id = repo.insert_note(cur, patient_id, prescription_id, body, datetime.now(), user)
        audit.record(
            cur,
            user.actor,
            "note.added",
            "note",
            note_id,
            after={"patient_id": patient_id, "prescription_id": prescription_id, "text": body},
        )
        request_keys.remember(cur, request_key, NOTE_ACTION, user.username, str(note_id))
    return note_id


def notes_for(store: Store, user: User, patient_id: str) -> list[Note]:
    require(user.role, Permission.PRESCRIPTION_READ)
    return repo.notes_for(store.cursor(), patient_id)
