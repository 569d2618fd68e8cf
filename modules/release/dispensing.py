"""Dispensing on the pharmacy's side: a ward's delivery round for a day ("tournée de 10 h"),
each released preparation put in it by scanning its label's barcode, taken out again while the
round is open (with a reason). Handing it over is in dispensing_handover.py.

A scan is checked against everything at once before anything is written: the preparation must
exist, be released (chain.preparation_chain says 'released'), be for a patient of the round's
ward on the round's day, not be expired, and never have been dispensed before (a preparation
leaves once: disp_items.preparation_id is unique). A refusal lists every reason and records
nothing. The ward's reception is in dispensing_reception.py, the reads in dispensing_reads.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.modules.prescription.models import STATUS_LABELS as RX_STATUS_LABELS
from chemo_fallback.modules.release import chain
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.store import Store

ROUND_CREATED = "dispensing.round_created"
ROUND_RECORD = "dispensing_round"
LABEL_MAX = 60
# What a scanner may put before a Code 128 (AIM symbology identifiers).
CODE128_PREFIXES = ("]C0", "]C1", "]C2", "]C4")
PREPARATION_CODE = re.compile(r"^FAB\d+$")
REFUSED_FOOTER = ("Rien n'a été enregistré : mettez la préparation de côté et prévenez le "
                  "pharmacien.")


class DispensingRefused(ChemoFallbackError):
    """Nothing was recorded; the French message says every reason and what to do."""


@dataclass(frozen=True)
class Problem:
    code: str
    text: str


def refuse(heading: str, problems: list[Problem], footer: str = REFUSED_FOOTER):
    """One refusal naming every problem found (the first one's code is the refusal's code)."""
    lines = "\n".join(f"- {p.text}" for p in problems)
    return DispensingRefused(f"{heading}\n{lines}\n{footer}", code=problems[0].code)


# --- reading what a scanner typed ------------------------------------------------------------


def scanned_preparation_id(code: str | None) -> str:
    """The preparation identifier a label's Code 128 carries ("FAB250445"), from what a
    keyboard-wedge scanner typed: spaces, a trailing Enter and an AIM prefix removed."""
    text = (code or "").strip()
    for prefix in CODE128_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):].strip()
    text = text.upper()
    if not text:
        raise DispensingRefused(
            "Aucun code reçu : placez le curseur dans le champ de scan et scannez le code-barres "
            "de l'étiquette de la préparation.", code="dispensing_code_empty",
        )
    return text


def shown_code(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)[:40]


def unknown_code(text: str) -> DispensingRefused:
    hint = ("ce n'est pas le code-barres d'une étiquette de préparation (« FAB » suivi du n° "
            "d'ordonnancier)")
    if text[:2] == "01" and text[2:16].isdigit():
        hint = "c'est le code d'un flacon, pas celui de l'étiquette de la préparation"
    elif PREPARATION_CODE.match(text):
        hint = "aucune préparation de ce poste ne porte ce numéro"
    return DispensingRefused(
        f"PRÉPARATION INCONNUE « {shown_code(text)} » : {hint}. Rien n'a été enregistré : "
        "vérifiez l'étiquette et prévenez le pharmacien.", code="dispensing_code_unknown",
    )


# --- the records read in a write's transaction -------------------------------------------------


def require_snapshot(store: Store) -> None:
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)


def _dict(cur, sql: str, params: list) -> dict | None:
    cur.execute(sql, params)
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def round_row(cur, round_id: int) -> dict:
    found = _dict(cur, "SELECT * FROM disp_rounds WHERE round_id = ?", [round_id])
    if found is None:
        raise DispensingRefused(
            f"Tournée n° {round_id} inconnue : rechargez la liste des tournées.",
            code="dispensing_round_unknown",
        )
    return found


def ward_name(cur, ward_id: str | None) -> str:
    row = cur.execute("SELECT name FROM ref.wards WHERE ward_id = ?", [ward_id]).fetchone()
    return row[0] if row else (ward_id or "unité non renseignée")


def round_title(cur, row: dict) -> str:
    """« tournée de 10 h » (n° 3) — HGE — 23/11/2026: how a round is named in messages."""
    return (f"« {row['label']} » (n° {row['round_id']}) du {french.day(row['day'])}, "
            f"{ward_name(cur, row['ward_id'])}")


def preparation_row(cur, preparation_id: str) -> dict | None:
    """The preparation with what dispensing checks: its prescription's ward, its patient."""
    return _dict(
        cur,
        """SELECT p.preparation_id, p.register_no, p.patient_id, p.drug_id, p.dose, p.dose_unit,
                  p.planned_date, p.expires_at, p.status, p.status_reason, p.plan_json,
                  r.ward_id, r.status AS rx_status, r.status_reason AS rx_status_reason
           FROM fab_preparations p LEFT JOIN rx_prescriptions r USING (prescription_id)
           WHERE p.preparation_id = ?""",
        [preparation_id],
    )


def item_of(cur, preparation_id: str) -> dict | None:
    return _dict(cur, "SELECT * FROM disp_items WHERE preparation_id = ?", [preparation_id])


