"""The production: the day's sheets printed (the queue's printable lines, as the production
page prints them), each vial scanned from a GS1 code built from its product's GTIN and a lot
of the snapshot's stock, made, controlled by a second preparer; then the release controls (a
few out of tolerance: released with the pharmacist's reason, or rejected and made again) and
the signed release; at the end of the day the reliquats kept or discarded."""

from __future__ import annotations

import json
from datetime import date, timedelta

from chemo_fallback.modules.fabrication import reliquats, steps
from chemo_fallback.modules.fabrication.printing import print_batch
from chemo_fallback.modules.fabrication.queue import production_queue
from chemo_fallback.modules.release import service as release

GS = "\x1d"
OUT_OF_TOLERANCE_RATE = 0.08
OVERRIDE_REASON = "Exercice : nouvelle pesée conforme, écart dû à la tare de la poche"
REJECT_REASON = "Exercice : masse hors tolérance après nouvelle pesée, préparation refaite"


def _lot(drill, product_id: str) -> tuple[str, date]:
    """A lot of the snapshot's stock still valid for a year, else a drill lot."""
    row = drill.store.cursor().execute(
        """SELECT lot, expiry_date FROM ref.stock_lots
            WHERE product_id = ? AND expiry_date > ? ORDER BY expiry_date DESC, lot LIMIT 1""",
        [product_id, drill.day + timedelta(days=30)]).fetchone()
    if row:
        return row[0], row[1]
    return f"EXO{drill.day:%y%m}", drill.day + timedelta(days=365)


def vial_code(gtin: str, lot: str, expiry: date, serial: str) -> str:
    """A vial's GS1 DataMatrix as a keyboard-wedge scanner types it (FNC1 as GS)."""
    return f"01{gtin}17{expiry:%y%m%d}10{lot}{GS}21{serial}"


def print_sheets(drill, hours: float) -> list[str]:
    """The queue's printable lines of the day, printed in one batch."""
    now = drill.at(hours)
    queue = production_queue(drill.store, drill.team.preparer, drill.day, drill.settings,
                             now=now)
    line_ids = [item.line_id for item in queue.items if item.printable]
    if not line_ids:
        return []
    batch = drill.attempt("impression des fiches", print_batch, drill.store,
                          drill.team.preparer, line_ids, drill.settings, now=now)
    if batch is None:
        return []
    drill.counts["preparations"] += len(batch.preparations)
    return [p.preparation_id for p in batch.preparations]


def _plan(drill, preparation_id: str) -> dict:
    return json.loads(drill.store.cursor().execute(
        "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?", [preparation_id]
    ).fetchone()[0])


def make(drill, preparation_id: str, hours: float) -> bool:
    """Vials scanned, made, controlled at the isolator."""
    plan, preparer = _plan(drill, preparation_id), drill.team.preparer
    gtins = {p["product_id"]: p["gtin"] for p in plan["products"]}
    for n, vial in enumerate(plan["vials"]):
        lot, expiry = _lot(drill, vial["product_id"])
        code = vial_code(gtins[vial["product_id"]] or "", lot, expiry, f"{preparation_id}V{n}")
        if drill.attempt(f"scan d'un flacon pour {preparation_id}", steps.scan_vial,
                         drill.store, preparer, preparation_id, code, drill.settings,
                         now=drill.at(hours + 0.02 * n)) is None:
            return False
        drill.counts["vials"] += 1
    diluent_lot = f"SOL{drill.day:%y%m%d}" if plan["diluent"] else None
    if drill.attempt(f"préparation {preparation_id}", steps.mark_prepared, drill.store,
                     preparer, preparation_id, diluent_lot=diluent_lot,
                     now=drill.at(hours + 0.3)) is None:
        return False
    return drill.attempt(f"contrôle de {preparation_id}", steps.control, drill.store,
                         drill.team.controller, preparation_id,
                         now=drill.at(hours + 0.4)) is not None


def _mass(drill, plan: dict) -> tuple[float, bool]:
    """The mass weighed: within the sheet's bounds, or (a few) above them."""
    target, low, high = plan["target_mass_g"], plan["mass_low_g"], plan["mass_high_g"]
    if drill.rng.random() < OUT_OF_TOLERANCE_RATE:
        return round(high + (high - low) * 0.5 + 0.05, 2), True
    spread = min(target - low, high - target) * 0.5
    return round(target + drill.rng.uniform(-spread, spread), 2), False


def control_and_release(drill, preparation_id: str, hours: float) -> None:
    plan, pharmacist = _plan(drill, preparation_id), drill.team.pharmacist
    mass, out = _mass(drill, plan)
    if drill.attempt(f"contrôles de {preparation_id}", release.record_controls, drill.store,
                     drill.team.controller, preparation_id, mass_measured_g=mass,
                     visual_ok=True, now=drill.at(hours)) is None:
        return
    if out:
        drill.counts["out_of_tolerance"] += 1
        if drill.rng.random() < 0.5:
            if drill.attempt(f"rejet de {preparation_id}", release.reject, drill.store,
                             pharmacist, preparation_id, REJECT_REASON,
                             drill.at(hours + 0.1)) is not None:
                drill.counts["rejections"] += 1
            return
    if drill.attempt(f"libération de {preparation_id}", release.release, drill.store,
                     pharmacist, preparation_id, override_reason=OVERRIDE_REASON if out else None,
                     now=drill.at(hours + 0.1)) is not None:
        drill.counts["releases"] += 1
        drill.counts["overrides"] += int(out)


def production(drill) -> None:
    """Two passes: the morning's, and at noon the lines rejected in the morning, made again."""
    for start in (9.0, 13.0):
        for n, preparation_id in enumerate(print_sheets(drill, start)):
            at = start + 0.25 + 0.01 * n
            if make(drill, preparation_id, at):
                control_and_release(drill, preparation_id, at + 0.5)


def end_of_day_reliquats(drill) -> None:
    now = drill.at(18.0)
    for line in reliquats.end_of_day_list(drill.store, drill.team.preparer, now=now):
        reliquat_id = line.row["reliquat_id"]
        if line.row["status"] != "open" and not line.expired:
            continue  # kept on an earlier day, still usable
        if line.expired or drill.rng.random() < 0.3:
            done = drill.attempt("reliquat", reliquats.discard, drill.store, drill.team.preparer,
                                 reliquat_id, "Exercice : fin de journée, stabilité dépassée",
                                 now=now)
            key = "reliquats_discarded"
        else:
            done = drill.attempt("reliquat", reliquats.keep, drill.store, drill.team.preparer,
                                 reliquat_id, now=now)
            key = "reliquats_kept"
        drill.counts[key] += int(done is not None)
