"""Issue 13, items 3 and 4 on the demo snapshot: the day's plan of a patient (ordered steps,
planned times, rates, the lines run together, the 46-hour pump, preparations and their chain
status), recording what was given with its audit records, the label scanned against the plan
(right patient, other patient, other step, expired, not released, already given), a dose not
given reaching the prescribers' and pharmacists' list, corrections, paper entries, double
requests. The helpers here are shared with the other test_i13_administration_* files.

`released()` below releases through the release service (issue 13 item 1, built in parallel);
without it, it writes the release directly, in a transaction with its audit record — TEST
SETUP only."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from test_i12_fab_service import FU_1000, vial
from test_validation_service import at, lift, signed_mfolfox6
from web_helpers import create_account

from chemo_fallback import audit, row_seals
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.administration import recording, service
from chemo_fallback.modules.administration.models import (
    AdministrationRefused,
    LabelRefused,
    Outcome,
    RecordRequest,
)
from chemo_fallback.modules.fabrication import steps
from chemo_fallback.modules.fabrication.printing import create_preparations
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.modules.release.chain import preparation_chain
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Override, Severity
from chemo_fallback.site_settings import SiteSettings

try:
    from chemo_fallback.modules.release import service as release_service
except ImportError:  # the release service is written in parallel
    release_service = None

SETTINGS = SiteSettings()
OTHER_PATIENT = "IPP10000740"  # HGE as GARNIER Hamid, weighed 20/11/2026
OXALI_200 = "03400792549539"  # Oxaliplatine 5 mg/mL 200 mg/40 mL
NOW = at(TODAY, 10.5)  # 10:30, when the oxaliplatin is hung


def validated_mfolfox6(store, pharmacist) -> str:
    """GARNIER Hamid, mFOLFOX6 cycle 6 D1 today, validated (its blocking findings lifted)."""
    rx_id = signed_mfolfox6(store)
    decisions.validate(store, pharmacist, rx_id, lift(store, pharmacist, rx_id), SETTINGS, TODAY)
    return rx_id


def validated(store, prescriber, pharmacist, patient_id: str, protocol_id: str, day=TODAY
              ) -> str:
    """A cycle 1 of the protocol from `day`, signed and validated (every blocking finding
    lifted with a reason); rituximab's indication code given."""
    request = DraftRequest(patient_id=patient_id, protocol_id=protocol_id, cycle_no=1,
                           cycle_start_date=day)
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, day)
    if protocol_id == "RCHOP21":
        line_edits.set_indication_code(store, prescriber, rx.prescription_id, "RITUXIMAB",
                                       "I000456")
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, day)
    _rx, findings = validation.findings_of(store, pharmacist, rx.prescription_id, SETTINGS, day)
    lifts = [Override(key=f.key, reason="Vu avec le prescripteur") for f in findings
             if f.severity == Severity.BLOCKING]
    decisions.validate(store, pharmacist, rx.prescription_id, lifts, SETTINGS, day)
    return rx.prescription_id


def validated_rchop(store, pharmacist, patient_id: str = OTHER_PATIENT) -> str:
    prescriber = create_account(store, "prescriber", f"dr-rchop-{patient_id}")
    return validated(store, prescriber, pharmacist, patient_id, "RCHOP21")


def line_of(store, rx_id: str, drug_id: str, *, pump: bool | None = None, day=TODAY) -> str:
    rows = store.cursor().execute(
        "SELECT line_id, container FROM rx_lines WHERE prescription_id = ? AND drug_id = ? "
        "AND planned_date = ? ORDER BY line_no", [rx_id, drug_id, day]).fetchall()
    if pump is not None:
        rows = [r for r in rows if (r[1] == "diffuseur") == pump]
    return rows[0][0]


def printed(store, preparer, line_id: str, when: datetime | None = None) -> str:
    with store.transaction() as cur:
        [new] = create_preparations(cur, preparer, [line_id], SETTINGS, when or at(TODAY, 8))
    return new.preparation_id