def item_rows(cur, round_id: int) -> list[dict]:
    """The round's disp_items rows, first scanned first."""
    cur.execute("SELECT * FROM disp_items WHERE round_id = ? ORDER BY scanned_at, item_id",
                [round_id])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def require_open(cur, row: dict, what: str) -> None:
    if row["status"] != "open":
        state = ("déjà remise" if row["status"] == "handed_over" else "déjà reçue par le service")
        raise DispensingRefused(
            f"Tournée {round_title(cur, row)} {state} : on ne peut plus {what}. Créez une "
            "nouvelle tournée pour ce qui reste à dispenser.", code="dispensing_round_not_open",
        )


# --- creating a round --------------------------------------------------------------------------


def create_round(
    store: Store,
    user: User,
    ward_id: str,
    day: date,
    label: str,
    *,
    now: datetime | None = None,
    request_key: str | None = None,
) -> int:
    """A new, open delivery round of the ward for the day; the same request sent twice
    (double click, reload) creates one."""
    require(user.role, Permission.DISPENSE)
    require_snapshot(store)
    now = now or datetime.now()
    label = " ".join((label or "").split())
    if not label:
        raise DispensingRefused(
            "Nom de la tournée manquant : écrivez-le ou choisissez-le (ex. : « tournée de "
            "10 h »).", code="dispensing_round_label_missing",
        )
    if len(label) > LABEL_MAX:
        raise DispensingRefused(
            f"Nom de la tournée trop long ({len(label)} caractères, {LABEL_MAX} au plus).",
            code="dispensing_round_label_missing",
        )
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, ROUND_CREATED, user.username)
        if first is not None:
            return int(first)
        if not cur.execute("SELECT count(*) FROM ref.wards WHERE ward_id = ?",
                           [ward_id]).fetchone()[0]:
            raise DispensingRefused(
                f"Unité « {ward_id or ''} » inconnue de l'instantané : choisissez l'unité dans "
                "la liste.", code="dispensing_ward_unknown",
            )
        same = cur.execute(
            "SELECT round_id FROM disp_rounds WHERE ward_id = ? AND day = ? "
            "AND lower(label) = lower(?)", [ward_id, day, label],
        ).fetchone()
        if same:
            raise DispensingRefused(
                f"La tournée « {label} » du {french.day(day)} existe déjà pour "
                f"{ward_name(cur, ward_id)} (n° {same[0]}) : ouvrez-la, ou donnez un autre nom "
                "(ex. : l'heure).", code="dispensing_round_exists",
            )
        round_id = cur.execute(
            "INSERT INTO disp_rounds (ward_id, day, label, status, created_at, created_by) "
            "VALUES (?, ?, ?, 'open', ?, ?) RETURNING round_id",
            [ward_id, day, label, now, user.username],
        ).fetchone()[0]
        audit.record(cur, user.actor, ROUND_CREATED, ROUND_RECORD, round_id,
                     after={"ward_id": ward_id, "day": day, "label": label, "status": "open"})
        request_keys.remember(cur, request_key, ROUND_CREATED, user.username, str(round_id))
    return round_id


# --- scanning a preparation into a round -------------------------------------------------------


def _refused_status(cur, prep: dict, status: str) -> Problem | None:
    number = f"n° {prep['register_no']}"
    if status == "rejected":
        reason = cur.execute(
            "SELECT reason FROM rel_decisions WHERE preparation_id = ? AND decision = 'rejected' "
            "ORDER BY decision_id DESC LIMIT 1", [prep["preparation_id"]],
        ).fetchone()
        why = f" ({reason[0]})" if reason and reason[0] else ""
        return Problem(code="dispensing_preparation_rejected",
                       text=f"préparation {number} REJETÉE par le pharmacien{why} : elle ne "
                       "sort pas de l'unité.")
    if status == "cancelled":
        why = f" ({prep['status_reason']})" if prep.get("status_reason") else ""
        return Problem(code="dispensing_preparation_cancelled",
                       text=f"préparation {number} ANNULÉE{why} : elle ne sort pas de l'unité.")
    if status != "released":
        return Problem(code="dispensing_not_released",
                       text=f"préparation {number} NON LIBÉRÉE : son statut est « "
                       f"{chain.label(status)} » ; seule une préparation libérée par un "
                       "pharmacien est dispensée.")
    return None


def prescription_problem(prep: dict) -> Problem | None:
    """A prescription cancelled or replaced by a corrected version since the preparation was
    made: what was prepared is no longer what is prescribed."""
    if prep["rx_status"] == "validated":
        return None
    label = RX_STATUS_LABELS.get(prep["rx_status"], prep["rx_status"] or "introuvable")
    why = f" ({prep['rx_status_reason']})" if prep.get("rx_status_reason") else ""
    return Problem(code="dispensing_prescription_not_valid",
                   text=f"PRESCRIPTION {label.upper()}{why} : la préparation n'est plus "
                   "prescrite telle quelle.")


