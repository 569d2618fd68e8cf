"""Printing the day's batch: each selected line becomes a preparation with the next register
number, its sheet and label are stored as data (documents.store) and rendered in one PDF.

Everything is checked before anything is written: one line that cannot be printed (already
printed, waiting for its feu vert, a blocking finding) refuses the whole batch with every
reason, and nothing is numbered. The computation is redone at print time, in queue order,
drawing from the reliquats as the earlier preparations of the batch left them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.fabrication import repository as repo
from chemo_fallback.modules.fabrication.models import PreparationPlan
from chemo_fallback.modules.fabrication.queue import GO_AHEAD_MISSING, plan_line
from chemo_fallback.modules.fabrication.rules import reliquat_after
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

PRINT_ACTION = "preparation.sheet_printed"
SHEET_KIND, LABEL_KIND, BATCH_KIND = "fabrication_sheet", "fabrication_label", "fabrication_batch"
EPSILON = 1e-9


class PrintRefused(ChemoFallbackError):
    """Nothing was printed or numbered; the message lists every line and why."""


@dataclass(frozen=True)
class NewPreparation:
    preparation_id: str
    register_no: int
    line: dict
    plan: PreparationPlan


def preparation_id_for(register_no: int) -> str:
    return f"FAB{register_no}"


def plan_record(plan: PreparationPlan) -> dict:
    """What the sheet printed, as data: kept with the preparation (register, later steps)."""
    remainder = reliquat_after(plan)
    return {
        "drug_id": plan.drug_id, "inn": plan.inn, "dose": plan.dose, "dose_unit": plan.dose_unit,
        "route": plan.route, "duration_min": plan.duration_min, "container": plan.container,
        "prepared_at": plan.prepared_at.isoformat(),
        "products": [
            {"product_id": p.product_id, "name": p.name, "gtin": p.gtin} for p in plan.products
        ],
        "vials": [
            {"product_id": v.product.product_id, "content": v.content,
             "amount_drawn": v.amount_drawn, "volume_ml": v.volume_ml}
            for v in plan.vials
        ],
        "reliquats_used": [
            {"reliquat_id": r.reliquat.reliquat_id, "product_id": r.product.product_id,
             "lot": r.reliquat.lot, "amount_drawn": r.amount_drawn, "volume_ml": r.volume_ml}
            for r in plan.reliquats_used
        ],
        "withdrawal_volume_ml": plan.withdrawal_volume_ml,
        "diluent": plan.diluent, "diluent_volume_ml": plan.diluent_volume_ml,
        "final_volume_ml": plan.final_volume_ml, "final_concentration": plan.final_concentration,
        "expires_at": plan.expires_at.isoformat() if plan.expires_at else None,
        "storage": plan.storage, "protect_from_light": plan.protect_from_light,
        "target_mass_g": plan.target_mass_g, "mass_low_g": plan.mass_low_g,
        "mass_high_g": plan.mass_high_g, "tolerance_pct": plan.tolerance_pct,
        "remainder": None if remainder is None else {
            "product_id": remainder.product_id, "amount": remainder.amount,
            "opened_at": remainder.opened_at.isoformat(),
            "usable_until": (remainder.usable_until.isoformat()
                             if remainder.usable_until else None),
        },
    }


def _line_problems(cur, line: dict | None, line_id: str, settings: SiteSettings) -> list[str]:
    if line is None:
        return [f"ligne {line_id} : pas (ou plus) à préparer ce jour (prescription non validée, "
                "annulée, ou autre jour) ; rechargez la file"]
    if repo.live_preparations(cur, [line_id]):
        return [f"ligne {line_id} : sa fiche est déjà imprimée ; réimprimez-la (DUPLICATA) "
                "depuis la préparation"]
    costly = line["drug_id"] in settings.costly_drugs_wait_go_ahead
    if costly and (line["prescription_id"], line["day_no"]) not in repo.go_ahead_days(
        cur, [line["prescription_id"]]
    ):
        return [f"ligne {line_id} : {GO_AHEAD_MISSING}"]
    return []


def create_preparations(
    cur, user: User, line_ids: list[str], settings: SiteSettings, now: datetime
) -> list[NewPreparation]:
    """Number and record the preparations of the selected lines, in queue order, in the
    caller's transaction; refused as a whole (PrintRefused) when one cannot be printed."""
    if not line_ids:
        raise PrintRefused("Aucune ligne sélectionnée : cochez les préparations à imprimer.")
    if len(set(line_ids)) != len(line_ids):
        raise PrintRefused("Une même ligne est sélectionnée deux fois : rechargez la file.")
    days = {r[0] for r in cur.execute(
        "SELECT DISTINCT planned_date FROM rx_lines WHERE line_id IN (SELECT unnest(?))",
        [line_ids],
    ).fetchall()}
    lines = {r["line_id"]: r for day in days for r in repo.lines_to_prepare(cur, day)}
    order = {line_id: n for n, line_id in enumerate(lines)}
    selected = sorted(line_ids, key=lambda i: order.get(i, len(order)))
    problems = [p for i in selected for p in _line_problems(cur, lines.get(i), i, settings)]
    if problems:
        raise PrintRefused(_refusal(problems))
    # Every plan first, in queue order, each drawing from the reliquats as the earlier ones
    # left them; nothing is written unless every line can be printed.
    plans, drawn = [], {}
    for line_id in selected:
        line = lines[line_id]
        plan, blocking = plan_line(cur, line, settings, now, drawn)
        if plan is None or blocking:
            problems += [f"ligne {line_id} ({line['drug_inn']}) : {b}" for b in blocking]
            continue
        for use in plan.reliquats_used:
            key = use.reliquat.reliquat_id
            drawn[key] = drawn.get(key, 0.0) + use.amount_drawn
        plans.append((line, plan))
    if problems:
        raise PrintRefused(_refusal(problems))
    return [_record(cur, user, line, plan, now) for line, plan in plans]


