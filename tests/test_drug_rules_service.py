"""Drug-level rules through the prescription use cases on the demo snapshot: every path that
creates a line (protocol, off-protocol, take-over, correction, recompute, signature) applies the
drug's routes, containers and absolute maximum and the never-events; a refusal writes nothing."""

from __future__ import annotations

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, queries
from chemo_fallback.modules.prescription.models import (
    DraftRequest,
    OffProtocolLine,
    PrescriptionError,
)
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def draft(store, user, protocol="MFOLFOX6"):
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id=protocol, cycle_no=3, cycle_start_date=TODAY
    )
    return drafts.start_draft(store, user, request, SETTINGS, TODAY)


def off_protocol(store, user, rx_id, **wanted):
    values = dict(drug_id="VINCRISTINE", dose=1.4, dose_basis="mg/m2", day_no=1, route="IV",
                  container="poche", diluent="NACL09", volume_ml=50, reason="Décidé en RCP")
    values.update(wanted)
    return line_edits.add_off_protocol_line(store, user, rx_id, OffProtocolLine(**values), SETTINGS)


def test_off_protocol_vincristine_intrathecal_in_a_syringe_is_refused(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    with pytest.raises(PrescriptionError) as refused:
        off_protocol(demo, user, rx.prescription_id, dose=2, dose_basis="mg", route="IT",
                     container="seringue")
    message = str(refused.value)
    assert message.startswith("Ligne hors protocole refusée : vincristine (J1) par voie IT")
    assert "INTERDIT" in message and "minipoche" in message and "intrathécale" in message
    assert queries.read_prescription(demo, user, rx.prescription_id) == rx  # nothing written
    assert audit_rows(demo, "prescription.line_added") == []


def test_off_protocol_vincristine_per_m2_is_capped_at_the_drug_maximum(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    line = off_protocol(demo, user, rx.prescription_id)  # 1,4 mg/m² × 2,09 m² = 2,93 mg
    assert line.max_dose == 2 and line.final_dose == 2
    assert line.derivation.dose_limit == 2
    [added] = audit_rows(demo, "prescription.line_added")
    assert added["after_json"]["dose"] == 2


def test_off_protocol_flat_dose_just_inside_and_just_outside_the_maximum(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    assert off_protocol(demo, user, rx.prescription_id, dose=2, dose_basis="mg").final_dose == 2
    with pytest.raises(PrescriptionError, match="dose maximale absolue par administration"):
        off_protocol(demo, user, rx.prescription_id, dose=2.01, dose_basis="mg")
    assert len(audit_rows(demo, "prescription.line_added")) == 1


def test_off_protocol_route_and_container_of_the_snapshot(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    oxali = dict(drug_id="OXALIPLATINE", dose=85, diluent="G5", volume_ml=500)
    with pytest.raises(PrescriptionError, match=r"voie non autorisée .*voies autorisées : IV"):
        off_protocol(demo, user, rx.prescription_id, **oxali, route="SC")
    with pytest.raises(PrescriptionError, match="contenant non autorisé"):
        off_protocol(demo, user, rx.prescription_id, **oxali, container="seringue")
    with pytest.raises(PrescriptionError, match="voie intrathécale : INTERDIT"):
        off_protocol(demo, user, rx.prescription_id, **oxali, route="IT")
    assert audit_rows(demo, "prescription.line_added") == []
    assert off_protocol(demo, user, rx.prescription_id, **oxali).final_dose == 178


def test_protocol_line_carries_the_effective_maximum(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "RCHOP21")
    vincristine = next(x for x in rx.lines if x.drug_id == "VINCRISTINE")
    assert vincristine.max_dose == 2 and vincristine.final_dose == 2
    doxorubicin = next(x for x in rx.lines if x.drug_id == "DOXORUBICINE")
    assert doxorubicin.max_dose is None  # no maximum in the protocol nor for the drug


def test_taken_over_vincristine_keeps_the_maximum(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, "ORD01000276", SETTINGS, TODAY)
    [vincristine] = [x for x in rx.lines if x.drug_id == "VINCRISTINE"]
    assert vincristine.max_dose == 2 and vincristine.final_dose <= 2


def _record_a_line_from_before_the_rules(store, rx_id: str) -> None:
    """A line recorded before these rules existed (or under another snapshot)."""
    store.cursor().execute(
        "UPDATE rx_lines SET route = 'IT', container = 'seringue' "
        "WHERE prescription_id = ? AND drug_id = 'VINCRISTINE'",
        [rx_id],
    )


def test_sign_refuses_a_line_breaking_a_never_event(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "RCHOP21")
    _record_a_line_from_before_the_rules(demo, rx.prescription_id)
    with pytest.raises(PrescriptionError, match=r"Signature impossible.*par voie IT : INTERDIT"):
        lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    with pytest.raises(PrescriptionError, match=r"Ligne refusée.*par voie IT : INTERDIT"):
        line_edits.recompute(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert audit_rows(demo, "prescription.signed") == []
    assert audit_rows(demo, "prescription.recomputed") == []


def test_correction_applies_the_drug_rules(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user, "RCHOP21")
    line_edits.set_indication_code(demo, user, rx.prescription_id, "RITUXIMAB", "I000456")
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    _record_a_line_from_before_the_rules(demo, rx.prescription_id)
    with pytest.raises(PrescriptionError, match=r"Version corrigée impossible.*INTERDIT"):
        lifecycle.start_correction(demo, user, rx.prescription_id, SETTINGS)
    assert audit_rows(demo, "prescription.correction_started") == []
    demo.cursor().execute(
        "UPDATE rx_lines SET route = 'IV', container = 'poche', max_dose = NULL "
        "WHERE prescription_id = ? AND drug_id = 'VINCRISTINE'",
        [rx.prescription_id],
    )
    correction = lifecycle.start_correction(demo, user, rx.prescription_id, SETTINGS)
    [vincristine] = [x for x in correction.lines if x.drug_id == "VINCRISTINE"]
    assert vincristine.max_dose == 2  # the drug's maximum restored on the new version
    assert len(audit_rows(demo, "prescription.correction_started")) == 1


@pytest.mark.parametrize(
    ("drug", "basis", "code"),
    [("VINBLASTINE", "UI", "drug_basis_unit"), ("BLEOMYCINE", "mg/m2", "drug_basis_unit"),
     ("PACLITAXEL", "AUC", "auc_not_carboplatin")],
)
def test_off_protocol_dose_in_another_unit_or_by_auc_is_refused(demo, drug, basis, code) -> None:
    user = create_account(demo, "prescriber")
    rx = draft(demo, user)
    with pytest.raises(PrescriptionError) as refused:
        off_protocol(demo, user, rx.prescription_id, drug_id=drug, dose=3, dose_basis=basis)
    assert refused.value.code == code
    assert queries.read_prescription(demo, user, rx.prescription_id) == rx  # nothing written
