"""Reading the audit trail (admin): filters, French labels, CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chemo_fallback import audit
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.store import Store

ACTION_LABELS = {
    "snapshot.activated": "instantané activé",
    "snapshot.refused": "activation d'instantané refusée",
    "user.created": "compte créé",
    "user.unlocked": "compte déverrouillé",
    "user.activated": "compte réactivé",
    "user.deactivated": "compte désactivé",
    "auth.login": "connexion",
    "auth.login_failed": "échec de connexion",
    "auth.locked": "compte verrouillé",
    "signature": "signature électronique",
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
    "prescription.go_ahead": "feu vert de l'équipe soignante",
}
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
)


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
        writer.writerow(
            [
                r.audit_id,
                f"{r.occurred_at:%d/%m/%Y %H:%M:%S}",
                r.actor,
                r.role,
                r.action_label,
                r.record_type,
                r.record_id or "",
                r.before_json or "",
                r.after_json or "",
                r.reason or "",
                r.hash,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