def scan_problems(cur, round_: dict, prep: dict, now: datetime) -> list[Problem]:
    """Everything that keeps this preparation out of this round (nothing when it may go)."""
    problems = []
    status = chain.preparation_chain(cur, [prep["preparation_id"]])[prep["preparation_id"]]
    refused = _refused_status(cur, prep, status)
    if refused:
        problems.append(refused)
    if (rx := prescription_problem(prep)) is not None:
        problems.append(rx)
    if prep["ward_id"] != round_["ward_id"]:
        problems.append(Problem(
            code="dispensing_wrong_ward",
            text=f"MAUVAISE UNITÉ : préparation pour {ward_name(cur, prep['ward_id'])}, pas pour "
            f"{ward_name(cur, round_['ward_id'])}.",
        ))
    if prep["planned_date"] != round_["day"]:
        problems.append(Problem(
            code="dispensing_wrong_day",
            text=f"MAUVAIS JOUR : préparation prévue le {french.day(prep['planned_date'])}, la "
            f"tournée est celle du {french.day(round_['day'])}.",
        ))
    expires_at = prep["expires_at"]
    if expires_at is None:
        problems.append(Problem(code="dispensing_preparation_expired",
                                text="péremption inconnue : la préparation ne peut pas être "
                                "dispensée."))
    elif expires_at <= now:
        problems.append(Problem(code="dispensing_preparation_expired",
                                text=f"PÉRIMÉE depuis le {french.moment(expires_at)}."))
    return problems


def add_by_scan(
    store: Store, user: User, round_id: int, code: str, *, now: datetime | None = None
) -> dict:
    """Put the preparation whose label was scanned in the open round, or refuse it with every
    reason (nothing recorded). Returns the new disp_items row."""
    require(user.role, Permission.DISPENSE)
    require_snapshot(store)
    now = now or datetime.now()
    preparation_id = scanned_preparation_id(code)
    with store.transaction() as cur:
        round_ = round_row(cur, round_id)
        require_open(cur, round_, "y scanner de préparation")
        prep = preparation_row(cur, preparation_id)
        if prep is None:
            raise unknown_code(preparation_id)
        earlier = item_of(cur, preparation_id)
        if earlier is not None:
            raise _already(cur, round_, prep, earlier)
        problems = scan_problems(cur, round_, prep, now)
        if problems:
            raise refuse(f"REFUSÉE — la préparation {preparation_id} ne part pas dans cette "
                         "tournée :", problems)
        item_id = cur.execute(
            "INSERT INTO disp_items (round_id, preparation_id, scanned_at, scanned_by) "
            "VALUES (?, ?, ?, ?) RETURNING item_id",
            [round_id, preparation_id, now, user.username],
        ).fetchone()[0]
        audit.record(cur, user.actor, "dispensing.item_added", "preparation", preparation_id,
                     before={"status": "released"},
                     after={"status": "dispensed", "round_id": round_id, "item_id": item_id,
                            "register_no": prep["register_no"]})
        return item_of(cur, preparation_id)


def _already(cur, round_: dict, prep: dict, earlier: dict) -> DispensingRefused:
    number = f"n° {prep['register_no']}"
    when = french.moment(earlier["scanned_at"])
    if earlier["round_id"] == round_["round_id"]:
        return DispensingRefused(
            f"DÉJÀ DANS CETTE TOURNÉE : la préparation {prep['preparation_id']} ({number}) y a "
            f"été scannée le {when} par {earlier['scanned_by']}. Rien de plus n'a été "
            "enregistré.", code="dispensing_already_in_round",
        )
    other = round_row(cur, earlier["round_id"])
    return DispensingRefused(
        f"DÉJÀ DISPENSÉE : la préparation {prep['preparation_id']} ({number}) est dans la "
        f"tournée {round_title(cur, other)}, scannée le {when} par {earlier['scanned_by']}. "
        + REFUSED_FOOTER, code="dispensing_already_dispensed",
    )


def remove_item(
    store: Store, user: User, round_id: int, preparation_id: str, reason: str, *,
    now: datetime | None = None,
) -> None:
    """Take a preparation out of a round still open, with its reason: it may then be
    dispensed again (the audit trail keeps that it was in this round)."""
    require(user.role, Permission.DISPENSE)
    now = now or datetime.now()
    reason = (reason or "").strip()
    if not reason:
        raise DispensingRefused(
            "Motif obligatoire pour retirer une préparation d'une tournée (ex. : scannée dans la "
            "mauvaise tournée, patient parti).", code="dispensing_remove_reason_missing",
        )
    with store.transaction() as cur:
        round_ = round_row(cur, round_id)
        require_open(cur, round_, "en retirer de préparation")
        item = item_of(cur, preparation_id)
        if item is None or item["round_id"] != round_id:
            raise DispensingRefused(
                f"La préparation {preparation_id} n'est pas dans la tournée "
                f"{round_title(cur, round_)} : rechargez la page.",
                code="dispensing_item_not_in_round",
            )
        cur.execute("DELETE FROM disp_items WHERE item_id = ?", [item["item_id"]])
        audit.record(cur, user.actor, "dispensing.item_removed", "preparation", preparation_id,
                     before={"status": "dispensed", "round_id": round_id,
                             "item_id": item["item_id"], "scanned_at": item["scanned_at"]},
                     after={"status": "released", "removed_at": now}, reason=reason)