def released(store, pharmacist, preparation_id: str, code: str, day=TODAY) -> None:
    """Made (a vial scanned, made), controlled by another preparer, then released by the
    pharmacist through the release service (controls within tolerance, the signed release).
    Without that service (written in parallel), TEST SETUP: the release is written directly
    (rel_controls, rel_decisions) in a transaction with its audit record."""
    maker = create_account(store, "preparer", f"maker-{preparation_id}")
    checker = create_account(store, "preparer", f"checker-{preparation_id}")
    steps.scan_vial(store, maker, preparation_id, code, SETTINGS, now=at(day, 8.5))
    steps.mark_prepared(store, maker, preparation_id, diluent_lot="G5-1", now=at(day, 8.6))
    steps.control(store, checker, preparation_id, now=at(day, 8.7))
    plan = json.loads(store.cursor().execute(
        "SELECT plan_json FROM fab_preparations WHERE preparation_id = ?", [preparation_id]
    ).fetchone()[0])
    if release_service is not None:
        release_service.record_controls(store, checker, preparation_id,
                                        mass_measured_g=plan["target_mass_g"], visual_ok=True,
                                        now=at(day, 8.8))
        release_service.release(store, pharmacist, preparation_id, now=at(day, 8.9))
        return
    with store.transaction() as cur:
        control_id = cur.execute(
            "INSERT INTO rel_controls (preparation_id, gravimetric_verdict, visual_ok, "
            "controlled_at, controlled_by, controlled_by_name) VALUES (?, 'not_done', true, ?, "
            "?, ?) RETURNING control_id",
            [preparation_id, at(day, 8.8), pharmacist.username, pharmacist.display_name],
        ).fetchone()[0]
        cur.execute(
            "INSERT INTO rel_decisions (preparation_id, control_id, decision, pharmacist, "
            "pharmacist_name, decided_at) VALUES (?, ?, 'released', ?, ?, ?)",
            [preparation_id, control_id, pharmacist.username, pharmacist.display_name,
             at(day, 8.9)],
        )
        audit.record(cur, pharmacist.actor, "test_setup.decided", "preparation",
                     preparation_id, after={"decision": "released"},
                     reason="mise en place de test, hors service de libération")


def ward_setup(store) -> dict:
    """On the demo: GARNIER Hamid's mFOLFOX6 and GAILLARD Martine's (IPP10000740) R-CHOP
    validated for today (both in HGE); the oxaliplatin made, controlled and released; a
    nurse."""
    pharmacist = create_account(store, "pharmacist")
    preparer = create_account(store, "preparer")
    folfox = validated_mfolfox6(store, pharmacist)
    rchop = validated_rchop(store, pharmacist)
    oxali = printed(store, preparer, line_of(store, folfox, "OXALIPLATINE"))
    released(store, pharmacist, oxali, vial(OXALI_200))
    return {"store": store, "pharmacist": pharmacist, "preparer": preparer,
            "nurse": create_account(store, "nurse"), "folfox": folfox, "rchop": rchop,
            "oxali": oxali}


@pytest.fixture
def ward(store):
    activate_demo(store)
    return ward_setup(store)


def given(line_id: str, code: str | None, **more) -> RecordRequest:
    values = {"line_id": line_id, "outcome": Outcome.GIVEN, "preparation_code": code,
              "started_at": at(TODAY, 10.5), "checks_done": True, **more}
    return RecordRequest(**values)


