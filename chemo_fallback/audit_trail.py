"""Reading the audit trail (admin): filters, French labels, readable before/after values, CSV
export. The stored JSON is never changed (it is hash-chained); only its reading is French."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chemo_fallback import audit, french
from chemo_fallback.auth.roles import ROLE_LABELS, Permission, require
from chemo_fallback.modules.prescription.models import STATUS_LABELS
from chemo_fallback.patients.rules import KINDS
from chemo_fallback.spreadsheet import safe_row
from chemo_fallback.store import Store

ACTION_LABELS = {
    "snapshot.activated": "instantané activé",
    "snapshot.refused": "activation d'instantané refusée",
    "store.migrated": "mise à jour du schéma de la base",
    "audit.unanchored": "enregistrements non ancrés trouvés à l'ouverture",
    "user.created": "compte créé",
    "user.unlocked": "compte déverrouillé",
    "user.activated": "compte réactivé",
    "user.deactivated": "compte désactivé",
    "auth.login": "connexion",
    "auth.login_failed": "échec de connexion",
    "auth.locked": "compte verrouillé",
    "auth.login_failures": "série d'échecs de mot de passe close (nombre d'essais)",
    "user.password_reset": "mot de passe réinitialisé par un administrateur",
    "signature": "signature électronique",
    "signature.failed": "échec de signature",
    "patient.created": "patient créé pendant la panne",
    "measurement.recorded": "mesure saisie (taille, poids, créatinine)",
    "measurement.corrected": "mesure corrigée",
    "lab.recorded": "résultat de biologie saisi",
    "lab.corrected": "résultat de biologie corrigé",
    "document.printed": "document imprimé",
    "document.reprinted": "document réimprimé",
    "prescription.draft_created": "prescription créée (brouillon)",
    "prescription.recomputed": "doses recalculées",
    "prescription.dose_modified": "dose modifiée",
    "prescription.line_added": "ligne hors protocole ajoutée",
    "prescription.indication_set": "code indication (liste en sus) saisi",
    "prescription.day_moved": "date d'un jour du cycle changée",
    "prescription.signed": "prescription signée",
    "prescription.cancelled": "prescription annulée",
    "prescription.correction_started": "version corrigée créée",
    "prescription.superseded": "prescription remplacée par une version corrigée",
    "note.added": "note ajoutée",
    "prescription.validated": "prescription validée (validation pharmaceutique)",
    "prescription.first_check": "1re validation pharmaceutique (double contrôle)",
    "prescription.rejected": "prescription refusée par la pharmacie",
    "prescription.intervention": "intervention pharmaceutique",
    "prescription.change_requested": "modification demandée",
    "prescription.go_ahead": "feu vert de l'équipe soignante",
    "preparation.sheet_printed": "fiche de fabrication imprimée (n° d'ordonnancier attribué)",
    "preparation.vial_scanned": "flacon scanné pour une préparation",
    "preparation.vial_typed": "flacon saisi à la main pour une préparation",
    "preparation.prepared": "préparation faite",
    "preparation.controlled": "préparation contrôlée",
    "preparation.cancelled": "préparation annulée",
    "reliquat.recorded": "reliquat (flacon entamé) enregistré",
    "reliquat.drawn": "reliquat utilisé pour une préparation",
    "reliquat.discarded": "reliquat jeté",
    "reliquat.kept": "reliquat conservé",
    "administration.given": "administration enregistrée : administrée",
    "administration.partial": "administration enregistrée : administrée en partie",
    "administration.not_given": "administration enregistrée : non administrée (motif)",
    "administration.incident": "incident à l'administration enregistré",
    "administration.corrected": "enregistrement d'administration corrigé (nouvel enregistrement)",
    "dispensing.round_created": "tournée de délivrance créée",
    "dispensing.item_added": "préparation scannée dans une tournée (dispensée)",
    "dispensing.item_removed": "préparation retirée d'une tournée ouverte",
    "dispensing.handed_over": "tournée remise (bordereau de délivrance imprimé)",
    "dispensing.item_received": "préparation reçue dans l'unité de soins",
    "dispensing.round_received": "tournée reçue en entier par l'unité de soins",
    "preparation.controls_recorded": (
        "contrôles avant libération enregistrés (pesée, aspect, analytique)"
    ),
    "preparation.released": "préparation libérée (signature du pharmacien)",
    "preparation.release_rejected": "préparation rejetée à la libération (décision)",
    "preparation.rejected": "préparation marquée rejetée (sa ligne revient dans la file)",
    "ordering.stock_discard": "flacons détruits (stock)",
    "ordering.stock_correction": "correction d'inventaire (stock)",
    "ordering.order_create": "commande fournisseur créée (brouillon)",
    "ordering.order_line_change": "ligne d'une commande en brouillon modifiée ou retirée",
    "ordering.order_send": "commande fournisseur envoyée",
    "ordering.order_confirm": "commande confirmée par le fournisseur (référence, date promise)",
    "ordering.order_ship": "commande expédiée par le fournisseur",
    "ordering.order_cancel": "commande fournisseur annulée (motif)",
    "ordering.order_close": "commande fournisseur clôturée",
    "ordering.order_receive": "réception de flacons d'une commande (lot, péremption)",
    "ordering.export": "export des achats pour le logiciel d'achats (fichiers CSV)",
    "reintegration.exported": "export de réintégration (CSV, FHIR, rapprochement)",
}
RECORD_TYPE_LABELS = {
    "user": "compte",
    "snapshot_activation": "activation d'instantané",
    "store": "base de l'application",
    "audit_log": "piste d'audit",
    "patient": "patient",
    "patient_measurement": "mesure",
    "patient_lab_result": "résultat de biologie",
    "lab": "résultat de biologie",
    "prescription": "prescription",
    "note": "note",
    "signature": "signature",
    "document": "document",
    "preparation": "préparation",
    "preparation_batch": "lot d'impression de fabrication",
    "dispensing_round": "tournée de délivrance",
    "reliquat": "reliquat",
    "administration_record": "administration (étape d'un plan)",
    "administration_plan": "plan d'administration (patient et jour)",
    "ward_day": "unité et jour",
    "stock_lot": "lot en stock (produit/lot)",
    "order": "commande fournisseur",
    "ordering_export": "export des achats (période)",
    "reintegration_export": "export de réintégration",
    "supplier_order": "commande fournisseur",
    "crisis_day": "situation de l'unité (journée)",
}
# The fields written in before/after values, as an auditor reads them.
FIELD_LABELS = {
    "active": "actif",
    "address": "adresse du poste",
    "addresses": "adresses des postes",
    "age_years": "âge (ans)",
    "already_given": "déjà administrés",
    "birth_date": "date de naissance",
    "birth_name": "nom de naissance",
    "code": "code",
    "codes": "codes",
    "comment": "commentaire",
    "count": "nombre d'échecs à la suite",
    "confirm_codes": "questions confirmées",
    "confirm_reason": "motif de la confirmation",
    "continues": "prescription de production reprise",
    "cycle_no": "cycle n°",
    "cycle_start_date": "début du cycle",
    "date": "date",
    "day_no": "jour n°",
    "demo": "compte de démonstration",
    "display_name": "nom affiché",
    "document_id": "document n°",
    "dose": "dose",
    "doses": "doses",
    "doses_recomputed": "doses recalculées",
    "drug_id": "médicament",
    "exported_at": "date d'export",
    "failed_attempts": "essais infructueux",
    "failures": "échecs à la suite",
    "first_at": "premier échec le",
    "first_audit_id": "premier échec : enregistrement n°",
    "findings": "points relevés",
    "first_name": "prénom",
    "given_at": "administré le",
    "given_by": "administré par",
    "intervention_code": "code d'intervention",
    "kind": "mesure",
    "lab_record_id": "résultat n°",
    "last_at": "dernier échec le",
    "last_name": "nom",
    "left_out": "lignes écartées",
    "line_id": "ligne",
    "locked_until": "verrouillé jusqu'au",
    "meaning": "signification",
    "migrations": "mises à jour appliquées",
    "first": "du n°",
    "last": "au n°",
    "measured_on": "mesuré le",
    "measurement_id": "mesure n°",
    "modification_pct": "modification (%)",
    "modifications_carried": "modifications reprises",
    "next_allowed_at": "prochain essai possible après",
    "off_protocol": "hors protocole",
    "overrides": "points levés (motif)",
    "patient_id": "patient (IPP)",
    "possible_duplicates": "doublons possibles",
    "prescriber": "prescripteur",
    "prescription_id": "prescription",
    "print_id": "impression n°",
    "protocol": "protocole",
    "reason": "motif",
    "replaced_by": "remplacée par",
    "replaces_id": "remplace la mesure n°",
    "replaces_measurement_id": "remplace la mesure n°",
    "role": "rôle",
    "sampled_at": "prélevé le",
    "sex": "sexe",
    "sha256": "empreinte SHA-256",
    "signature_failures": "dont échecs de signature",
    "shift_days": "décalage des dates (jours)",
    "signature_id": "signature n°",
    "single_pharmacist": "pharmacien seul",
    "site": "site",
    "snapshot_id": "instantané",
    "source_path": "fichier source",
    "source_system": "logiciel source",
    "status": "statut",
    "supersedes": "remplace",
    "test_code": "examen",
    "text": "texte",
    "title": "titre",
    "unit": "unité",
    "unit_normalised": "unité normalisée",
    "username": "identifiant",
    "value": "valeur",
    "value_normalised": "valeur normalisée",
    "version": "version",
    "ward_id": "service",
    "amount": "quantité restante",
    "diluent_lot": "lot du solvant",
    "expiry": "péremption",
    "lot": "lot",
    "opened_at": "ouvert le",
    "product_id": "produit",
    "register_no": "n° d'ordonnancier",
    "reliquat_id": "reliquat n°",
    "reliquats_used": "reliquats utilisés",
    "scan_id": "scan n°",
    "serial": "numéro de série",
    "source_preparation_id": "préparation d'origine",
    "usable_until": "utilisable jusqu'au",
    "vials": "flacons",
    "dose_unit": "unité",
    "recorded_at": "enregistré le",
    "recorded_by": "enregistré par",
    "round_id": "tournée n°",
    "item_id": "ligne de tournée n°",
    "label": "nom de la tournée",
    "day": "jour",
    "carried_by_name": "emportée par",
    "handed_over_at": "remise le",
    "received_at": "reçue le",
    "received_by_name": "reçue par",
    "removed_at": "retirée le",
    "scanned_at": "scannée le",
    "how": "mode de réception",
    "preparation_id": "préparation",
    "outcome": "administration",
    "planned_date": "prévue le",
    "started_at": "début (ou heure de l'incident)",
    "ended_at": "fin",
    "given_by_name": "infirmier(e) qui a administré",
    "amount_given": "administré en partie",
    "incident": "incident",
    "action_taken": "ce qui a été fait",
    "from_paper": "saisi d'après le plan papier signé",
    "checks": "vérifications avant d'administrer",
    "record_id": "enregistrement n°",
    "replaces_record_id": "corrige l'enregistrement n°",
    "control_id": "contrôle n°",
    "mass_measured_g": "masse mesurée (g)",
    "target_mass_g": "masse cible (g)",
    "mass_low_g": "masse minimale acceptée (g)",
    "mass_high_g": "masse maximale acceptée (g)",
    "gravimetric_verdict": "contrôle gravimétrique",
    "visual_ok": "aspect conforme",
    "visual_comment": "commentaire du contrôle visuel",
    "analytical_method": "méthode du contrôle analytique",
    "analytical_result": "résultat du contrôle analytique",
    "analytical_conform": "contrôle analytique conforme",
    "decision": "décision",
    "decision_id": "décision n°",
    "lifted": "points levés (libérée malgré l'écart)",
    "balance": "stock du lot (flacons)",
    "counted": "flacons comptés",
    "movement_id": "mouvement de stock n°",
    "expiry_date": "péremption",
    "quantity": "flacons (+ entrée, − sortie)",
    "order_no": "commande n°",
    "period_from": "période du",
    "period_to": "période au",
    "orders": "commandes",
    "order_lines": "lignes de commande",
    "receptions": "réceptions",
    "movements": "autres mouvements de stock",
    "format_version": "version du format",
    "files": "fichiers (empreinte SHA-256)",
    "supplier_id": "fournisseur",
    "origin": "origine (suggestion ou saisie)",
    "delivery_address": "adresse de livraison",
    "lines": "lignes",
    "order_line_id": "ligne de commande",
    "supplier_ref": "référence fournisseur du produit",
    "pack_size": "flacons par conditionnement",
    "packs": "conditionnements",
    "quantity_vials": "flacons commandés",
    "unit_price": "prix unitaire HT (€)",
    "removed": "ligne retirée",
    "sent_at": "envoyée le",
    "sent_by": "envoyée par",
    "confirmed_at": "confirmée le",
    "confirmed_by": "confirmée par",
    "supplier_reference": "référence de la commande chez le fournisseur",
    "promised_date": "livraison promise le",
    "shipped_at": "expédiée le",
    "shipped_by": "expédition notée par",
    "closed_at": "clôturée le",
    "closed_by": "clôturée par",
    "status_reason": "motif",
    "entry": "saisie (scan ou manuelle)",
    "since": "depuis le",
    "until": "jusqu'au",
    "since_last": "depuis le dernier export",
    "out_path": "dossier écrit",
    "encoding": "encodage",
    "separator": "séparateur",
    "rows": "lignes exportées",
    "manifest_sha256": "empreinte SHA-256 du manifeste",
}
# Coded values shown by their French label, per field.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "role": {str(k): v for k, v in ROLE_LABELS.items()},
    "status": {str(k): v for k, v in STATUS_LABELS.items()},
    "kind": {k: rule.label.lower() for k, rule in KINDS.items()},
    "sex": {"F": "femme", "M": "homme"},
    "outcome": {"given": "administrée", "partial": "administrée en partie",
                "not_given": "non administrée", "incident": "incident"},
    "gravimetric_verdict": {"within": "dans la tolérance", "out": "hors tolérance",
                            "not_done": "non fait"},
    "decision": {"released": "libérée", "rejected": "rejetée"},
    "lifted": {"release_mass_out_of_tolerance": "masse hors tolérance",
               "release_mass_not_controlled": "pesée non faite"},
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
ABSENT = object()
HEADERS = (
    "n°",
    "date et heure",
    "utilisateur",
    "rôle",
    "action",
    "type d'enregistrement",
    "enregistrement",
    "avant",
    "après",
    "motif",
    "empreinte",
    "avant (JSON enregistré)",
    "après (JSON enregistré)",
)


def role_label(role: str) -> str:
    return "inconnu" if role in ("", "?") else ROLE_LABELS.get(role, role)


def record_type_label(record_type: str) -> str:
    return RECORD_TYPE_LABELS.get(record_type, record_type.replace("_", " "))


def field_label(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def value_text(value: Any, key: str = "") -> str:
    """One stored value, French: dates and numbers through chemo_fallback.french, booleans
    "oui"/"non", coded values by their label, lists joined, nested dicts as "champ : valeur"."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (int, float)):
        if key.endswith("_id") or key in ("signature_id", "print_id"):
            return str(value)  # an identifier is never grouped by thousands
        return french.number(value, 6)
    if isinstance(value, str):
        if key in VALUE_LABELS and value in VALUE_LABELS[key]:
            return VALUE_LABELS[key][value]
        if ISO_DATE.match(value):
            return french.day(date.fromisoformat(value))
        if ISO_MOMENT.match(value):
            moment = datetime.fromisoformat(value)
            return french.moment(moment, seconds=moment.second != 0)
        return value
    if isinstance(value, list):
        return ", ".join(value_text(v, key) for v in value) if value else "aucun"
    if isinstance(value, dict):
        if not value:
            return "aucun"
        inner = " ; ".join(f"{field_label(k)} : {value_text(v, k)}" for k, v in value.items())
        return f"({inner})"
    return str(value)


