"""Third review round, prescription side: every path that writes a line goes through the drug
rules then the dose engine (a correction, a dose modification, after a newer snapshot lowered
vincristine's maximum); a line naming a drug is never dose-less, whatever its kind; a take-over
continues only what the production has not given yet; an off-protocol chemotherapy cannot be
typed premedication. Each through the service a click reaches, just inside and just outside."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factory import rewrite_table
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from web_helpers import create_account

from chemo_fallback.config import DEMO_SNAPSHOT
from chemo_fallback.dosing import DoseInputError, LineDoseRequest, compute_line_dose
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits, queries
from chemo_fallback.modules.prescription.models import (
    DraftRequest,
    OffProtocolLine,
    PrescriptionError,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits

SETTINGS = SiteSettings()
LENIENT = Limits(max_reject_ratio=1.0)  # one rejected line out of 64 is more than 1 %
VINCRISTINE = "VINCRISTINE,vincristine,mg,L01CA02,,,NACL09,0.01,0.1,168.0,2-8,O,poche,IV,2.0,N,"
ABVD_RX = "ORD01000285"  # J1 administered on 22/11, J15 validated for 06/12
ABVD_GIVEN = {"DOXORUBICINE", "BLEOMYCINE", "VINBLASTINE", "DACARBAZINE"}


@pytest.fixture
def demo(store):
    activate_demo(store)
    return store


def _demo_copy(tmp_path: Path, name: str, table: str, old: str, new: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(DEMO_SNAPSHOT, folder)
    text = (folder / f"{table}.csv").read_text(encoding="utf-8")
    assert old in text, old
    rewrite_table(folder, table, text.replace(old, new).encode("utf-8"))
    return folder


def _vincristine_max(store, tmp_path: Path, maximum: str) -> None:
    """The demo snapshot activated again, vincristine's absolute maximum per administration
    set to `maximum` mg (a newer snapshot), the fallback's prescriptions kept."""
    lowered = VINCRISTINE.replace(",IV,2.0,N,", f",IV,{maximum},N,")
    folder = _demo_copy(tmp_path, f"max{maximum}", "drugs", VINCRISTINE, lowered)
    report = activate_snapshot(store, folder, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()


def _rchop(store, user):
    """R-CHOP for a 2,09 m² patient: vincristine 1,4 mg/m² = 2,9 mg, capped at 2 mg."""
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="RCHOP21", cycle_no=3, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, user, request, SETTINGS, TODAY)
    line_edits.set_indication_code(store, user, rx.prescription_id, "RITUXIMAB", "I000456")
    return queries.read_prescription(store, user, rx.prescription_id)


def _vincristine(rx):
    [line] = [x for x in rx.lines if x.drug_id == "VINCRISTINE"]
    return line


def _cap_text(line) -> str:
    return " ".join(step.description for step in line.derivation.steps if "plafonn" in
                    step.description)


# --- 1. a correction passes through the drug rules and the dose engine ----------------------

@pytest.mark.parametrize(("maximum", "dose", "recomputed"), [("2.0", 2.0, False),
                                                               ("1.5", 1.5, True)])
def test_a_correction_takes_todays_drug_maximum(
    demo, tmp_path: Path, maximum: str, dose: float, recomputed: bool
) -> None:
    user = create_account(demo, "prescriber")
    rx = _rchop(demo, user)
    assert _vincristine(rx).final_dose == 2.0
    lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)
    _vincristine_max(demo, tmp_path, maximum)  # 2.0: just inside (unchanged); 1.5: lowered
    correction = lifecycle.start_correction(demo, user, rx.prescription_id, SETTINGS)
    vinc = _vincristine(correction)
    assert (vinc.final_dose, vinc.max_dose) == (dose, dose)
    assert vinc.derivation.final_dose == dose
    shown = format_dose_fr(dose)
    assert f"plafonnée à la dose maximale par administration ({shown} mg)" in _cap_text(vinc)
    stored = queries.read_prescription(demo, user, correction.prescription_id)
    assert _vincristine(stored).final_dose == dose
    [audit] = audit_rows(demo, "prescription.correction_started")
    assert audit["after_json"]["doses"][vinc.line_id] == dose
    if recomputed:
        assert audit["after_json"]["doses_recomputed"] == {
            vinc.line_id: {"before": 2.0, "after": 1.5}
        }
    else:
        assert audit["after_json"]["doses_recomputed"] == {}
    # the version signs as it is: its doses are the ones today's rules give
    lifecycle.sign(demo, user, correction.prescription_id, SETTINGS, TODAY)


