"""What the dispensing and reception pages read, with the role checked: a ward's rounds of a
day, a round with its preparations (patient, drug, dose, register number, expiry, storage, their
chain status), and the released preparations of a ward's day not dispensed yet. No UI here and
nothing written (the pages call these in a worker thread)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, PermissionDenied, allowed
from chemo_fallback.documents.store import PrintedDocument, documents_for
from chemo_fallback.modules.fabrication.models import CONTAINER_LABELS, STORAGE_LABELS
from chemo_fallback.modules.release import chain
from chemo_fallback.modules.release.dispensing import (
    ROUND_RECORD,
    item_rows,
    require_snapshot,
    round_row,
)
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.store import Store

ROUND_STATUS_LABELS = {"open": "ouverte", "handed_over": "remise", "received": "reçue"}
SLIP_KIND = "dispensing_slip"
READERS = (Permission.DISPENSE, Permission.RECEIVE)


def require_reader(user: User) -> None:
    if not any(allowed(user.role, p) for p in READERS):
        raise PermissionDenied(
            "Action non autorisée pour votre rôle (dispensation ou réception des "
            "préparations). Connectez-vous avec un compte habilité."
        )


def _dicts(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@dataclass(frozen=True)
class ItemView:
    """A preparation as a round, the slip and the reception show it."""

    preparation_id: str
    register_no: int
    patient_id: str
    patient_name: str  # "GARNIER Hamid"
    birth_date: date | None
    drug: str  # the INN
    dose: str  # "836 mg"
    presentation: str  # "poche — 250 mL"
    expires_at: datetime | None
    storage: str
    status: str  # chain status (chain.CHAIN_LABELS)
    scanned_at: datetime | None = None
    scanned_by: str | None = None
    received_at: datetime | None = None
    received_by_name: str | None = None

    @property
    def status_label(self) -> str:
        return chain.label(self.status)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at <= now

    @property
    def patient_text(self) -> str:
        born = f", né(e) le {french.day(self.birth_date)}" if self.birth_date else ""
        return f"{self.patient_name}{born} — IPP {self.patient_id}"


def storage_text(plan: dict) -> str:
    text = STORAGE_LABELS.get(plan.get("storage") or "", plan.get("storage") or "non renseignée")
    return text + (" — à l'abri de la lumière" if plan.get("protect_from_light") else "")


def presentation_text(plan: dict) -> str:
    parts = [CONTAINER_LABELS.get(plan.get("container") or "", plan.get("container") or "")]
    if plan.get("final_volume_ml"):
        parts.append(f"{french.number(plan['final_volume_ml'], 1)} mL")
    return " — ".join(p for p in parts if p)


_PREPARATIONS_SQL = """
SELECT p.preparation_id, p.register_no, p.patient_id, p.dose, p.dose_unit, p.planned_date,
       p.expires_at, p.plan_json