def test_the_mfolfox6_plan_runs_oxaliplatin_with_folinic_acid_and_shows_the_pump_end(ward):
    store, nurse = ward["store"], ward["nurse"]
    plan = service.patient_plan(store, nurse, RECENT_PATIENT, TODAY)
    assert plan is not None and plan.patient_name == "GARNIER Hamid"
    assert plan.ward_name == "Hépato-gastro-entérologie"
    shown = [(s.title, f"{s.timing.start:%H:%M}", f"{s.timing.end:%d %H:%M}", s.timing.rate_ml_h)
             for s in plan.steps]
    assert shown == [
        ("ondansétron", "09:00", "23 09:15", 200.0),
        ("dexaméthasone", "09:15", "23 09:30", 200.0),
        ("NaCl 0,9 % 250 mL (garde-veine)", "09:30", "23 10:30", 250.0),
        ("oxaliplatine", "10:30", "23 12:30", pytest.approx(142.8)),  # 285,6 mL of the bag
        ("acide folinique", "10:30", "23 12:30", 125.0),  # with the oxaliplatin (en Y)
        ("fluorouracile", "12:30", "23 12:40", None),  # a syringe: no volume, no rate
        ("fluorouracile", "12:40", "25 10:40", 5.0),  # 230 mL over 46 h, two days later
    ]
    oxali, folinic, bolus, pump = plan.steps[3:]
    assert folinic.timing.together_with == oxali.line_id
    assert oxali.volume_source == "préparation" and folinic.volume_source == "prescription"
    assert oxali.preparation.preparation_id == ward["oxali"]
    assert oxali.preparation.chain_label == "libérée"
    assert [s.compounded for s in plan.steps] == [False, False, False, True, True, True, True]
    assert folinic.preparation is None  # not printed yet
    assert pump.timing.continues and "25/11/2026 à 10:40" in pump.timing.notes[0].message
    assert "volume non renseigné" in bolus.timing.notes[0].message
    later = service.patient_plan(store, nurse, RECENT_PATIENT, TODAY, at(TODAY, 13.25))
    assert f"{later.steps[0].timing.start:%H:%M}" == "13:15"


def test_the_rchop_plan_counts_a_default_time_for_oral_drugs(ward):
    store, nurse = ward["store"], ward["nurse"]
    plan = service.patient_plan(store, nurse, OTHER_PATIENT, TODAY)
    shown = [(s.title, s.route, f"{s.timing.start:%H:%M}", f"{s.timing.end:%H:%M}",
              s.timing.duration_default) for s in plan.steps]
    assert shown == [
        ("paracétamol", "PO", "09:00", "09:05", True),
        ("dexchlorphéniramine", "IV", "09:05", "09:10", False),
        ("ondansétron", "IV", "09:10", "09:25", False),
        ("dexaméthasone", "IV", "09:25", "09:40", False),
        ("NaCl 0,9 % 500 mL (garde-veine)", "IV", "09:40", "10:40", False),
        ("rituximab", "IV", "10:40", "14:40", False),
        ("cyclophosphamide", "IV", "14:40", "15:40", False),
        ("doxorubicine", "IV", "15:40", "15:55", False),
        ("vincristine", "IV", "15:55", "16:05", False),
        ("prednisone", "PO", "16:05", "16:10", True),
    ]
    rates = {s.title: s.timing.rate_ml_h for s in plan.steps}
    assert rates["rituximab"] == 125.0 and rates["vincristine"] == 300.0
    assert rates["paracétamol"] is None and rates["dexchlorphéniramine"] is None
    assert "Prise orale : 5 min comptées" in plan.steps[0].timing.notes[0].message
    assert plan.patient_name == "GAILLARD Martine"  # the ward's plans, by name
    assert [p.patient_name for p in service.ward_plans(store, nurse, TODAY, "HGE")] == [
        "GAILLARD Martine", "GARNIER Hamid"]


