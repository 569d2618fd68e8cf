"""Validation use cases on the demo snapshot: the worklist, every finding gathered from the
snapshot's history, the signed validation (refused while a blocking finding stands), the
rejection, the intervention, the double check and the "feu vert"; audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.auth.accounts import find_user
from chemo_fallback.auth.roles import PermissionDenied
from chemo_fallback.modules.prescription import drafts, lifecycle, queries
from chemo_fallback.modules.prescription.models import DraftRequest, PrescriptionError, Status
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.go_ahead import record_go_ahead
from chemo_fallback.modules.validation.models import Override, Severity, ValidationError
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()
INTERVAL = "interval_short"


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def signed_mfolfox6(store, cycle: int = 6, start=TODAY):
    """GARNIER Hamid had mFOLFOX6 cycle 4 on 19/11/2026 (snapshot): a cycle 6 today comes
    4 days later instead of 14."""
    prescriber = create_account(store, "prescriber", f"dr{cycle}{start:%d}")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=cycle, cycle_start_date=start
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


def lift(store, pharmacist, rx_id: str, reason: str = "Vu avec le prescripteur"):
    """An override, with a reason, of every blocking finding of the prescription."""
    _rx, findings = validation.findings_of(store, pharmacist, rx_id, SETTINGS, TODAY)
    return [Override(key=f.key, reason=reason) for f in findings
            if f.severity == Severity.BLOCKING]


def test_findings_come_from_the_snapshot_history(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    codes = {f.code: f for f in findings}
    assert codes[INTERVAL].severity == Severity.BLOCKING
    assert "19/11/2026" in codes[INTERVAL].message
    # labs of 18/11 are fine, clearance too; oxaliplatin 178 mg in 250 mL is 0,71 mg/mL,
    # above the product's 0,7 mg/mL: a real finding (a 500 mL bag is needed)
    blocking = sorted(f.code for f in findings if f.severity == Severity.BLOCKING)
    # and the production's cycle 5 is planned on 03/12, 10 days after this cycle 6
    assert blocking == ["concentration", INTERVAL, "interval_short_next"], findings
    assert "0,7" in codes["concentration"].message


def test_validation_refused_until_each_blocking_finding_is_lifted(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_mfolfox6(demo)
    with pytest.raises(ValidationError, match="n'est pas levé"):
        decisions.validate(demo, pharmacist, rx_id, [], SETTINGS, TODAY)
    with pytest.raises(ValidationError, match="levé sans motif"):
        decisions.validate(demo, pharmacist, rx_id, [Override(key=INTERVAL, reason=" ")],
                           SETTINGS, TODAY)
    assert queries.read_prescription(demo, pharmacist, rx_id).status == Status.SIGNED
    assert audit_rows(demo, "prescription.validated") == []
    partial = [o for o in lift(demo, pharmacist, rx_id) if o.key != INTERVAL]
    with pytest.raises(ValidationError, match="n'est pas levé"):
        decisions.validate(demo, pharmacist, rx_id, partial, SETTINGS, TODAY)
    decision = decisions.validate(
        demo, pharmacist, rx_id, lift(demo, pharmacist, rx_id, "Report du C4 en RCP"),
        SETTINGS, TODAY,
    )
    assert decision == "validated"
    assert queries.read_prescription(demo, pharmacist, rx_id).status == Status.VALIDATED
    [audit] = audit_rows(demo, "prescription.validated")
    assert audit["after_json"]["overrides"][INTERVAL] == "Report du C4 en RCP"
    assert len(audit["after_json"]["overrides"]) == 3  # interval_short_next too
    signature = audit_rows(demo, "signature")[-1]
    assert signature["record_id"] == rx_id and signature["after_json"]["meaning"] == "validé"
    with pytest.raises(ValidationError, match="Décision déjà prise"):
        decisions.reject(demo, pharmacist, rx_id, "trop tard")


def test_only_pharmacists_validate(demo) -> None:
    rx_id = signed_mfolfox6(demo)
    nurse = create_account(demo, "nurse")
    with pytest.raises(PermissionDenied):
        decisions.validate(demo, nurse, rx_id, [], SETTINGS, TODAY)


def test_reject_and_intervention_return_the_prescription(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    first = signed_mfolfox6(demo)
    with pytest.raises(PrescriptionError, match="motif du refus est obligatoire"):
        decisions.reject(demo, pharmacist, first, "")
    decisions.reject(demo, pharmacist, first, "Cycle déjà administré le 19/11")
    rejected = queries.read_prescription(demo, pharmacist, first)
    assert rejected.status == Status.REJECTED
    assert rejected.status_reason == "Refus : Cycle déjà administré le 19/11"
    assert audit_rows(demo, "prescription.rejected")[0]["reason"] == (
        "Cycle déjà administré le 19/11"
    )
    second = signed_mfolfox6(demo, cycle=7)
    with pytest.raises(ValidationError, match="codification SFPC"):
        decisions.request_change(demo, pharmacist, second, "99", "texte")
    decisions.request_change(demo, pharmacist, second, "4", "Reporter au 03/12 (J15 du C5)")
    changed = queries.read_prescription(demo, pharmacist, second)
    assert changed.status == Status.CHANGE_REQUESTED  # a request for a change, not a refusal
    assert changed.status_reason == (
        "Modification demandée : Surdosage — Reporter au 03/12 (J15 du C5)"
    )
    assert audit_rows(demo, "prescription.intervention") == []
    [audit] = audit_rows(demo, "prescription.change_requested")
    assert audit["after_json"]["intervention_code"] == "4"
    # the prescriber answers with a corrected version
    author = find_user(demo, "dr723")  # signed_mfolfox6's prescriber for cycle 7 on the 23rd
    v2 = lifecycle.start_correction(demo, author, second, SETTINGS)
    assert v2.supersedes_id == second and v2.status == Status.DRAFT


def test_double_check_needs_a_second_pharmacist(demo) -> None:
    settings = SiteSettings(validation_double_check=True)
    first = create_account(demo, "pharmacist")
    second = create_account(demo, "pharmacist", "pharmacien2")
    rx_id = signed_mfolfox6(demo)
    lifted = lift(demo, first, rx_id)
    assert decisions.validate(demo, first, rx_id, lifted, settings, TODAY) == "first_check"
    assert queries.read_prescription(demo, first, rx_id).status == Status.SIGNED
    with pytest.raises(ValidationError, match="autre pharmacien"):
        decisions.validate(demo, first, rx_id, lifted, settings, TODAY)
    assert decisions.validate(demo, second, rx_id, lifted, settings, TODAY) == "validated"
    assert queries.read_prescription(demo, first, rx_id).status == Status.VALIDATED
    assert len(audit_rows(demo, "prescription.first_check")) == 1


def at(day, hours: float = 0.0) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hours)


def created_at(store, rx_id: str, when: datetime) -> None:
    """Prescriptions are created at the real clock's now; the demo's day is pinned to TODAY."""
    store.cursor().execute(
        "UPDATE rx_prescriptions SET created_at = ? WHERE prescription_id = ?", [when, rx_id]
    )


def test_go_ahead_records_who_and_when(demo) -> None:
    nurse = create_account(demo, "nurse")
    rx_id = signed_mfolfox6(demo)
    created_at(demo, rx_id, at(TODAY, 7))
    when, now = at(TODAY, 8 + 40 / 60), at(TODAY, 10)
    with pytest.raises(PrescriptionError, match="Le nom de la personne"):
        record_go_ahead(demo, nurse, rx_id, 1, "", when, now=now)
    with pytest.raises(ValidationError, match="dans le futur"):
        record_go_ahead(demo, nurse, rx_id, 1, "Dr Colin", at(TODAY, 10.01), now=now)
    with pytest.raises(ValidationError, match="J8 n'est pas un jour"):
        record_go_ahead(demo, nurse, rx_id, 8, "Dr Colin", when, now=now)
    record_go_ahead(demo, nurse, rx_id, 1, "Dr Colin (HDJ)", when, "PNN du matin OK",
                    now=now)
    [audit] = audit_rows(demo, "prescription.go_ahead")
    assert audit["actor"] == "nurse" and audit["after_json"]["given_by"] == "Dr Colin (HDJ)"


def test_worklist_most_urgent_first_with_findings(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    later = signed_mfolfox6(demo, cycle=7, start=TODAY + timedelta(days=1))
    sooner = signed_mfolfox6(demo, cycle=6)
    listed = validation.worklist(demo, pharmacist, SETTINGS, TODAY)
    assert [e.prescription.prescription_id for e in listed.entries] == [sooner, later]
    assert (listed.awaiting, listed.hidden) == (2, 0)
    assert all(e.patient == "GARNIER Hamid" for e in listed.entries)
    # the later one is a duplicate-free but too-early cycle too
    assert all(any(f.code == INTERVAL for f in e.findings) for e in listed.entries)
    today_only = validation.worklist(demo, pharmacist, SETTINGS, TODAY, first_day=TODAY)
    assert [e.prescription.prescription_id for e in today_only.entries] == [sooner]
    assert today_only.hidden == 1
    other_ward = validation.worklist(demo, pharmacist, SETTINGS, TODAY, ward_id="ONCO-HC")
    assert (other_ward.entries, other_ward.hidden) == ([], 2)


def test_a_taken_over_prescription_is_not_its_own_duplicate(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, "ORD01000250", SETTINGS, TODAY)
    lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    _rx, findings = validation.findings_of(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)
    assert "duplicate" not in {f.code for f in findings}
    # the production cycle 4 of 19/11 is still the previous cycle: 14 days, no interval issue
    assert INTERVAL not in {f.code for f in findings}
