"""A dose is never recorded with more decimals than it prints, through the prescription
service: `dose_tolerance_pct` is 0,5 % at least (0 let 1/3 mg be recorded 0,333333… and printed
0,333 mg), and a site without a rounding step for a dose's size rounds it to the precision the
dose is printed with."""

from __future__ import annotations

import pytest
from prescription_helpers import RECENT_PATIENT, TODAY, activate_demo, audit_rows
from pydantic import ValidationError
from web_helpers import create_account

from chemo_fallback.french import NBSP, format_dose_fr
from chemo_fallback.modules.prescription import drafts
from chemo_fallback.modules.prescription.models import DraftRequest
from chemo_fallback.site_settings import SettingsError, SiteSettings, load_site_settings


@pytest.mark.parametrize(("value", "accepted"), [(0.5, True), (0.49, False), (0, False)])
def test_the_dose_tolerance_is_half_a_percent_at_least(tmp_path, value, accepted) -> None:
    (tmp_path / "site-settings.toml").write_text(f"dose_tolerance_pct = {value}\n")
    if accepted:
        assert load_site_settings(tmp_path).dose_tolerance_pct == value
        return
    with pytest.raises(SettingsError, match="dose_tolerance_pct"):
        load_site_settings(tmp_path)
    with pytest.raises(ValidationError):
        SiteSettings(dose_tolerance_pct=value)


def printed(dose: float) -> float:
    return float(format_dose_fr(dose).replace(NBSP, "").replace(",", "."))


@pytest.mark.parametrize("tolerance", [0.5, 5.0])
def test_a_site_without_rounding_steps_records_the_printed_dose(store, tolerance) -> None:
    """Oxaliplatin 85 mg/m² × 2,09 m² = 177,65 mg, printed "177,7 mg": recorded 177,7 mg."""
    activate_demo(store)
    user = create_account(store, "prescriber")
    settings = SiteSettings(rounding=(), dose_tolerance_pct=tolerance)
    request = DraftRequest(
        patient_id=RECENT_PATIENT, protocol_id="MFOLFOX6", cycle_no=3, cycle_start_date=TODAY
    )
    rx = drafts.start_draft(store, user, request, settings, TODAY)
    oxali = next(line for line in rx.lines if line.drug_id == "OXALIPLATINE")
    assert oxali.derivation.dose_before_rounding == pytest.approx(177.65)
    assert oxali.final_dose == 177.7
    assert oxali.derivation.steps[-1].description == "Arrondi au pas de 0,1 mg : 177,7 mg"
    for line in rx.lines:
        if line.final_dose is not None:
            assert printed(line.final_dose) == line.final_dose, line.title
    [created] = audit_rows(store, "prescription.draft_created")
    assert created["after_json"]["doses"][oxali.line_id] == 177.7