def test_given_at_the_bedside_with_its_label_is_recorded_and_audited(ward):
    store, nurse, oxali = ward["store"], ward["nurse"], ward["oxali"]
    line_id = line_of(store, ward["folfox"], "OXALIPLATINE")
    assert recording.check_label(store, nurse, RECENT_PATIENT, TODAY, f"]C0{oxali}",
                                 now=NOW) == (line_id, oxali)
    made = recording.record(store, nurse, given(line_id, oxali), now=NOW)
    assert (made.outcome, made.preparation_id, made.given_by_name) == (
        Outcome.GIVEN, oxali, "Test nurse")
    assert not made.from_paper and made.entered_by == "nurse"
    [row] = audit_rows(store, "administration.given")
    assert row["actor"] == "nurse" and row["record_type"] == "administration_record"
    assert row["after_json"]["preparation_id"] == oxali
    assert row["after_json"]["checks"] == "identité, péremption, aspect, voie vérifiées"
    assert preparation_chain(store.cursor(), [oxali]) == {oxali: "given"}
    step = service.patient_plan(store, nurse, RECENT_PATIENT, TODAY).step(line_id)
    assert step.current.record_id == made.record_id
    assert step.preparation.chain_label == "administrée"
    with pytest.raises(LabelRefused, match="déjà enregistrée comme administrée"):
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY, oxali, now=NOW)
    with pytest.raises(AdministrationRefused, match="Étape déjà enregistrée"):
        recording.record(store, nurse, given(line_id, oxali), now=NOW)
    assert row_seals.check(store.cursor()).ok


def test_a_bedside_record_lists_every_missing_check_at_once(ward):
    store, nurse = ward["store"], ward["nurse"]
    line_id = line_of(store, ward["folfox"], "OXALIPLATINE")
    request = RecordRequest(line_id=line_id, outcome=Outcome.GIVEN)
    with pytest.raises(AdministrationRefused) as refused:
        recording.record(store, nurse, request, now=NOW)
    text = str(refused.value)
    assert "Saisissez l'heure de début" in text
    assert "Cochez les vérifications" in text
    assert "scannez (ou tapez) le numéro de son étiquette" in text
    assert refused.value.code == "administration_time_missing"
    future = given(line_id, ward["oxali"], started_at=NOW + timedelta(hours=1))
    with pytest.raises(AdministrationRefused, match="dans le futur"):
        recording.record(store, nurse, future, now=NOW)
    backwards = given(line_id, ward["oxali"], ended_at=at(TODAY, 9))
    with pytest.raises(AdministrationRefused, match="avant l'heure de début"):
        recording.record(store, nurse, backwards, now=NOW)
    other_day = given(line_id, ward["oxali"], started_at=at(TODAY - timedelta(days=1), 10))
    with pytest.raises(AdministrationRefused, match="prévue le 23/11/2026"):
        recording.record(store, nurse, other_day, now=NOW)
    ondansetron = line_of(store, ward["folfox"], "ONDANSETRON")
    with pytest.raises(AdministrationRefused, match="n'a pas de préparation"):
        recording.record(store, nurse, given(ondansetron, ward["oxali"]), now=NOW)
    assert store.cursor().execute("SELECT count(*) FROM adm_records").fetchone()[0] == 0


