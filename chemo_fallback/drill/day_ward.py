"""The wards: the released preparations dispensed by delivery round (each label scanned into
its ward's round, the round handed over with its slip), received on the ward by scan, then
the nurse's record of each step of the day's plans, at the bedside with the label scanned —
a few not given, with their reason."""

from __future__ import annotations

from datetime import timedelta

from chemo_fallback.modules.administration import recording
from chemo_fallback.modules.administration import service as administration
from chemo_fallback.modules.administration.models import Outcome, RecordRequest
from chemo_fallback.modules.release import dispensing, dispensing_handover, dispensing_reception
from chemo_fallback.modules.release.chain import preparation_chain

NOT_GIVEN_RATE = 0.05
NOT_GIVEN_REASONS = (
    "Exercice : patient fébrile, report décidé avec le médecin",
    "Exercice : refus du patient",
    "Exercice : voie veineuse non fonctionnelle",
)
ROUNDS = ((11.0, "tournée de 11 h"), (15.0, "tournée de 15 h"))
CARRIER = "Coursier de l'exercice"
LAST_START = 18.5  # the day's last step starts by then


def _released_by_ward(drill) -> dict[str, list[str]]:
    rows = drill.store.cursor().execute(
        """SELECT f.preparation_id, p.ward_id FROM fab_preparations f
             JOIN rx_prescriptions p USING (prescription_id)
            WHERE f.planned_date = ? AND f.status = 'controlled' AND p.ward_id IS NOT NULL
            ORDER BY p.ward_id, f.register_no""", [drill.day]).fetchall()
    chain = preparation_chain(drill.store.cursor(), [r[0] for r in rows])
    wards: dict[str, list[str]] = {}
    for preparation_id, ward_id in rows:
        if chain.get(preparation_id) == "released":
            wards.setdefault(ward_id, []).append(preparation_id)
    return wards


def delivery_round(drill, hours: float, label: str) -> None:
    pharmacist = drill.team.pharmacist
    for ward_id, preparation_ids in _released_by_ward(drill).items():
        round_id = drill.attempt(f"tournée {ward_id}", dispensing.create_round, drill.store,
                                 pharmacist, ward_id, drill.day, label, now=drill.at(hours))
        if round_id is None:
            continue
        drill.counts["rounds"] += 1
        scanned = [p for n, p in enumerate(preparation_ids) if drill.attempt(
            f"scan de {p} en tournée", dispensing.add_by_scan, drill.store, pharmacist,
            round_id, p, now=drill.at(hours + 0.05 + 0.005 * n)) is not None]
        drill.counts["dispensed"] += len(scanned)
        if not scanned or drill.attempt(
                f"remise de la tournée {ward_id}", dispensing_handover.hand_over, drill.store,
                pharmacist, round_id, CARRIER, now=drill.at(hours + 0.25)) is None:
            continue
        for n, preparation_id in enumerate(scanned):
            if drill.attempt(f"réception de {preparation_id}", dispensing_reception.
                             receive_scanned, drill.store, drill.team.nurse, round_id,
                             preparation_id, now=drill.at(hours + 0.5 + 0.005 * n)):
                drill.counts["received"] += 1


def _record(drill, step, started) -> None:
    now = drill.at((started - drill.at(0)).total_seconds() / 3600 + 0.1)  # at the bedside
    nurse = drill.team.nurse
    if drill.rng.random() < NOT_GIVEN_RATE:
        request = RecordRequest(line_id=step.line_id, outcome=Outcome.NOT_GIVEN,
                                reason=drill.rng.choice(NOT_GIVEN_REASONS))
        key = "not_given"
    else:
        code = step.preparation.preparation_id if step.preparation else None
        request = RecordRequest(line_id=step.line_id, outcome=Outcome.GIVEN,
                                preparation_code=code, started_at=started, checks_done=True)
        key = "administrations"
    if drill.attempt(f"administration {step.title} ({step.line_id})", recording.record,
                     drill.store, nurse, request, now=now) is not None:
        drill.counts[key] += 1


def administrations(drill) -> None:
    """Every step of the day's plans that can be given: a compounded one once received."""
    last = drill.at(LAST_START)
    for plan in administration.ward_plans(drill.store, drill.team.nurse, drill.day, None):
        for step in plan.steps:
            if step.current is not None:
                continue  # recorded already (a pump started on an earlier day)
            if step.compounded and (step.preparation is None
                                    or step.preparation.chain_status != "received"):
                continue  # not arrived: the drill's day ends without it
            started = min(step.timing.start, last)
            expires = step.preparation.expires_at if step.preparation else None
            if expires is not None and started >= expires:
                started = expires - timedelta(minutes=30)  # hung before its expiry
            if started.date() != drill.day:
                continue
            _record(drill, step, started)


def ward(drill) -> None:
    for hours, label in ROUNDS:
        delivery_round(drill, hours, label)
    administrations(drill)