# --- 2. a dose modification passes through the drug rules -----------------------------------

@pytest.mark.parametrize(("maximum", "dose"), [("2.0", 1.8), ("1.5", 1.4)])
def test_a_dose_modification_is_capped_by_todays_drug_maximum(
    demo, tmp_path: Path, maximum: str, dose: float
) -> None:
    user = create_account(demo, "prescriber")
    rx = _rchop(demo, user)
    vinc = _vincristine(rx)
    _vincristine_max(demo, tmp_path, maximum)
    dosed = line_edits.modify_dose(
        demo, user, rx.prescription_id, vinc.line_id, -10, "Neuropathie grade 1", SETTINGS
    )
    # −10 % of the dose after the maximum: 2 mg → 1,8 mg; with a 1,5 mg maximum → 1,35 mg,
    # rounded to the site's 0,1 mg step: 1,4 mg (+3,7 %, within the 5 % tolerance)
    assert dosed.final_dose == dose and dosed.max_dose == float(maximum)
    assert dosed.final_dose <= dosed.max_dose
    [audit] = audit_rows(demo, "prescription.dose_modified")
    assert audit["before_json"]["dose"] == 2.0 and audit["after_json"]["dose"] == dose
    stored = _vincristine(queries.read_prescription(demo, user, rx.prescription_id))
    assert stored.final_dose == dose and stored.derivation.final_dose == dose


# --- 4. a line naming a drug is never dose-less ---------------------------------------------

def _docetaxel_line() -> str:
    text = (DEMO_SNAPSHOT / "protocol_lines.csv").read_text(encoding="utf-8")
    [row] = [r for r in text.splitlines() if ",chemotherapy,DOCETAXEL," in r]
    return row


@pytest.mark.parametrize(("dose", "rejected"), [("0.0", True), ("0.01", False)])
def test_a_drug_line_mistyped_premedication_without_a_dose_is_rejected_at_activation(
    store, tmp_path: Path, dose: str, rejected: bool
) -> None:
    row = _docetaxel_line()
    fields = row.split(",")
    protocol = fields[0]
    fields[2], fields[5] = "premedication", dose
    folder = _demo_copy(tmp_path, "demo", "protocol_lines", row, ",".join(fields))
    report = activate_snapshot(store, folder, reanchor_to=TODAY, limits=LENIENT)
    assert report.status == "activated", report.to_text()
    [table] = [t for t in report.tables if t.table == "protocol_lines"]
    reasons = [r.reason for r in table.rejects]
    assert bool(reasons) == rejected, reasons
    if rejected:
        assert reasons[0].startswith("ligne qui nomme un médicament sans dose")
        user = create_account(store, "prescriber")
        request = DraftRequest(
            patient_id=RECENT_PATIENT, protocol_id=protocol, cycle_no=1, cycle_start_date=TODAY
        )
        with pytest.raises(PrescriptionError) as refused:
            drafts.start_draft(store, user, request, SETTINGS, TODAY)
        assert refused.value.code == "protocol_not_prescribable"
        assert audit_rows(store, "prescription.draft_created") == []


