"""Property, through the services a click reaches: whatever path creates a line (protocol,
off-protocol, dose modification, take-over, correction), its final dose never exceeds any
applicable maximum (the line's, the drug's absolute one), is in the drug's own unit, and is
exactly the dose its printed derivation ends on. A path may refuse (French PrescriptionError);
it may never break these."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prescription_helpers import TODAY, activate_demo
from web_helpers import create_account

from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.models import (
    DraftRequest,
    Line,
    OffProtocolLine,
    Prescription,
    PrescriptionError,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

SETTINGS = SiteSettings()
# Demo patients weighed within the site's 14 days before TODAY (snapshots/demo).
PATIENTS = ("IPP10000183", "IPP10000740", "IPP10001032", "IPP10001250", "IPP10002366")
PROTOCOLS = ("MFOLFOX6", "RCHOP21", "ABVD", "CARBO_PACLI", "PACLI_HEBDO", "GEMCITABINE")
DRUGS = ("VINCRISTINE", "VINBLASTINE", "BLEOMYCINE", "PACLITAXEL", "CARBOPLATINE", "ATROPINE")
BASES = ("mg/m2", "mg/kg", "mg", "AUC", "UI/m2", "UI")
FLOAT = 1e-9
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("paths") / "data")
    activate_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def people(demo):
    return create_account(demo, "prescriber"), create_account(demo, "pharmacist")


def _drugs(store: Store) -> dict[str, tuple[str, float | None]]:
    """drug → (its dose unit, its absolute maximum per administration)."""
    rows = store.cursor().execute(
        "SELECT drug_id, dose_unit, max_dose_per_administration FROM ref.drugs"
    ).fetchall()
    return {drug: (unit, limit) for drug, unit, limit in rows}


def assert_line_holds(line: Line, drugs: dict[str, tuple[str, float | None]]) -> None:
    if line.final_dose is None:
        assert line.derivation is None
        return
    d = line.derivation
    assert d is not None
    assert d.final_dose == line.final_dose
    last = d.steps[-1]
    assert last.value == line.final_dose
    assert last.description.endswith(f"{format_dose_fr(line.final_dose)} {d.unit}")
    if line.max_dose is not None:
        assert line.final_dose <= line.max_dose + FLOAT
    if line.drug_id in drugs:
        unit, limit = drugs[line.drug_id]
        assert d.unit == line.dose_unit == unit  # a dose in UI of a drug dosed in mg is refused
        if limit is not None:
            assert line.final_dose <= limit + FLOAT


def assert_holds(rx: Prescription, store: Store) -> None:
    drugs = _drugs(store)
    for line in rx.lines:
        assert_line_holds(line, drugs)


def _draft(store, user, patient, protocol, start_offset=0) -> Prescription | None:
    request = DraftRequest(
        patient_id=patient,
        protocol_id=protocol,
        cycle_no=2,
        cycle_start_date=TODAY + timedelta(days=start_offset),
    )
    try:
        return drafts.start_draft(store, user, request, SETTINGS, TODAY)
    except PrescriptionError:
        return None  # refused (missing creatinine, …): a refusal is allowed, a bad line is not


@EXAMPLES
@given(
    patient=st.sampled_from(PATIENTS),
    protocol=st.sampled_from(PROTOCOLS),
    pct=st.one_of(st.none(), st.floats(-99, 100, allow_nan=False)),
)
def test_protocol_lines_and_modifications_never_pass_a_maximum(
    demo, people, patient, protocol, pct
) -> None:
    prescriber, _pharmacist = people
    rx = _draft(demo, prescriber, patient, protocol)
    if rx is None:
        return
    assert_holds(rx, demo)
    dosed = [line for line in rx.lines if line.final_dose is not None]
    if pct is None or not dosed:
        return
    for line in dosed:
        try:
            changed = line_edits.modify_dose(
                demo, prescriber, rx.prescription_id, line.line_id, pct, "toxicité", SETTINGS
            )
        except PrescriptionError:
            continue
        assert_line_holds(changed, _drugs(demo))


@EXAMPLES
@given(
    patient=st.sampled_from(PATIENTS),
    drug=st.sampled_from(DRUGS),
    basis=st.sampled_from(BASES),
    dose=st.floats(0.01, 5000, allow_nan=False),
    day=st.integers(1, 14),
)
def test_off_protocol_lines_never_pass_a_maximum(demo, people, patient, drug, basis, dose, day):
    prescriber, _pharmacist = people
    rx = _draft(demo, prescriber, patient, "PACLI_HEBDO")
    if rx is None:
        return
    wanted = OffProtocolLine(
        drug_id=drug, dose=dose, dose_basis=basis, day_no=min(day, rx.cycle_length_days),
        route="IV", container="poche", volume_ml=100, reason="demande du prescripteur",
    )
    try:
        line = line_edits.add_off_protocol_line(
            demo, prescriber, rx.prescription_id, wanted, SETTINGS
        )
    except PrescriptionError:
        return
    assert_line_holds(line, _drugs(demo))


def test_take_overs_and_corrections_never_pass_a_maximum(demo, people) -> None:
    """Every production prescription of the demo still to come, taken over, then corrected."""
    _prescriber, pharmacist = people
    ids = [
        row[0]
        for row in demo.cursor().execute(
            "SELECT prescription_id FROM ref.prescriptions WHERE status IN ('planned', "
            "'validated') AND cycle_start_date BETWEEN ? AND ? ORDER BY prescription_id",
            [TODAY, TODAY + timedelta(days=7)],
        ).fetchall()
    ]
    taken = 0
    for production_id in ids:
        try:
            rx = drafts.take_over(demo, pharmacist, production_id, SETTINGS, TODAY)
        except PrescriptionError:
            continue
        taken += 1
        assert_holds(rx, demo)
        try:
            lifecycle.sign(demo, pharmacist, rx.prescription_id, SETTINGS, TODAY)
        except PrescriptionError:
            continue  # a "liste en sus" code missing, …: the correction path needs a signed one
        correction = lifecycle.start_correction(demo, pharmacist, rx.prescription_id, SETTINGS)
        assert_holds(correction, demo)
    assert taken >= 5  # the property was exercised, not skipped