def test_the_label_scan_refuses_another_patient_another_step_expired_or_unreleased(ward):
    store, nurse, preparer = ward["store"], ward["nurse"], ward["preparer"]
    folfox, oxali = ward["folfox"], ward["oxali"]
    vincristine = printed(store, preparer, line_of(store, ward["rchop"], "VINCRISTINE"))
    with pytest.raises(LabelRefused, match="ÉTIQUETTE D'UN AUTRE PATIENT") as other:
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY, vincristine, now=NOW)
    assert other.value.code == "label_other_patient"
    assert f"IPP {OTHER_PATIENT}), pas de GARNIER Hamid (IPP {RECENT_PATIENT})" in str(other.value)
    oxali_line = line_of(store, folfox, "OXALIPLATINE")
    bolus = printed(store, preparer, line_of(store, folfox, "FLUOROURACILE", pump=False))
    with pytest.raises(LabelRefused, match="pas libérée par un pharmacien") as unreleased:
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY, bolus, now=NOW)
    assert unreleased.value.code == "label_not_released"
    assert "« fiche imprimée »" in str(unreleased.value)
    with pytest.raises(LabelRefused, match="n'est pas celle de l'étape « oxaliplatine »"):
        recording.record(store, nurse, given(oxali_line, bolus), now=NOW)
    with pytest.raises(LabelRefused, match="ÉTIQUETTE D'UN AUTRE PATIENT"):
        recording.record(store, nurse, given(oxali_line, vincristine), now=NOW)
    expired_at = at(TODAY + timedelta(days=2), 9)  # the bag expires on 25/11 at 08:00
    with pytest.raises(LabelRefused, match="périmée depuis le 25/11/2026 à 08:00") as expired:
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY, oxali, now=expired_at)
    assert expired.value.code == "label_expired"
    with pytest.raises(LabelRefused, match="est prévue le 23/11/2026, pas le 24/11/2026"):
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY + timedelta(days=1), oxali,
                              now=NOW)
    with pytest.raises(LabelRefused, match="aucune préparation FAB1 "):
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY, "FAB1", now=NOW)
    with pytest.raises(LabelRefused, match="Étiquette illisible"):
        recording.check_label(store, nurse, RECENT_PATIENT, TODAY, "0340079254953", now=NOW)
    assert store.cursor().execute("SELECT count(*) FROM adm_records").fetchone()[0] == 0


def test_a_dose_not_given_reaches_the_prescribers_and_pharmacists_list(ward):
    store, nurse = ward["store"], ward["nurse"]
    bolus = line_of(store, ward["folfox"], "FLUOROURACILE", pump=False)
    request = RecordRequest(line_id=bolus, outcome=Outcome.NOT_GIVEN)
    with pytest.raises(AdministrationRefused, match="le motif est obligatoire"):
        recording.record(store, nurse, request, now=NOW)
    made = recording.record(
        store, nurse, request.model_copy(update={"reason": "Patient nauséeux, refuse le bolus"}),
        now=NOW)
    [row] = audit_rows(store, "administration.not_given")
    assert row["after_json"]["reason"] == "Patient nauséeux, refuse le bolus"
    for role in ("prescriber", "pharmacist", "nurse"):
        reader = create_account(store, role, f"reader-{role}")
        [entry] = service.not_given_since(store, reader, NOW - timedelta(days=1))
        assert (entry.record_id, entry.patient_name, entry.drug, entry.dose) == (
            made.record_id, "GARNIER Hamid", "fluorouracile", "836\u00a0mg")
        assert entry.reason == "Patient nauséeux, refuse le bolus"
        assert entry.prescription_id == ward["folfox"] and entry.given_by_name == "Test nurse"
    assert service.not_given_since(store, nurse, NOW + timedelta(minutes=1)) == []
    with pytest.raises(PermissionDenied):
        service.not_given_since(store, create_account(store, "buyer"), NOW)
    # a correction (it was given after all) takes it off the list; the first record stays
    corrected = recording.record(store, nurse, RecordRequest(
        line_id=bolus, outcome=Outcome.NOT_GIVEN, reason="Refus du patient",
        replaces_id=made.record_id, correction_reason="motif précisé"), now=NOW)
    [entry] = service.not_given_since(store, nurse, NOW - timedelta(days=1))
    assert entry.record_id == corrected.record_id and entry.reason == "Refus du patient"
    [fixed] = audit_rows(store, "administration.corrected")
    assert fixed["reason"] == "motif précisé"
    assert fixed["before_json"]["record_id"] == made.record_id
    assert fixed["after_json"]["replaces_record_id"] == made.record_id