def _load(text: str | None) -> Any:
    if text is None:
        return ABSENT
    try:
        return json.loads(text)
    except ValueError:
        return text  # never hidden: shown as it was stored


def change_lines(before_json: str | None, after_json: str | None) -> list[str]:
    """The before/after values as "champ : valeur" lines; a field that changed reads
    "champ : avant → après"."""
    before, after = _load(before_json), _load(after_json)
    if not isinstance(before, dict) or not isinstance(after, dict):
        lines = []
        if before is not ABSENT:
            lines += _side_lines("avant", before)
        if after is not ABSENT:
            lines += _side_lines("après" if before is not ABSENT else "", after)
        return lines
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key, ABSENT), after.get(key, ABSENT)
        if old is ABSENT:
            lines.append(f"{field_label(key)} : {value_text(new, key)}")
        elif new is ABSENT or old == new:
            lines.append(f"{field_label(key)} : {value_text(old, key)}")
        else:
            lines.append(f"{field_label(key)} : {value_text(old, key)} → {value_text(new, key)}")
    return lines


def _side_lines(side: str, value: Any) -> list[str]:
    prefix = f"{side} — " if side else ""
    if isinstance(value, dict):
        return [f"{prefix}{field_label(k)} : {value_text(v, k)}" for k, v in value.items()]
    return [f"{prefix}{value_text(value)}"]