def _record(cur, user: User, line: dict, plan: PreparationPlan, now: datetime) -> NewPreparation:
    line_id = line["line_id"]
    register_no = repo.next_register_no(cur)
    preparation_id = preparation_id_for(register_no)
    record = plan_record(plan)
    repo.insert_preparation(cur, {
        "preparation_id": preparation_id, "register_no": register_no, "line_id": line_id,
        "prescription_id": line["prescription_id"], "patient_id": line["patient_id"],
        "drug_id": line["drug_id"], "dose": plan.dose, "dose_unit": plan.dose_unit,
        "planned_date": line["planned_date"], "status": "sheet_printed",
        "plan_json": json.dumps(record, ensure_ascii=False, sort_keys=True),
        "expires_at": plan.expires_at, "created_at": now, "created_by": user.username,
        "replaces_id": _replaced(cur, line_id),
    })
    _draw_reliquats(cur, user, plan, preparation_id)
    audit.record(
        cur, user.actor, PRINT_ACTION, "preparation", preparation_id,
        after={"register_no": register_no, "line_id": line_id,
               "dose": french.dose(plan.dose, plan.dose_unit),
               "vials": [v["content"] for v in record["vials"]],
               "reliquats_used": [r["reliquat_id"] for r in record["reliquats_used"]]},
    )
    return NewPreparation(preparation_id, register_no, line, plan)


def _replaced(cur, line_id: str) -> str | None:
    """The line's last cancelled preparation, which this new entry of the register replaces."""
    row = cur.execute(
        "SELECT preparation_id FROM fab_preparations WHERE line_id = ? AND status = 'cancelled' "
        "ORDER BY register_no DESC LIMIT 1", [line_id],
    ).fetchone()
    return row[0] if row else None