def test_partial_incident_and_entries_from_the_paper_plan(ward):
    store, nurse, oxali = ward["store"], ward["nurse"], ward["oxali"]
    line_id = line_of(store, ward["folfox"], "OXALIPLATINE")
    partial = RecordRequest(line_id=line_id, outcome=Outcome.PARTIAL, preparation_code=oxali,
                            started_at=at(TODAY, 10.5), ended_at=at(TODAY, 11), from_paper=True)
    with pytest.raises(AdministrationRefused) as refused:
        recording.record(store, nurse, partial, now=at(TODAY, 17))
    assert "écrivez ce qui a été administré" in str(refused.value)
    assert "nom de l'infirmier(e) qui a signé" in str(refused.value)
    made = recording.record(store, nurse, partial.model_copy(update={
        "amount_given": "environ 60 mL, arrêt pour douleur au point de ponction",
        "given_by_name": "Claire Martin"}), now=at(TODAY, 17))
    assert made.from_paper and made.given_by_name == "Claire Martin"
    assert made.entered_by_name == "Test nurse" and made.entered_at == at(TODAY, 17)
    incident = RecordRequest(line_id=line_id, outcome=Outcome.INCIDENT,
                             started_at=at(TODAY, 11), incident="Suspicion d'extravasation")
    with pytest.raises(AdministrationRefused, match="les deux"):
        recording.record(store, nurse, incident, now=at(TODAY, 11.1))
    recording.record(store, nurse, incident.model_copy(update={
        "action_taken": "Perfusion arrêtée, médecin appelé, froid local"}), now=at(TODAY, 11.1))
    recording.record(store, nurse, incident.model_copy(update={
        "incident": "Douleur", "action_taken": "Antalgique"}), now=at(TODAY, 11.2))
    step = service.patient_plan(store, nurse, RECENT_PATIENT, TODAY).step(line_id)
    assert step.current.outcome == Outcome.PARTIAL and len(step.incidents) == 2
    assert len(audit_rows(store, "administration.incident")) == 2
    [row] = audit_rows(store, "administration.partial")
    assert row["after_json"]["from_paper"] is True
    assert row["after_json"]["given_by_name"] == "Claire Martin"


def test_corrections_are_new_records_and_never_edit(ward):
    store, nurse, oxali = ward["store"], ward["nurse"], ward["oxali"]
    line_id = line_of(store, ward["folfox"], "OXALIPLATINE")
    first = recording.record(store, nurse, given(line_id, oxali), now=NOW)
    fix = given(line_id, oxali, ended_at=at(TODAY, 12.5), replaces_id=first.record_id)
    with pytest.raises(AdministrationRefused, match="Correction : le motif est obligatoire"):
        recording.record(store, nurse, fix, now=at(TODAY, 12.6))
    second = recording.record(store, nurse, fix.model_copy(update={
        "correction_reason": "heure de fin"}), now=at(TODAY, 12.6))
    assert second.replaces_id == first.record_id and second.ended_at == at(TODAY, 12.5)
    with pytest.raises(AdministrationRefused, match="a déjà été corrigé"):
        recording.record(store, nurse, fix.model_copy(update={"correction_reason": "encore"}),
                         now=at(TODAY, 12.7))
    rows = store.cursor().execute(
        "SELECT record_id, started_at, ended_at, replaces_id FROM adm_records ORDER BY 1"
    ).fetchall()
    assert rows == [(first.record_id, at(TODAY, 10.5), None, None),
                    (second.record_id, at(TODAY, 10.5), at(TODAY, 12.5), first.record_id)]
    step = service.patient_plan(store, nurse, RECENT_PATIENT, TODAY).step(line_id)
    assert [r.replaced for r in step.records] == [True, False]
    assert preparation_chain(store.cursor(), [oxali]) == {oxali: "given"}


def test_the_same_request_twice_records_once(ward):
    store, nurse, oxali = ward["store"], ward["nurse"], ward["oxali"]
    line_id = line_of(store, ward["folfox"], "OXALIPLATINE")
    key = "k" * 32
    first = recording.record(store, nurse, given(line_id, oxali), now=NOW, request_key=key)
    again = recording.record(store, nurse, given(line_id, oxali), now=NOW, request_key=key)
    assert again.record_id == first.record_id
    assert store.cursor().execute("SELECT count(*) FROM adm_records").fetchone()[0] == 1
    assert len(audit_rows(store, "administration.given")) == 1