def test_the_demo_snapshot_activates_with_no_protocol_line_rejected(store) -> None:
    report = activate_snapshot(store, DEMO_SNAPSHOT, reanchor_to=TODAY)
    assert report.status == "activated"
    [table] = [t for t in report.tables if t.table == "protocol_lines"]
    assert table.rejects == []  # hydration lines carry no drug and no dose


def test_a_recorded_drug_line_without_a_dose_is_refused_at_recompute(demo) -> None:
    """A line recorded dose-less (an older reference database, before the activation rule)
    is refused by the engine path, never recomputed as a line without a dose."""
    user = create_account(demo, "prescriber")
    rx = _rchop(demo, user)
    demo.cursor().execute(
        "UPDATE rx_lines SET protocol_dose = 0, line_kind = 'premedication' "
        "WHERE prescription_id = ? AND drug_id = 'DOXORUBICINE'",
        [rx.prescription_id],
    )
    with pytest.raises(PrescriptionError, match="sans dose") as refused:
        line_edits.recompute(demo, user, rx.prescription_id, SETTINGS, TODAY)
    assert refused.value.code == "dose_missing_for_drug"
    assert audit_rows(demo, "prescription.recomputed") == []
    with pytest.raises(PrescriptionError, match="Signature impossible"):
        lifecycle.sign(demo, user, rx.prescription_id, SETTINGS, TODAY)


# --- 5. a take-over continues only what is still to give ------------------------------------

def test_a_take_over_leaves_out_the_lines_already_given(demo) -> None:
    pharmacist = create_account(demo, "pharmacist")
    rx = drafts.take_over(demo, pharmacist, ABVD_RX, SETTINGS, TODAY)
    chemo = [x for x in rx.lines if x.line_kind == "chemotherapy"]
    assert {x.drug_id for x in chemo} == ABVD_GIVEN
    assert {x.day_no for x in rx.lines} == {15}  # J1 was given on the 22nd: not re-created
    [audit] = audit_rows(demo, "prescription.draft_created")
    given = audit["after_json"]["already_given"]
    assert len(given) == 4
    assert all(" J1 (" in text and "administrée le 22/11/2026" in text for text in given)
    assert {text.split(" ")[0] for text in given} == ABVD_GIVEN
    assert audit["after_json"]["left_out"] == []


def _abvd_j15_prepared(tmp_path: Path, still_to_give: set[str]) -> Path:
    """The demo snapshot with ABVD's J15 lines prepared, except the drugs `still_to_give`."""
    folder = tmp_path / "abvd"
    shutil.copytree(DEMO_SNAPSHOT, folder)
    text = (folder / "prescription_lines.csv").read_text(encoding="utf-8")
    rows = []
    for row in text.splitlines():
        fields = row.split(",")
        if fields[1] == ABVD_RX and fields[4] == "15" and fields[3] not in still_to_give:
            assert fields[-1] == "validated"
            fields[-1] = "prepared"
        rows.append(",".join(fields))
    rewrite_table(folder, "prescription_lines", ("\n".join(rows) + "\n").encode("utf-8"))
    return folder