def _draw_reliquats(cur, user: User, plan: PreparationPlan, preparation_id: str) -> None:
    """The amounts the plan draws from reliquats are taken from them now, so the next
    preparation of the batch (or another workstation) cannot count them twice."""
    for use in plan.reliquats_used:
        reliquat_id = int(use.reliquat.reliquat_id)
        row = repo.reliquat(cur, reliquat_id)
        left = max(0.0, row["amount"] - use.amount_drawn)
        status = "used" if left <= EPSILON else row["status"]
        repo.update_reliquat(cur, reliquat_id, {"amount": left, "status": status})
        audit.record(
            cur, user.actor, "reliquat.drawn", "reliquat", reliquat_id,
            before={"amount": row["amount"], "status": row["status"]},
            after={"amount": left, "status": status, "preparation_id": preparation_id},
        )


def _refusal(problems: list[str]) -> str:
    lines = "\n".join(f"- {p}" for p in problems)
    return f"Rien n'a été imprimé ni numéroté :\n{lines}"


def _contents(cur, new: NewPreparation, settings: SiteSettings, documents) -> tuple:
    """The sheet's and the label's content, from the records (nothing retyped)."""
    line = new.line
    patient = find_identity(cur, line["patient_id"], line["planned_date"])
    if patient is None:
        raise PrintRefused(
            f"Patient {line['patient_id']} introuvable (ni dans l'instantané ni créé pendant "
            "la panne) : rien n'a été imprimé."
        )
    ward = cur.execute(
        "SELECT name FROM ref.wards WHERE ward_id = ?", [line["ward_id"]]
    ).fetchone()
    preparation = {"preparation_id": new.preparation_id, "register_no": new.register_no,
                   "created_at": new.plan.prepared_at}
    prescription = {
        "prescription_id": line["prescription_id"], "rx_number": line["rx_number"],
        "version_no": line["version_no"], "prescriber_name": line["prescriber_name"],
        "ward_id": line["ward_id"], "ward_name": ward[0] if ward else None,
        "protocol_name": line["protocol_name"], "cycle_no": line["cycle_no"],
        "day_no": line["day_no"], "planned_date": line["planned_date"],
    }
    args = {"preparation": preparation, "plan": new.plan, "patient": patient,
            "prescription": prescription, "settings": settings}
    return documents.sheet_content(**args), documents.label_content(**args)


@dataclass(frozen=True)
class PrintedBatch:
    preparations: tuple[NewPreparation, ...]
    document_id: int
    pdf: bytes


def print_batch(
    store: Store,
    user: User,
    line_ids: list[str],
    settings: SiteSettings,
    *,
    now: datetime | None = None,
    request_key: str | None = None,
) -> PrintedBatch:
    """Number the selected lines' preparations and print their sheets and labels in one PDF;
    the same request sent twice prints once (the second gets the first batch back)."""
    from chemo_fallback.documents.store import get_document, record_document
    from chemo_fallback.modules.fabrication import documents

    require(user.role, Permission.FABRICATION_PREPARE)
    now = (now or datetime.now()).replace(microsecond=0)
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, PRINT_ACTION, user.username)
        if first is None:
            made = create_preparations(cur, user, line_ids, settings, now)
            pairs = []
            for new in made:
                parts = _contents(cur, new, settings, documents)
                for kind, content in ((SHEET_KIND, parts[0]), (LABEL_KIND, parts[1])):
                    # rendered once, within the batch below
                    record_document(cur, user.actor, kind, "preparation", new.preparation_id,
                                    content, rendered_elsewhere=True, now=now)
                pairs.append(parts)
            batch = record_document(
                cur, user.actor, BATCH_KIND, "preparation_batch",
                ",".join(n.preparation_id for n in made), documents.batch_content(pairs),
                now=now,
            )
            request_keys.remember(cur, request_key, PRINT_ACTION, user.username,
                                  str(batch.document_id))
            assert batch.pdf is not None
            return PrintedBatch(tuple(made), batch.document_id, batch.pdf)
    earlier = get_document(store, int(first))
    return PrintedBatch((), earlier.document_id, earlier.render())
