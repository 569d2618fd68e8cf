"""What the fabrication pages read, in one place and with the role checked: a preparation as
its page shows it, and the preparation a scanned sheet barcode names. No UI here (the pages
call these in a worker thread); nothing is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.documents.store import PrintedDocument, documents_for
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import repository as repo
from chemo_fallback.modules.fabrication.printing import LABEL_KIND, SHEET_KIND
from chemo_fallback.modules.fabrication.queue import STATUS_LABELS
from chemo_fallback.modules.prescription import queries as rx_queries
from chemo_fallback.modules.prescription.models import Prescription
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot, PatientIdentity
from chemo_fallback.store import Store

# What a scanner may put before the sheet's Code 128 (AIM symbology identifiers).
_CODE128_PREFIXES = ("]C0", "]C1", "]C2", "]C4")


def require_snapshot(store: Store) -> None:
    """The fabrication reads the active snapshot's drugs and products: without one, a clear
    refusal rather than a database error."""
    if store.active_snapshot() is None:
        raise NoActiveSnapshot(NO_SNAPSHOT)


class PreparationNotFound(ChemoFallbackError):
    """No preparation has this identifier."""


@dataclass(frozen=True)
class PreparationView:
    row: dict  # fab_preparations
    plan: dict  # what the sheet printed (plan_json)
    scans: list[dict]  # fab_vial_scans, first scanned first
    identity: PatientIdentity | None
    prescription: Prescription | None
    ward_name: str | None
    sheet: PrintedDocument | None  # the first print of its sheet
    label: PrintedDocument | None  # and of its label
    calculation: tuple[str, ...] = ()  # the computation's steps, as the sheet printed them
    user_names: dict[str, str] = field(default_factory=dict)  # username → name shown

    def name_of(self, username: str | None) -> str:
        return self.user_names.get(username or "", username or "—")

    @property
    def preparation_id(self) -> str:
        return self.row["preparation_id"]

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def product_names(self) -> dict[str, str]:
        return {p["product_id"]: p["name"] for p in self.plan["products"]}

    @property
    def line(self):
        if self.prescription is None:
            return None
        return next(
            (x for x in self.prescription.lines if x.line_id == self.row["line_id"]), None
        )

    def products_to_scan(self) -> list[tuple[str, int, int]]:
        """(product name, new vials of it on the sheet, vials of it scanned), sheet order."""
        wanted: dict[str, int] = {}
        for vial in self.plan["vials"]:
            wanted[vial["product_id"]] = wanted.get(vial["product_id"], 0) + 1
        names = self.product_names
        return [
            (names.get(p, p), n, sum(s["product_id"] == p for s in self.scans))
            for p, n in wanted.items()
        ]


def _first(documents: list[PrintedDocument], kind: str) -> PrintedDocument | None:
    found = [d for d in documents if d.kind == kind]
    return found[-1] if found else None  # documents_for lists the latest first


def preparation_view(store: Store, user: User, preparation_id: str, today: date
                     ) -> PreparationView:
    require(user.role, Permission.FABRICATION_READ)
    require_snapshot(store)
    cur = store.cursor()
    row = repo.preparation(cur, preparation_id)
    if row is None:
        raise PreparationNotFound(
            f"Préparation « {preparation_id} » inconnue : vérifiez le numéro (code-barres de "
            "la fiche de fabrication) ou retrouvez-la dans la file de production."
        )
    try:
        prescription = rx_queries.read_prescription(store, user, row["prescription_id"])
    except ChemoFallbackError:
        prescription = None  # the page still shows the preparation and says so
    ward_id = prescription.ward_id if prescription else None
    wards = rx_queries.ward_choices(store, user) if ward_id else {}
    documents = documents_for(store, "preparation", preparation_id)
    sheet = _first(documents, SHEET_KIND)
    return PreparationView(
        row=row,
        plan=json.loads(row["plan_json"]),
        scans=repo.scans(cur, preparation_id),
        identity=find_identity(cur, row["patient_id"], today),
        prescription=prescription,
        ward_name=wards.get(ward_id or "", ward_id),
        sheet=sheet,
        label=_first(documents, LABEL_KIND),
        calculation=tuple(getattr(sheet.content(), "calculation", ())) if sheet else (),
        user_names=dict(cur.execute("SELECT username, display_name FROM users").fetchall()),
    )


def scanned_sheet(store: Store, user: User, code: str) -> str:
    """The preparation named by what a scanner typed from a sheet's or a label's barcode."""
    require(user.role, Permission.FABRICATION_READ)
    text = (code or "").strip()
    for prefix in _CODE128_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
    text = text.upper()
    if not text:
        raise PreparationNotFound(
            "Aucun code reçu : placez le curseur dans le champ « Scanner une fiche » et "
            "scannez le code-barres de la fiche de fabrication."
        )
    if repo.preparation(store.cursor(), text) is None:
        shown = "".join(c if c.isprintable() else "?" for c in text)[:40]
        raise PreparationNotFound(
            f"Aucune préparation « {shown} » : ce n'est pas le code-barres d'une fiche de "
            "fabrication de ce poste (un flacon se scanne depuis la page de la préparation)."
        )
    return text
