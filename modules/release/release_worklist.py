"""What the release page reads, with the role checked: the preparations controlled at the
isolator awaiting their controls and the pharmacist's decision (patient with two identifiers,
drug, dose, register number, expiry, the sheet's target mass and bounds, the controls so far,
what blocks the release now), and those decided today. Nothing here writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.release import chain, rules
from chemo_fallback.modules.release import repository as repo
from chemo_fallback.modules.release.models import Blocker, Control, Decision
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot, PatientIdentity
from chemo_fallback.store import Store


@dataclass(frozen=True)
class ReleaseItem:
    row: dict  # fab_preparations
    plan: dict  # what the sheet printed
    identity: PatientIdentity | None
    prescription: dict  # ward, prescriber, protocol
    sheet: rules.SheetMass | None
    controls: tuple[Control, ...]
    decisions: tuple[Decision, ...]
    chain_status: str
    blockers: tuple[Blocker, ...]  # for the user reading, at the time read

    @property
    def preparation_id(self) -> str:
        return self.row["preparation_id"]

    @property
    def latest_control(self) -> Control | None:
        return self.controls[-1] if self.controls else None

    @property
    def chain_label(self) -> str:
        return chain.label(self.chain_status)

    @property
    def liftable(self) -> bool:
        """The only blockers left are the gravimetric verdict's: "Libérer malgré l'écart"."""
        return bool(self.blockers) and all(b.liftable for b in self.blockers)

    @property
    def decided(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None


@dataclass(frozen=True)
class ReleaseWorklist:
    awaiting: tuple[ReleaseItem, ...]
    decided_today: tuple[ReleaseItem, ...]
    waiting_isolator: int  # made, not yet controlled at the isolator


def _prescriptions(cur, prescription_ids: list[str]) -> dict[str, dict]:
    if not prescription_ids:
        return {}
    cur.execute(
        """SELECT p.prescription_id, p.ward_id, w.name AS ward_name, p.prescriber_name,
                  p.protocol_name, p.cycle_no
           FROM rx_prescriptions p LEFT JOIN ref.wards w USING (ward_id)
           WHERE p.prescription_id IN (SELECT unnest(?))""",
        [prescription_ids],
    )
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _items(cur, rows: list[dict], user: User, now: datetime, today: date
           ) -> list[ReleaseItem]:
    ids = [r["preparation_id"] for r in rows]
    controls = repo.controls(cur, ids)
    decisions = repo.decisions(cur, ids)
    statuses = chain.preparation_chain(cur, ids)
    prescriptions = _prescriptions(cur, sorted({r["prescription_id"] for r in rows}))
    items = []
    for row in rows:
        prep_id = row["preparation_id"]
        plan = json.loads(row["plan_json"])
        facts = repo.facts(cur, row)
        items.append(ReleaseItem(
            row=row, plan=plan, identity=find_identity(cur, row["patient_id"], today),
            prescription=prescriptions.get(row["prescription_id"], {}),
            sheet=rules.sheet_mass(plan), controls=tuple(controls[prep_id]),
            decisions=tuple(decisions[prep_id]), chain_status=statuses.get(prep_id, "?"),
            blockers=tuple(rules.release_blockers(facts, user.username, now)),
        ))
    return items


def release_worklist(store: Store, user: User, now: datetime, today: date) -> ReleaseWorklist:
    """The preparations awaiting a decision, the most urgent first, and today's decisions."""
    require(user.role, Permission.FABRICATION_CONTROL)
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)
    cur = store.cursor()
    awaiting = _items(cur, repo.awaiting(cur), user, now, today)
    since = datetime.combine(today, datetime.min.time())
    decided_rows = {}
    for row in repo.decided_since(cur, since):
        decided_rows.setdefault(row["preparation_id"], row)
    decided = _items(cur, list(decided_rows.values()), user, now, today)
    return ReleaseWorklist(tuple(awaiting), tuple(decided), repo.waiting_isolator_count(cur))


def release_item(store: Store, user: User, preparation_id: str, now: datetime,
                 today: date) -> ReleaseItem | None:
    """One preparation as the release page shows it; None when unknown."""
    require(user.role, Permission.FABRICATION_CONTROL)
    if not store.has_reference():
        raise NoActiveSnapshot(NO_SNAPSHOT)
    cur = store.cursor()
    row = repo.preparation(cur, preparation_id)
    return _items(cur, [row], user, now, today)[0] if row else None