FROM fab_preparations p WHERE p.preparation_id IN (SELECT unnest(?))"""


def describe(cur, items: list[dict]) -> list[ItemView]:
    """The preparations of `items` (rows holding at least `preparation_id`, and the
    disp_items columns when dispensed), in the order given."""
    ids = [i["preparation_id"] for i in items]
    if not ids:
        return []
    preps = {r["preparation_id"]: r for r in _dicts(cur.execute(_PREPARATIONS_SQL, [ids]))}
    statuses = chain.preparation_chain(cur, ids)
    found = []
    for item in items:
        prep = preps[item["preparation_id"]]
        plan = json.loads(prep["plan_json"])
        who = find_identity(cur, prep["patient_id"], prep["planned_date"])
        found.append(ItemView(
            preparation_id=prep["preparation_id"], register_no=prep["register_no"],
            patient_id=prep["patient_id"],
            patient_name=(f"{who.last_name.upper()} {who.first_name}" if who
                          else "patient inconnu de l'instantané"),
            birth_date=who.birth_date if who else None,
            drug=plan["inn"], dose=french.dose(prep["dose"], prep["dose_unit"]),
            presentation=presentation_text(plan), expires_at=prep["expires_at"],
            storage=storage_text(plan), status=statuses[prep["preparation_id"]],
            scanned_at=item.get("scanned_at"), scanned_by=item.get("scanned_by"),
            received_at=item.get("received_at"), received_by_name=item.get("received_by_name"),
        ))
    return found


@dataclass(frozen=True)
class RoundView:
    row: dict  # disp_rounds
    ward_name: str
    items: list[ItemView]
    slip: PrintedDocument | None  # the delivery slip, once handed over
    names: dict[str, str] | None = None  # display names of the accounts named in `row`

    def name(self, username: str | None) -> str:
        return (self.names or {}).get(username or "", username or "—")

    @property
    def round_id(self) -> int:
        return self.row["round_id"]

    @property
    def status(self) -> str:
        return self.row["status"]

    @property
    def status_label(self) -> str:
        return ROUND_STATUS_LABELS[self.status]

    @property
    def received_count(self) -> int:
        return sum(i.received_at is not None for i in self.items)

    @property
    def title(self) -> str:
        return (f"{self.row['label']} — {self.ward_name} — {french.day(self.row['day'])} "
                f"(tournée n° {self.round_id})")


def round_view(store: Store, user: User, round_id: int) -> RoundView:
    require_reader(user)
    require_snapshot(store)
    cur = store.cursor()
    row = round_row(cur, round_id)
    slips = [d for d in documents_for(store, ROUND_RECORD, str(round_id)) if d.kind == SLIP_KIND]
    names = dict(cur.execute(
        "SELECT username, display_name FROM users WHERE username IN (?, ?)",
        [row["created_by"], row["handed_over_by"]]).fetchall())
    return RoundView(row, ward_names(store, user).get(row["ward_id"], row["ward_id"]),
                     describe(cur, item_rows(cur, round_id)), slips[-1] if slips else None,
                     names)


def rounds_of(store: Store, user: User, ward_id: str, day: date,
              statuses: tuple[str, ...] = ("open", "handed_over", "received")) -> list[RoundView]:
    """The ward's rounds of the day, first created first."""
    require_reader(user)
    require_snapshot(store)
    ids = [r[0] for r in store.cursor().execute(
        "SELECT round_id FROM disp_rounds WHERE ward_id = ? AND day = ? "
        "AND status IN (SELECT unnest(?)) ORDER BY created_at, round_id",
        [ward_id, day, list(statuses)],
    ).fetchall()]
    return [round_view(store, user, i) for i in ids]


def _undispensed(cur, day: date, ward_id: str | None) -> list[dict]:
    """The released preparations planned on `day` (of one ward's patients, or of every ward)
    not dispensed yet, with their prescription's ward."""
    rows = _dicts(cur.execute(
        """SELECT p.preparation_id, r.ward_id FROM fab_preparations p
           JOIN rx_prescriptions r USING (prescription_id)
           WHERE (? IS NULL OR r.ward_id = ?) AND p.planned_date = ? AND p.status <> 'cancelled'
             AND p.preparation_id NOT IN (SELECT preparation_id FROM disp_items)
           ORDER BY p.register_no""",
        [ward_id, ward_id, day],
    ))
    statuses = chain.preparation_chain(cur, [r["preparation_id"] for r in rows])
    return [r for r in rows if statuses[r["preparation_id"]] == "released"]


def to_dispense(store: Store, user: User, ward_id: str, day: date) -> list[ItemView]:
    """The released preparations of the ward's patients for the day not dispensed yet
    (expired ones included: the page shows them, a scan refuses them)."""
    require_reader(user)
    require_snapshot(store)
    cur = store.cursor()
    return describe(cur, _undispensed(cur, day, ward_id))


def to_dispense_counts(store: Store, user: User, day: date) -> dict[str, int]:
    """For each ward, how many released preparations of the day wait to be dispensed."""
    require_reader(user)
    require_snapshot(store)
    counts: dict[str, int] = {}
    for row in _undispensed(store.cursor(), day, None):
        counts[row["ward_id"] or ""] = counts.get(row["ward_id"] or "", 0) + 1
    return counts


def ward_names(store: Store, user: User) -> dict[str, str]:
    require_reader(user)
    require_snapshot(store)
    return dict(store.cursor().execute(
        "SELECT ward_id, name FROM ref.wards ORDER BY name").fetchall())
