"""Printing a prescription's summary for the patient file: the data is gathered and stored
with the document, then rendered; a reprint renders the stored data again."""

from __future__ import annotations

from datetime import date

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.documents import PrintedDocument, documents_for, print_document, reprint
from chemo_fallback.modules.prescription import documents, queries
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.dosing_inputs import patient_identity
from chemo_fallback.modules.prescription.service import RECORD, prescription_or_refuse
from chemo_fallback.store import Store


def summary_data(store: Store, prescription_id: str, today: date) -> documents.PrescriptionSummary:
    cur = store.cursor()
    rx = prescription_or_refuse(cur, prescription_id)
    return documents.PrescriptionSummary(
        identity=patient_identity(cur, rx.patient_id, today),
        prescription=rx,
        signature=repo.signature_text(cur, prescription_id),
        trail=queries.record_trail(cur, rx),
        notes=[
            n
            for n in repo.notes_for(cur, rx.patient_id)
            if n.prescription_id in (None, prescription_id)
        ],
    )


def print_summary(
    store: Store, user: User, prescription_id: str, today: date
) -> tuple[PrintedDocument, bytes]:
    require(user.role, Permission.PRESCRIPTION_READ)
    data = summary_data(store, prescription_id, today)
    return print_document(store, user, documents.KIND, RECORD, prescription_id, data)


def printed_summaries(store: Store, user: User, prescription_id: str) -> list[PrintedDocument]:
    require(user.role, Permission.PRESCRIPTION_READ)
    return [d for d in documents_for(store, RECORD, prescription_id) if d.kind == documents.KIND]


def reprint_summary(store: Store, user: User, document_id: int) -> bytes:
    require(user.role, Permission.PRESCRIPTION_READ)
    return reprint(store, user, document_id)