def test_who_may_read_and_record(ward):
    store, oxali = ward["store"], ward["oxali"]
    line_id = line_of(store, ward["folfox"], "OXALIPLATINE")
    for role in ("pharmacist", "prescriber"):
        reader = create_account(store, role, f"r-{role}")
        assert service.patient_plan(store, reader, RECENT_PATIENT, TODAY) is not None
        with pytest.raises(PermissionDenied):
            recording.record(store, reader, given(line_id, oxali), now=NOW)
    for role in ("preparer", "buyer"):
        with pytest.raises(PermissionDenied):
            service.patient_plan(store, create_account(store, role, f"r-{role}"),
                                 RECENT_PATIENT, TODAY)


def test_a_line_of_a_prescription_not_validated_is_refused(ward):
    store, nurse = ward["store"], ward["nurse"]
    rx_id = signed_mfolfox6(store, cycle=7)  # signed, not validated
    line_id = line_of(store, rx_id, "ONDANSETRON")
    with pytest.raises(AdministrationRefused, match="pas \\(ou plus\\) validée") as refused:
        recording.record(store, nurse, given(line_id, None), now=NOW)
    assert refused.value.code == "administration_prescription_not_validated"
    plan = service.patient_plan(store, nurse, RECENT_PATIENT, TODAY)
    assert {s.prescription_id for s in plan.steps} == {ward["folfox"]}


def test_a_compounded_step_given_without_its_preparation_released_is_refused(ward):
    store, nurse = ward["store"], ward["nurse"]
    folinic = line_of(store, ward["folfox"], "ACIDE_FOLINIQUE")  # not printed
    with pytest.raises(AdministrationRefused, match="scannez \\(ou tapez\\)"):
        recording.record(store, nurse, given(folinic, None), now=NOW)
    bolus_line = line_of(store, ward["folfox"], "FLUOROURACILE", pump=False)
    bolus = printed(store, ward["preparer"], bolus_line)
    released(store, ward["pharmacist"], bolus, vial(FU_1000))
    made = recording.record(store, nurse, given(bolus_line, bolus.lower()), now=NOW)
    assert made.preparation_id == bolus


def test_a_not_given_dose_with_another_patients_label_is_refused(ward):
    store, nurse = ward["store"], ward["nurse"]
    vincristine = printed(store, ward["preparer"], line_of(store, ward["rchop"], "VINCRISTINE"))
    oxali_line = line_of(store, ward["folfox"], "OXALIPLATINE")
    request = RecordRequest(line_id=oxali_line, outcome=Outcome.NOT_GIVEN, reason="refus",
                            preparation_code=vincristine)
    with pytest.raises(LabelRefused, match="ÉTIQUETTE D'UN AUTRE PATIENT"):
        recording.record(store, nurse, request, now=NOW)
    # not given without a scan: the line's preparation is named, its chain says so
    made = recording.record(store, nurse, request.model_copy(update={"preparation_code": None}),
                            now=NOW)
    assert made.preparation_id == ward["oxali"]
    assert preparation_chain(store.cursor(), [ward["oxali"]]) == {ward["oxali"]: "not_given"}


def test_without_a_snapshot_plans_and_records_are_refused(store):
    from chemo_fallback.patients.models import NoActiveSnapshot

    nurse = create_account(store, "nurse")
    with pytest.raises(NoActiveSnapshot, match="Aucun instantané actif"):
        service.patient_plan(store, nurse, RECENT_PATIENT, TODAY)
    with pytest.raises(NoActiveSnapshot):
        recording.record(store, nurse, given("PS000001-L1", None), now=NOW)
    assert service.not_given_since(store, nurse, NOW) == []