def test_a_take_over_with_nothing_left_to_give_is_refused(store, tmp_path: Path) -> None:
    report = activate_snapshot(store, _abvd_j15_prepared(tmp_path, set()), reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()
    pharmacist = create_account(store, "pharmacist")
    with pytest.raises(PrescriptionError) as refused:
        drafts.take_over(store, pharmacist, ABVD_RX, SETTINGS, TODAY)
    assert refused.value.code == "take_over_nothing_active"
    assert "déjà préparées ou administrées" in str(refused.value)
    assert "préparée le 06/12/2026" in str(refused.value)
    assert audit_rows(store, "prescription.draft_created") == []


def test_a_take_over_with_one_line_left_continues_that_line_alone(store, tmp_path) -> None:
    folder = _abvd_j15_prepared(tmp_path, {"DACARBAZINE"})
    report = activate_snapshot(store, folder, reanchor_to=TODAY)
    assert report.status == "activated", report.to_text()
    pharmacist = create_account(store, "pharmacist")
    rx = drafts.take_over(store, pharmacist, ABVD_RX, SETTINGS, TODAY)
    assert [x.drug_id for x in rx.lines if x.line_kind == "chemotherapy"] == ["DACARBAZINE"]
    [audit] = audit_rows(store, "prescription.draft_created")
    assert len(audit["after_json"]["already_given"]) == 7  # J1's four, J15's three
    assert audit["after_json"]["left_out"] == []


# --- 6. an off-protocol chemotherapy keeps its kind -----------------------------------------

def _off(kind: str, drug: str, dose: float, basis: str) -> OffProtocolLine:
    return OffProtocolLine(
        drug_id=drug, dose=dose, dose_basis=basis, day_no=1, route="IV", line_kind=kind,
        diluent="NACL09", volume_ml=250, container="poche", reason="Décidé en RCP",
    )


@pytest.mark.parametrize(
    ("kind", "drug", "why"),
    [
        ("premedication", "DOXORUBICINE", "dose cumulée maximale"),
        ("supportive", "PREDNISONE", "prescrit comme chimiothérapie dans le thésaurus (RCHOP21"),
        ("hydration", "OXALIPLATINE", "concentrations finales"),
    ],
)
def test_a_chemotherapy_typed_otherwise_is_refused_off_protocol(demo, kind, drug, why) -> None:
    user = create_account(demo, "prescriber")
    rx = _rchop(demo, user)
    with pytest.raises(PrescriptionError) as refused:
        line_edits.add_off_protocol_line(
            demo, user, rx.prescription_id, _off(kind, drug, 500, "mg/m2"), SETTINGS
        )
    assert refused.value.code == "line_kind_mismatch"
    assert why in str(refused.value) and "chimiothérapie" in str(refused.value)
    assert audit_rows(demo, "prescription.line_added") == []
    assert queries.read_prescription(demo, user, rx.prescription_id) == rx


def test_a_premedication_and_a_chemotherapy_typed_as_such_are_accepted(demo) -> None:
    user = create_account(demo, "prescriber")
    rx = _rchop(demo, user)
    ondansetron = line_edits.add_off_protocol_line(
        demo, user, rx.prescription_id, _off("premedication", "ONDANSETRON", 8, "mg"), SETTINGS
    )
    assert ondansetron.line_kind == "premedication" and ondansetron.final_dose == 8
    doxorubicin = line_edits.add_off_protocol_line(
        demo, user, rx.prescription_id, _off("chemotherapy", "DOXORUBICINE", 20, "mg"),
        SETTINGS,
    )
    assert doxorubicin.line_kind == "chemotherapy" and doxorubicin.final_dose == 20
    added = audit_rows(demo, "prescription.line_added")
    assert [a["after_json"]["drug_id"] for a in added] == ["ONDANSETRON", "DOXORUBICINE"]


# --- 3. banding never moves a dose by more than the smaller tolerance -----------------------

@pytest.mark.parametrize(
    ("band_pct", "rounding_pct"), [(15.0, 5.0), (5.0, 15.0)]
)
def test_banding_is_held_to_the_smaller_of_the_two_tolerances(band_pct, rounding_pct) -> None:
    def banded(band: float):
        return compute_line_dose(LineDoseRequest(
            protocol_dose=10, basis="mg", dose_bands=(band,), band_tolerance_pct=band_pct,
            rounding_tolerance_pct=rounding_pct,
        ))

    inside = banded(9.5)  # −5 %: just inside
    assert inside.final_dose == 9.5
    assert "tolérance 5 %" in inside.steps[-1].description
    with pytest.raises(DoseInputError, match="au-delà de la tolérance de 5 %") as refused:
        banded(9.49)  # −5,1 %: just outside
    assert refused.value.code == "dose_band_out_of_tolerance"
    with pytest.raises(DoseInputError):
        banded(9.0)  # −10 %: the case the review found accepted
