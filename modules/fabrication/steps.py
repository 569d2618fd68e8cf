"""A preparation's steps after its sheet is printed: vials scanned into it, made (with the
reliquat of its last vial), controlled by someone else (its register entry is then fixed), or
cancelled with a reason (its line goes back to the queue; a new sheet takes a new number)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from chemo_fallback import audit
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import repository as repo
from chemo_fallback.modules.fabrication.queue import STATUS_LABELS
from chemo_fallback.modules.fabrication.scanning import (
    check_lot_expiry,
    check_vial,
    parse_vial_code,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store


class StepRefused(ChemoFallbackError):
    """The step was not recorded; the message says why and what to do."""


def _preparation(cur, preparation_id: str, allowed: tuple[str, ...], what: str) -> dict:
    row = repo.preparation(cur, preparation_id)
    if row is None:
        raise StepRefused(
            f"Préparation {preparation_id} inconnue : vérifiez le numéro (code-barres de la "
            "fiche).", code="preparation_unknown",
        )
    if row["status"] not in allowed:
        raise StepRefused(
            f"Préparation {preparation_id} (ordonnancier n° {row['register_no']}) : "
            f"{STATUS_LABELS[row['status']]}, on ne peut plus {what}.",
            code="preparation_wrong_status",
        )
    return row


def scan_vial(
    store: Store,
    user: User,
    preparation_id: str,
    code: str,
    settings: SiteSettings,
    *,
    now: datetime | None = None,
) -> dict:
    """Record a vial's GS1 DataMatrix (GTIN, lot, expiry, serial) against the preparation;
    refused when it is not one of the sheet's products, is expired or expires before the
    preparation, was already used, or cannot be read."""
    require(user.role, Permission.FABRICATION_PREPARE)
    now = now or datetime.now()
    scanned = parse_vial_code(code, separator_substitute=settings.gs1_separator_substitute)
    with store.transaction() as cur:
        row = _preparation(cur, preparation_id, ("sheet_printed", "in_progress"),
                           "y scanner de flacon")
        plan = json.loads(row["plan_json"])
        expected = {p["gtin"]: p["name"] for p in plan["products"] if p["gtin"]}
        by_gtin = {p["gtin"]: p["product_id"] for p in plan["products"] if p["gtin"]}
        product_id = by_gtin.get(scanned.gtin)
        known = repo.known_lot_expiry(cur, product_id, scanned.lot) if product_id else None
        catalog = dict(cur.execute(
            "SELECT gtin, name FROM ref.products WHERE gtin IS NOT NULL").fetchall())
        expiry = check_vial(
            scanned, expected_gtins=expected, preparation_expires_at=row["expires_at"],
            used_serials=repo.used_serials(cur), now=now, known_expiry=known, catalog=catalog,
        )
        assert product_id is not None  # check_vial refuses a GTIN not expected
        values = {
            "preparation_id": preparation_id, "product_id": product_id, "gtin": scanned.gtin,
            "lot": scanned.lot, "expiry": expiry, "serial": scanned.serial,
            "raw": scanned.hri or scanned.raw, "scanned_at": now, "scanned_by": user.username,
        }
        scan_id = repo.insert_scan(cur, values)
        if row["status"] == "sheet_printed":
            repo.update_preparation(cur, preparation_id,
                                    {"status": "in_progress", "started_at": now})
        audit.record(
            cur, user.actor, "preparation.vial_scanned", "preparation", preparation_id,
            after={"scan_id": scan_id, "product_id": product_id, "lot": scanned.lot,
                   "expiry": expiry, "serial": scanned.serial},
        )
    return {**values, "scan_id": scan_id}


LOT_TYPED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,19}$")  # GS1 AI 10: up to 20


def record_vial_by_hand(
    store: Store,
    user: User,
    preparation_id: str,
    product_id: str,
    lot: str,
    expiry: date | None,
    *,
    now: datetime | None = None,
) -> dict:
    """A vial whose DataMatrix cannot be read (or a product without GTIN): its product, lot
    and expiry typed from its label, under the same checks as a scan, marked typed."""
    require(user.role, Permission.FABRICATION_PREPARE)
    now = now or datetime.now()
    lot = (lot or "").strip().upper()
    if not LOT_TYPED.match(lot):
        raise StepRefused(
            f"Lot « {lot} » illisible : recopiez le lot imprimé sur le flacon (lettres, chiffres, "
            "., /, _ ou -, 20 caractères au plus).", code="vial_lot_typed_invalid",
        )
    with store.transaction() as cur:
        row = _preparation(cur, preparation_id, ("sheet_printed", "in_progress"),
                           "y enregistrer de flacon")
        plan = json.loads(row["plan_json"])
        products = {p["product_id"]: p for p in plan["products"]}
        if product_id not in products:
            raise StepRefused(
                "Produit absent de la fiche : choisissez l'un des produits de la fiche ("
                + ", ".join(p["name"] for p in products.values()) + ").",
                code="vial_product_not_on_sheet",
            )
        kept = check_lot_expiry(
            lot, expiry, known_expiry=repo.known_lot_expiry(cur, product_id, lot),
            preparation_expires_at=row["expires_at"], now=now,
        )
        values = {
            "preparation_id": preparation_id, "product_id": product_id,
            "gtin": products[product_id]["gtin"] or "", "lot": lot, "expiry": kept,
            "serial": None, "raw": "saisie manuelle", "scanned_at": now,
            "scanned_by": user.username,
        }
        scan_id = repo.insert_scan(cur, values)
        if row["status"] == "sheet_printed":
            repo.update_preparation(cur, preparation_id,
                                    {"status": "in_progress", "started_at": now})
        audit.record(
            cur, user.actor, "preparation.vial_typed", "preparation", preparation_id,
            after={"scan_id": scan_id, "product_id": product_id, "lot": lot, "expiry": kept},
            reason="code du flacon illisible ou produit sans GTIN : saisie manuelle",
        )
    return {**values, "scan_id": scan_id}


def mark_prepared(
    store: Store,
    user: User,
    preparation_id: str,
    *,
    diluent_lot: str | None = None,
    now: datetime | None = None,
) -> None:
    """The preparer has made it. Every product of the sheet must have a scanned vial (its lot
    goes into the register); what is left of the last vial becomes a reliquat."""
    require(user.role, Permission.FABRICATION_PREPARE)
    now = now or datetime.now()
    diluent_lot = (diluent_lot or "").strip() or None
    with store.transaction() as cur:
        row = _preparation(cur, preparation_id, ("sheet_printed", "in_progress"),
                           "la déclarer préparée")
        plan = json.loads(row["plan_json"])
        scans = repo.scans(cur, preparation_id)
        scanned = {s["product_id"] for s in scans}
        new_products = {v["product_id"] for v in plan["vials"]}
        missing = sorted(new_products - scanned)
        if missing:
            names = {p["product_id"]: p["name"] for p in plan["products"]}
            raise StepRefused(
                "Aucun flacon scanné pour " + ", ".join(names.get(m, m) for m in missing)
                + " : scannez chaque flacon ouvert (son lot entre dans l'ordonnancier).",
                code="preparation_vials_not_scanned",
            )
        if plan["diluent"] and diluent_lot is None:
            raise StepRefused(
                "Lot du solvant manquant : saisissez le lot de la poche ou du flacon de solvant "
                "utilisé (il entre dans l'ordonnancier).", code="preparation_diluent_lot_missing",
            )
        reliquat_id = _keep_remainder(cur, user, row, plan, scans, now)
        repo.update_preparation(cur, preparation_id, {
            "status": "prepared", "prepared_at": now, "prepared_by": user.username,
            "prepared_by_name": user.display_name, "diluent_lot": diluent_lot,
        })
        audit.record(
            cur, user.actor, "preparation.prepared", "preparation", preparation_id,
            before={"status": row["status"]},
            after={"status": "prepared", "diluent_lot": diluent_lot, "reliquat_id": reliquat_id},
        )


def _keep_remainder(cur, user: User, row: dict, plan: dict, scans: list[dict],
                    now: datetime) -> int | None:
    remainder = plan.get("remainder")
    if not remainder or remainder["usable_until"] is None:
        return None  # drawn whole, or to discard (no in-use stability known)
    lots = [s for s in scans if s["product_id"] == remainder["product_id"]]
    last = lots[-1]
    usable_until = min(
        datetime.fromisoformat(remainder["usable_until"]),
        datetime.combine(last["expiry"], datetime.max.time()),
    )
    values = {
        "product_id": remainder["product_id"], "lot": last["lot"],
        "amount": remainder["amount"], "dose_unit": row["dose_unit"],
        "opened_at": datetime.fromisoformat(remainder["opened_at"]),
        "usable_until": usable_until, "source_preparation_id": row["preparation_id"],
        "status": "open", "recorded_at": now, "recorded_by": user.username,
    }
    reliquat_id = repo.insert_reliquat(cur, values)
    audit.record(cur, user.actor, "reliquat.recorded", "reliquat", reliquat_id, after=values)
    return reliquat_id


def control(store: Store, user: User, preparation_id: str, *,
            now: datetime | None = None) -> None:
    """The controller's check: never the preparer. The register entry is fixed from here on."""
    require(user.role, Permission.FABRICATION_CONTROL)
    now = now or datetime.now()
    with store.transaction() as cur:
        row = _preparation(cur, preparation_id, ("prepared",), "la contrôler")
        if row["prepared_by"] == user.username:
            raise StepRefused(
                "Contrôle refusé : vous avez fait cette préparation. Le contrôle est fait par "
                "une autre personne (préparateur ou pharmacien).",
                code="controller_is_preparer",
            )
        from chemo_fallback.modules.fabrication.register import entry_of

        entry = entry_of(cur, {**row, "controlled_by_name": user.display_name,
                               "status": "controlled"})
        repo.update_preparation(cur, preparation_id, {
            "status": "controlled", "controlled_at": now, "controlled_by": user.username,
            "controlled_by_name": user.display_name,
            "register_json": json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str),
        })
        audit.record(
            cur, user.actor, "preparation.controlled", "preparation", preparation_id,
            before={"status": "prepared"}, after={"status": "controlled"},
        )


def cancel(store: Store, user: User, preparation_id: str, reason: str, *,
           now: datetime | None = None) -> None:
    """A preparation not controlled yet is cancelled with its reason: its register entry stays
    (marked cancelled) and its line goes back to the queue, to be printed under a new number."""
    require(user.role, Permission.FABRICATION_PREPARE)
    now = now or datetime.now()
    reason = (reason or "").strip()
    if not reason:
        raise StepRefused("Motif obligatoire pour annuler une préparation.",
                          code="preparation_cancel_reason_missing")
    with store.transaction() as cur:
        row = _preparation(cur, preparation_id, ("sheet_printed", "in_progress", "prepared"),
                           "l'annuler")
        repo.update_preparation(cur, preparation_id, {
            "status": "cancelled", "status_reason": reason, "status_changed_at": now,
            "status_changed_by": user.username,
        })
        audit.record(
            cur, user.actor, "preparation.cancelled", "preparation", preparation_id,
            before={"status": row["status"]}, after={"status": "cancelled"}, reason=reason,
        )
