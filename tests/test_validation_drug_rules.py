"""Validation re-runs the drug-level rules on every line under review (defence in depth): a line
recorded before the rules, or under another snapshot, is found; a never-event cannot be lifted,
the other drug findings can, with a reason."""

from __future__ import annotations

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, queries
from chemo_fallback.modules.prescription.models import DraftRequest, Status
from chemo_fallback.modules.validation import decisions
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Override, Severity, ValidationError
from chemo_fallback.site_settings import SiteSettings

SETTINGS = SiteSettings()


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def signed_rchop(store) -> str:
    prescriber = create_account(store, "prescriber")
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=1, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, prescriber, request, SETTINGS, TODAY)
    line_edits.set_indication_code(store, prescriber, rx.prescription_id, "RITUXIMAB", "I000456")
    lifecycle.sign(store, prescriber, rx.prescription_id, SETTINGS, TODAY)
    return rx.prescription_id


def _vincristine(store, rx_id: str, **values) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    store.cursor().execute(
        f"UPDATE rx_lines SET {sets} WHERE prescription_id = ? AND drug_id = 'VINCRISTINE'",
        [*values.values(), rx_id],
    )


def _lift_all(findings, reason="Vu avec le prescripteur") -> list[Override]:
    return [Override(key=f.key, reason=reason) for f in findings
            if f.severity == Severity.BLOCKING]


def test_a_clean_line_gives_no_drug_finding(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_rchop(demo)
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    assert not [f for f in findings if f.code.startswith(("never_", "drug_"))]


def test_a_never_event_finding_cannot_be_lifted(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_rchop(demo)
    _vincristine(demo, rx_id, route="IT", container="seringue")  # recorded before the rules
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    never = [f for f in findings if f.code.startswith("never_")]
    assert {f.code for f in never} == {"never_vinca_route", "never_vinca_container",
                                        "never_intrathecal"}
    assert all(f.severity == Severity.BLOCKING and not f.liftable for f in never)
    with pytest.raises(ValidationError, match="ne peut pas être levé"):
        decisions.validate(demo, pharmacist, rx_id, _lift_all(findings), SETTINGS, TODAY)
    assert queries.read_prescription(demo, pharmacist, rx_id).status == Status.SIGNED
    assert audit_rows(demo, "prescription.validated") == []


def test_a_drug_maximum_finding_can_be_lifted_with_a_reason(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_rchop(demo)
    _vincristine(demo, rx_id, max_dose=None, final_dose=2.01)  # made before the drug maximum
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    [above] = [f for f in findings if f.code == "drug_dose_above_max"]
    assert above.severity == Severity.BLOCKING and above.liftable
    assert "2,01" in above.message and "(2 mg)" in above.message
    decision = decisions.validate(demo, pharmacist, rx_id, _lift_all(findings), SETTINGS, TODAY)
    assert decision == "validated"
    [audit] = audit_rows(demo, "prescription.validated")
    assert above.key in audit["after_json"]["overrides"]


def test_just_at_the_drug_maximum_gives_no_finding(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx_id = signed_rchop(demo)
    _vincristine(demo, rx_id, max_dose=None, final_dose=2.0)
    _rx, findings = validation.findings_of(demo, pharmacist, rx_id, SETTINGS, TODAY)
    assert not [f for f in findings if f.code == "drug_dose_above_max"]
