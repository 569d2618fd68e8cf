"""TEST SETUP for the dashboard tests (no test here): the demo snapshot with a validated mFOLFOX6
for today (GARNIER Hamid, ward HGE) and a record at each stage of the chain, all through the
services: the folinic acid made and controlled at 08:00 but not released; the bolus, the pump
and the oxaliplatin released at 08:00; the bolus and the pump in a round handed over at 08:30,
the bolus received at 09:00 (the pump never); the ondansetron given, the bolus not given."""

from __future__ import annotations

from datetime import datetime

from prescription_helpers import TODAY
from test_i13_dispensing_helpers import (
    WARD,
    account,
    made_and_controlled,
    printed,
    release,
    validated_mfolfox6,
)
from test_validation_service import at

from chemo_fallback.modules.administration import recording
from chemo_fallback.modules.administration.models import Outcome, RecordRequest
from chemo_fallback.modules.release import dispensing
from chemo_fallback.modules.release.dispensing_handover import hand_over
from chemo_fallback.modules.release.dispensing_reception import receive_ticked


def line_of(store, rx_id: str, drug_id: str) -> str:
    return store.cursor().execute(
        "SELECT min(line_id) FROM rx_lines WHERE prescription_id = ? AND drug_id = ?",
        [rx_id, drug_id]).fetchone()[0]


def day_at_every_stage(store, *, demo: bool = True) -> dict:
    """The stages above; returns {"rx": prescription id, "preps": {name: preparation id}}."""
    rx_id = validated_mfolfox6(store, demo=demo)
    preps = printed(store)
    for name, preparation_id in preps.items():
        made_and_controlled(store, preparation_id)
        if name != "folinic":
            release(store, preparation_id)
    preparer, nurse = account(store, "preparer"), account(store, "nurse")
    round_id = dispensing.create_round(store, preparer, WARD, TODAY, "tournée de 8 h 30",
                                       now=at(TODAY, 8.25))
    for name in ("bolus", "pump"):
        dispensing.add_by_scan(store, preparer, round_id, preps[name], now=at(TODAY, 8.3))
    hand_over(store, preparer, round_id, "Marc", now=at(TODAY, 8.5))
    receive_ticked(store, nurse, round_id, preps["bolus"], now=at(TODAY, 9))
    ondansetron = line_of(store, rx_id, "ONDANSETRON")
    recording.record(store, nurse, RecordRequest(
        line_id=ondansetron, outcome=Outcome.GIVEN, started_at=at(TODAY, 9), checks_done=True),
        now=at(TODAY, 9.5))
    bolus = store.cursor().execute(
        "SELECT line_id FROM fab_preparations WHERE preparation_id = ?", [preps["bolus"]]
    ).fetchone()[0]
    recording.record(store, nurse, RecordRequest(
        line_id=bolus, outcome=Outcome.NOT_GIVEN, reason="Refus du patient"),
        now=at(TODAY, 9.5))
    return {"rx": rx_id, "preps": preps}


def moment(hour: float) -> datetime:
    return at(TODAY, hour)
