"""Printing the administration plans: a patient's day, a whole ward's day in one PDF, and a
blank plan for a patient the fallback does not know yet. Each is stored as data first
(documents.store) and rendered from it; the same request sent twice prints once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback import request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.documents.store import get_document, record_document
from chemo_fallback.modules.administration import documents, service
from chemo_fallback.modules.administration.documents_content import (
    blank_content,
    plan_content,
    ward_content,
)
from chemo_fallback.modules.administration.models import AdministrationRefused
from chemo_fallback.store import Store

PLAN_RECORD, WARD_RECORD = "administration_plan", "ward_day"


@dataclass(frozen=True)
class Printed:
    document_id: int
    filename: str
    pdf: bytes


def _print(store: Store, user: User, kind: str, record_type: str, record_id: str, content,
           request_key: str | None) -> Printed:
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, kind, user.username)
        if first is None:
            document = record_document(cur, user.actor, kind, record_type, record_id, content)
            request_keys.remember(cur, request_key, kind, user.username,
                                  str(document.document_id))
            assert document.pdf is not None
            return Printed(document.document_id, document.filename, document.pdf)
    earlier = get_document(store, int(first))
    return Printed(earlier.document_id, earlier.filename, earlier.render())


def print_patient_plan(store: Store, user: User, patient_id: str, day: date, *,
                       first_start: datetime | None = None,
                       request_key: str | None = None) -> Printed:
    plan = service.patient_plan(store, user, patient_id, day, first_start)
    if plan is None:
        raise AdministrationRefused(
            f"Aucun plan le {day:%d/%m/%Y} pour le patient {patient_id} : aucune prescription "
            "validée ne prévoit d'administration ce jour.", code="administration_no_plan")
    return _print(store, user, documents.PLAN_KIND, PLAN_RECORD,
                  f"{patient_id} {day.isoformat()}", plan_content(plan), request_key)


def print_ward_plans(store: Store, user: User, day: date, ward_id: str | None, *,
                     first_start: datetime | None = None,
                     request_key: str | None = None) -> Printed:
    """Every patient's plan of the ward and the day, one PDF (every ward when None)."""
    plans = service.ward_plans(store, user, day, ward_id, first_start)
    ward = _ward_name(store, user, ward_id)
    if not plans:
        raise AdministrationRefused(
            f"Aucun plan le {day:%d/%m/%Y} pour {ward} : aucune prescription validée ne prévoit "
            "d'administration ce jour.", code="administration_no_plan")
    return _print(store, user, documents.WARD_KIND, WARD_RECORD,
                  f"{ward_id or 'toutes'} {day.isoformat()}", ward_content(ward, day, plans),
                  request_key)


def print_blank_plan(store: Store, user: User, ward_id: str | None, day: date | None, *,
                     request_key: str | None = None) -> Printed:
    require(user.role, Permission.ADMINISTRATION_READ)
    ward = _ward_name(store, user, ward_id) if ward_id else None
    return _print(store, user, documents.BLANK_KIND, WARD_RECORD,
                  f"{ward_id or 'toutes'} {day.isoformat() if day else 'sans date'}",
                  blank_content(ward, day), request_key)


def _ward_name(store: Store, user: User, ward_id: str | None) -> str:
    if ward_id is None:
        return "toutes les unités"
    return service.wards(store, user).get(ward_id, ward_id)
