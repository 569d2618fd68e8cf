"""TEST SETUP for the re-integration export tests (no test here): a store holding at least one
record of every type the package exports, made through the services of issues 10-14.

On the demo snapshot: a patient created during the outage with a weight and a lab result; a
note; GARNIER Hamid's mFOLFOX6 validated, its feu vert, its four preparations made (a reliquat
left), controlled and released, dispensed in a round handed over and received, then given
(the oxaliplatin), given in part, not given, and with an incident; GAILLARD Martine's R-CHOP
signed, an intervention on it answered by a corrected version; an order confirmed, received in
part, and a discard of stock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from i14_helpers import OXALI_100, gtin, make_order, order_lines
from prescription_helpers import STALE_PATIENT, TODAY
from test_i13_administration_service import OTHER_PATIENT, validated
from test_i13_dispensing_helpers import WARD, account, released
from test_validation_service import at

from chemo_fallback.modules.administration import recording
from chemo_fallback.modules.administration.models import Outcome, RecordRequest
from chemo_fallback.modules.ordering import receiving, stock_service
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, notes
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.modules.release import dispensing, dispensing_handover, dispensing_reception
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation.go_ahead import record_go_ahead
from chemo_fallback.patients.labs import record_lab_result
from chemo_fallback.patients.local import create_local_patient
from chemo_fallback.patients.measurements import record_measurement
from chemo_fallback.patients.models import NewPatient
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
NOW = at(TODAY, 12)
EVENING = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=20)


def patient_records(store) -> str:
    """A local patient, a weight, a lab result and a note; returns the patient's id."""
    pharmacist = account(store, "pharmacist")
    nurse = account(store, "nurse")
    patient = create_local_patient(
        store, pharmacist, NewPatient(last_name="Łukasiewicz", first_name="Zoé", sex="F",
                                      birth_date=date(1961, 4, 2)), today=TODAY)
    record_measurement(store, nurse, patient.patient_id, "weight", 61.5, TODAY, today=TODAY)
    record_lab_result(store, nurse, patient.patient_id, "PNN", 2.1, "G/L", at(TODAY, 7),
                      now=at(TODAY, 7.5))
    notes.add_note(store, pharmacist, patient.patient_id, "=Appeler la famille; merci")
    return patient.patient_id


def intervention(store) -> tuple[str, str]:
    """GAILLARD Martine's R-CHOP signed, the pharmacist asks a change, the prescriber answers
    with a corrected version (a draft). Returns (first version, corrected version)."""
    prescriber = account(store, "prescriber", "dr-export")
    pharmacist = account(store, "pharmacist")
    rx = drafts.start_draft(store, prescriber, DraftRequest(
        patient_id=OTHER_PATIENT, protocol_id="RCHOP21", cycle_no=1, cycle_start_date=TODAY),
        SETTINGS, TODAY)
    line_edits.set_indication_code(store, prescriber, rx.prescription_id, "RITUXIMAB", "I000456")
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    decisions.request_change(store, pharmacist, rx.prescription_id, "4",
                             "Doxorubicine : réduire à 75 %")
    new = lifecycle.start_correction(store, prescriber, rx.prescription_id, SETTINGS)
    return rx.prescription_id, new.prescription_id


def chain(store) -> dict:
    """The mFOLFOX6 from validation to the bedside; returns ids."""
    preps = released(store)  # validated, printed, made, controlled, released
    rx_id = store.cursor().execute(
        "SELECT prescription_id FROM fab_preparations WHERE preparation_id = ?",
        [preps["oxaliplatin"]]).fetchone()[0]
    preparer = account(store, "preparer", "fabricant")
    round_id = dispensing.create_round(store, preparer, WARD, TODAY, "tournée de 9 h",
                                       now=at(TODAY, 9))
    for prep in preps.values():
        dispensing.add_by_scan(store, preparer, round_id, prep, now=at(TODAY, 9))
    dispensing_handover.hand_over(store, preparer, round_id, "Jean Coursier", at(TODAY, 9.1),
                                  now=at(TODAY, 9.1))
    nurse = account(store, "nurse")
    for prep in preps.values():
        dispensing_reception.receive_ticked(store, nurse, round_id, prep, now=at(TODAY, 9.3))
    lines = dict(store.cursor().execute(
        "SELECT preparation_id, line_id FROM fab_preparations WHERE preparation_id IN "
        "(SELECT unnest(?))", [list(preps.values())]).fetchall())
    outcomes = {
        "oxaliplatin": dict(outcome=Outcome.GIVEN, started_at=at(TODAY, 10.5)),
        "folinic": dict(outcome=Outcome.PARTIAL, started_at=at(TODAY, 10.5),
                        ended_at=at(TODAY, 11), amount_given="la moitié de la poche",
                        reason="malaise du patient"),
        "bolus": dict(outcome=Outcome.INCIDENT, started_at=at(TODAY, 12.5),
                      incident="extravasation", action_taken="arrêt, membre surélevé"),
        "pump": dict(outcome=Outcome.NOT_GIVEN, reason="patient parti"),
    }
    for name, values in outcomes.items():
        code = preps[name] if values["outcome"] != Outcome.NOT_GIVEN else None
        recording.record(store, nurse, RecordRequest(
            line_id=lines[preps[name]], preparation_code=code, checks_done=True, **values),
            now=at(TODAY, 13))
    return {"rx_id": rx_id, "preps": preps, "round_id": round_id}


def go_ahead(store) -> str:
    """GÉRARD Jeanne's AC 60 validated for the real day (a feu vert follows its prescription,
    which the real clock dates), and its feu vert."""
    pharmacist = account(store, "pharmacist")
    day = date.today()
    record_measurement(store, account(store, "nurse"), STALE_PATIENT, "weight", 60.5, day,
                       today=day)
    rx_id = validated(store, account(store, "prescriber", "dr-feu"), pharmacist, STALE_PATIENT,
                      "AC60", day)
    record_go_ahead(store, pharmacist, rx_id, 1, "Dr Colin", datetime.now())
    return rx_id


def purchasing(store) -> str:
    buyer = account(store, "buyer")
    order_id = make_order(store, buyer, status="confirmed")
    line = order_lines(store, order_id)[0]
    receiving.receive(store, buyer, order_id, line.order_line_id, lot="LOTX1",
                      expiry_date=date(2028, 6, 30), quantity=5, settings=SETTINGS, now=NOW)
    stock_service.discard(store, buyer, OXALI_100, "LOTX1", 1, "flacon cassé", now=NOW)
    assert gtin(store, OXALI_100)
    return order_id


def everything(store) -> dict:
    """One of every record type (needs `store` only; activates the demo snapshot)."""
    facts = chain(store)
    facts["patient_id"] = patient_records(store)
    facts["rx_first"], facts["rx_corrected"] = intervention(store)
    facts["order_id"] = purchasing(store)
    facts["rx_go_ahead"] = go_ahead(store)
    facts["admin"] = account(store, "admin")
    return facts