def side_text(text: str | None) -> str:
    """One side (before or after) alone, readable: for the CSV export."""
    value = _load(text)
    if value is ABSENT:
        return ""
    return " ; ".join(_side_lines("", value))


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    record_id: str = ""
    day_from: date | None = None
    day_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    audit_id: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    record_type: str
    record_id: str | None
    before_json: str | None
    after_json: str | None
    reason: str | None
    hash: str

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    @property
    def record_label(self) -> str:
        return f"{record_type_label(self.record_type)} {self.record_id or ''}".strip()

    def change_lines(self) -> list[str]:
        return change_lines(self.before_json, self.after_json)


def search(store: Store, by: audit.Actor, f: AuditFilter, limit: int = 500) -> list[AuditRow]:
    require(by.role, Permission.AUDIT_VIEW)
    where, params = ["true"], []
    if f.actor.strip():
        where.append("actor ILIKE ?")
        params.append(f"%{f.actor.strip()}%")
    if f.action:
        where.append("action = ?")
        params.append(f.action)
    if f.record_id.strip():
        where.append("record_id = ?")
        params.append(f.record_id.strip())
    if f.day_from:
        where.append("occurred_at >= ?")
        params.append(datetime.combine(f.day_from, datetime.min.time()))
    if f.day_to:
        where.append("occurred_at < ?")
        params.append(datetime.combine(f.day_to + timedelta(days=1), datetime.min.time()))
    rows = (
        store.cursor()
        .execute(
            "SELECT audit_id, occurred_at, actor, role, action, record_type, record_id, "
            f"before_json, after_json, reason, hash FROM audit_log WHERE {' AND '.join(where)} "
            "ORDER BY audit_id DESC LIMIT ?",
            [*params, limit],
        )
        .fetchall()
    )
    return [AuditRow(*r) for r in rows]


def to_csv(rows: list[AuditRow]) -> bytes:
    """Semicolon-separated, UTF-8 with BOM: opens as is in a French spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for r in rows:
        writer.writerow(safe_row(
            [
                r.audit_id,
                french.moment(r.occurred_at, seconds=True),
                r.actor,
                r.role_label,
                r.action_label,
                record_type_label(r.record_type),
                r.record_id or "",
                side_text(r.before_json),
                side_text(r.after_json),
                r.reason or "",
                r.hash,
                r.before_json or "",
                r.after_json or "",
            ]
        ))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
