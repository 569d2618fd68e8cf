"""Roles and what each may do. Pure: the single table every service checks (deny by default)."""

from __future__ import annotations

from enum import StrEnum

from chemo_fallback.errors import ChemoFallbackError


class Role(StrEnum):
    ADMIN = "admin"
    PRESCRIBER = "prescriber"
    PHARMACIST = "pharmacist"
    PREPARER = "preparer"
    NURSE = "nurse"
    BUYER = "buyer"


ROLE_LABELS = {
    Role.ADMIN: "administrateur",
    Role.PRESCRIBER: "médecin prescripteur",
    Role.PHARMACIST: "pharmacien",
    Role.PREPARER: "préparateur en pharmacie",
    Role.NURSE: "infirmier(e)",
    Role.BUYER: "acheteur",
}


class Permission(StrEnum):
    SNAPSHOT_VIEW = "snapshot.view"
    SNAPSHOT_ACTIVATE = "snapshot.activate"
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    PATIENT_READ = "patient.read"
    PATIENT_CREATE = "patient.create"  # a patient missing from the snapshot
    MEASUREMENT_RECORD = "measurement.record"  # height, weight, creatinine
    NOTE_WRITE = "note.write"  # notes between professionals
    PRESCRIPTION_READ = "prescription.read"
    PRESCRIPTION_WRITE = "prescription.write"  # draft, sign, correct, cancel
    PRESCRIPTION_VALIDATE = "prescription.validate"  # pharmaceutical validation
    GO_AHEAD_RECORD = "go_ahead.record"  # the clinical team's day-of "feu vert"
    FABRICATION_READ = "fabrication.read"  # the production queue, sheets, register
    FABRICATION_PREPARE = "fabrication.prepare"  # print sheets, scan vials, mark made
    FABRICATION_CONTROL = "fabrication.control"  # the controller's check at the isolator
    RELEASE = "preparation.release"  # the pharmacist's release (libération) or rejection
    DISPENSE = "dispensing.dispense"  # delivery rounds, handing over to a ward
    RECEIVE = "dispensing.receive"  # the ward's acknowledgement of what arrives
    ADMINISTRATION_READ = "administration.read"  # the administration plans
    ADMINISTRATION_RECORD = "administration.record"  # what was given, not given, incidents
    STOCK_READ = "stock.read"  # stock per lot, its movements and alerts, the forecast
    STOCK_ADJUST = "stock.adjust"  # discards and corrections, each with its reason
    ORDER_WRITE = "order.write"  # supplier orders: create, send, confirm, cancel, close
    ORDER_RECEIVE = "order.receive"  # receive an order's lots into stock
    EXPORT_RUN = "reintegration.export"  # the re-integration package after the outage


# Every role sees the snapshot's state and searches patients.
EVERYONE = frozenset({Permission.SNAPSHOT_VIEW, Permission.PATIENT_READ})
# Clinical roles read prescriptions and write notes to each other.
CLINICAL = frozenset({Permission.PRESCRIPTION_READ, Permission.NOTE_WRITE})
# Those who may hear the clinical team's "OK to make" and record it.
CARE = frozenset({Permission.GO_AHEAD_RECORD})
# The unit's preparers and pharmacists make and control preparations.
FABRICATION = frozenset(
    {Permission.FABRICATION_READ, Permission.FABRICATION_PREPARE, Permission.FABRICATION_CONTROL}
)
# Who sees what a ward receives and gives: the clinical roles.
ADMINISTRATION = frozenset({Permission.ADMINISTRATION_READ})
# Prescribers prescribe; pharmacists transcribe paper prescriptions in a prescriber's name.
PRESCRIBING = frozenset(
    {Permission.PRESCRIPTION_WRITE, Permission.PATIENT_CREATE, Permission.MEASUREMENT_RECORD}
)
# The buyer's work: stock, forecast, orders and their receptions.
PURCHASING = frozenset(
    {Permission.STOCK_READ, Permission.STOCK_ADJUST, Permission.ORDER_WRITE,
     Permission.ORDER_RECEIVE}
)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: EVERYONE
    | {Permission.SNAPSHOT_ACTIVATE, Permission.USERS_MANAGE, Permission.AUDIT_VIEW,
       Permission.EXPORT_RUN},
    Role.PRESCRIBER: EVERYONE | CLINICAL | PRESCRIBING | CARE | ADMINISTRATION,
    Role.PHARMACIST: EVERYONE
    | CLINICAL
    | PRESCRIBING
    | CARE
    | FABRICATION
    | ADMINISTRATION
    | {Permission.PRESCRIPTION_VALIDATE, Permission.RELEASE, Permission.DISPENSE}
    | {Permission.STOCK_READ, Permission.STOCK_ADJUST, Permission.ORDER_RECEIVE},
    Role.PREPARER: EVERYONE
    | CLINICAL
    | FABRICATION
    | {Permission.DISPENSE, Permission.STOCK_READ, Permission.ORDER_RECEIVE},
    Role.NURSE: EVERYONE  # nurses weigh, receive the ward's deliveries and give
    | CLINICAL
    | CARE
    | ADMINISTRATION
    | {Permission.MEASUREMENT_RECORD, Permission.RECEIVE, Permission.ADMINISTRATION_RECORD},
    # patient search is for every role (issue 3)
    Role.BUYER: EVERYONE | PURCHASING,
}


class PermissionDenied(ChemoFallbackError):
    pass


def _role(role: str) -> Role | None:
    try:
        return Role(role)
    except ValueError:
        return None


def allowed(role: str, permission: Permission) -> bool:
    known = _role(role)
    return known is not None and permission in PERMISSIONS[known]  # unknown role: nothing


def require(role: str, permission: Permission) -> None:
    """Refuse, in the service layer, what the role may not do."""
    if not allowed(role, permission):
        known = _role(role)
        label = ROLE_LABELS[known] if known else role
        raise PermissionDenied(
            f"Action non autorisée pour le rôle {label} ({permission}). Connectez-vous avec un "
            "compte habilité ou demandez à un administrateur."
        )
