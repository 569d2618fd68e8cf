"""Pharmaceutical validation: every check of a prescription at once, as findings.

`all_findings(ctx)` runs every check on a `ValidationContext` and returns all their findings,
blocking first, then warnings, then information (stable within a severity). Pure: pydantic, the
standard library and chemo_fallback.dosing only; it reads nothing but the context.

Codes (stable: an override names `code:line_id`, or the code alone for a prescription-level
finding). Threshold source says where the compared limit comes from.

code                severity            source             what
------------------  ------------------  -----------------  ------------------------------------
dose_deviation      blocking / info     site               final vs theoretical dose beyond
                                                           dose_tolerance_pct; info when a
                                                           written reason explains it
max_dose            blocking            protocole (ligne)  final dose above the line's max_dose
concentration       blocking            produit            dose / volume outside the product's
                                                           final concentration range
cumulative_dose     blocking / warning  produit            lifetime dose above the limit / above
                                                           cumulative_warning_pct of it
cumulative_dose_incomplete blocking     produit            a past dose of a drug with a lifetime
                                                           limit cannot be converted to the
                                                           limit's unit (no ui_per_mg) or, per
                                                           m², has no known BSA
missing_data        blocking            —                  no height, weight or prescriber name
weight_too_old      blocking            site               weight older than weight_max_age_days
                                                           on the day of administration still
                                                           to come (administration_day)
measurements_newer  blocking            dossier patient    the patient's latest height, weight
                                                           or creatinine differs (value or date)
                                                           from the dosing inputs': recompute
weight_change       warning / blocking  site               vs the latest earlier cycle's weight:
                                                           beyond weight_change_pct a warning,
                                                           beyond weight_change_block_pct
                                                           blocking
previous_cycle_change blocking / info   site               relative dose (final / full dose)
                                                           vs the previous dose of the same
                                                           drug's modification (recorded, else
                                                           its dose vs its own full dose), beyond
                                                           dose_tolerance_pct; info only when
                                                           this line's recorded modification
                                                           explains it (without it, within the
                                                           tolerance of the previous dose)
bsa_change          warning             site               vs the latest earlier cycle's BSA
interval_short      blocking            protocole          first day too soon after the same
                                                           protocol's previous cycle's
interval_short_next blocking            protocole          first day too soon before the same
                                                           protocol's next planned cycle's
duplicate           blocking            —                  same drug, same day, other
                                                           prescription (or the same protocol
                                                           line twice in this one, or an
                                                           off-protocol line beside another
                                                           line of its drug that day)
duplicate_total_above_max blocking      médicament         same drug, same day in this
                                                           prescription (not only the protocol's
                                                           own lines): total above
                                                           drugs.max_dose_per_administration
off_protocol        warning             —                  a line outside the protocol
labs_anc_low        blocking            protocole | site   PNN under the threshold
labs_platelets_low  blocking            protocole | site   PLQ under the threshold
labs_clearance_low  blocking            protocole | site   platinum drug, clearance too low
labs_missing        blocking            protocole | site   a result a threshold needs is absent
labs_unit_unknown   blocking            —                  a result a threshold needs is in a
                                                           unit lab_units cannot convert
labs_too_old        warning             site               a result used is older than
                                                           lab_max_age_days before the day of
                                                           administration still to come
dose_creatinine_too_old blocking, never site               AUC line by Cockcroft-Gault: the
                    liftable                               dose's creatinine older than
                                                           creatinine_max_age_days on its day
labs_rejected_at_activation blocking    —                  a lab result of a test a check needs
                                                           was rejected at activation and is
                                                           newer than the one used (or undated)
never_vinca_route   blocking, never     application        vinca alkaloid by a route other than
                    liftable                               IV (drug_rules.NEVER_EVENTS)
never_vinca_container blocking, never   application        vinca alkaloid not in a minibag
                    liftable
never_intrathecal   blocking, never     application        IT for a drug not intrathecal_capable
                    liftable
drug_route          blocking            médicament         route not among drugs.routes
drug_routes_unknown blocking            médicament         compounded line, drugs.routes empty
drug_container      blocking            médicament         container not among drugs.containers
drug_flat_dose_above_max blocking       médicament         flat dose written above
                                                           drugs.max_dose_per_administration
drug_dose_above_max blocking            médicament         final dose above it (when the line's
                                                           max_dose does not already include it)
drug_unknown        blocking            médicament         compounded line of a drug absent from
                                                           the active snapshot
check_failed        blocking            —                  a check itself failed: do it by hand

Choices worth knowing:
- Dose deviation is measured against the theoretical dose capped by the protocol's maximum
  (vincristine capped at 2 mg is no deviation), and a gap within half the site's rounding step
  is rounding, never reported. With a reason, a deviation is information only if the stated
  modification (%) explains it; otherwise it blocks.
- BSA changes stay warnings whatever their size, weight changes up to weight_change_block_pct:
  a real change (weight loss) is common and the doses already follow the current values; the
  pharmacist confirms it is no entry error. Beyond weight_change_block_pct (default 20 %) the
  weight change blocks: more likely a wrong entry or a wrong patient. A stale or missing weight
  blocks too; its age, like a lab result's, is taken on the day of administration still to
  come: the earliest planned date on or after today, else the last planned date
  (checks_common.administration_day).
- Interval between cycles: first day of administration against the neighbouring cycles' first
  days (a moved D1 counts), on both sides (an earlier cycle, a later planned one), not the
  start dates written on the prescriptions.
- Previous cycle: see checks_history.py; it compares relative doses so that a BSA, weight or
  clearance change never fires, only a reduction that appears or disappears.
- Earlier cycle = first day strictly before this one's, not this prescription, its other
  versions nor the production prescription it takes over. A cycle of the same protocol with
  the same first day is not an interval problem: the duplicate check sees the same drug on
  the same day.
- Other prescriptions' doses exclude this prescription, the version it corrects and any
  superseded version (its correction is in the list too): counted twice otherwise.
- Labs: the latest result of each test dated today or earlier; results sampled within the same
  minute are one sample, its worst value compared (lowest count, highest creatinine). A result
  too old is still compared (a low value is never hidden) and also reported by labs_too_old.
  Labs are the snapshot's and the fallback's together, normalised to one unit per test
  (patients/lab_units) before any comparison; a unit that cannot be converted blocks
  (labs_unit_unknown). The clearance is the one the doses used (an AUC line's GFR, else
  Cockcroft-Gault from the dosing creatinine), plus any creatinine or measured CLCR at least as
  recent: the lowest is never hidden (checks_labs.clearance_review).
- Which lines: the drug-specific checks (concentration, cumulative dose, previous cycle,
  clearance of a platinum drug, creatinine age of an AUC dose) look at every line with a drug
  and a dose, whatever its kind (checks_common.chemo_lines): a doxorubicin or a carboplatin
  typed premedication is checked as what it is. The blood-count thresholds (PNN, platelets,
  and labs_missing / labs_too_old / labs_unit_unknown for them) apply when the prescription
  has a dosed line that is typed chemotherapy, or of a drug the thesaurus gives as
  chemotherapy on some protocol line, or of a drug carrying a cumulative limit or a final
  concentration range, or of a drug absent from the snapshot (checks_common.is_cytotoxic):
  only a known drug never given as chemotherapy and without such limits (ondansetron) leaves
  a premedication-only prescription without them.
- Take-over: the production prescription's lines not given yet (planned, validated) are the
  take-over's own; its lines already prepared or administered stay "other" doses, counted by
  the duplicate, cumulative and previous-cycle checks (service._carried).
- Measurements newer than the doses: the latest values are read with the function the doses
  are computed from (patients.measurements.latest_measurements), so validation and dose never
  disagree on what "latest" means.
"""

from __future__ import annotations

from collections.abc import Callable

from chemo_fallback.modules.validation.checks_cumulative import check_cumulative_dose
from chemo_fallback.modules.validation.checks_dose import (
    check_concentration,
    check_dose_creatinine_too_old,
    check_dose_deviation,
    check_max_dose,
)
from chemo_fallback.modules.validation.checks_drug import check_drug_rules
from chemo_fallback.modules.validation.checks_history import check_previous_cycle_change
from chemo_fallback.modules.validation.checks_labs import (
    check_labs_anc_low,
    check_labs_clearance_low,
    check_labs_missing,
    check_labs_platelets_low,
    check_labs_too_old,
    check_labs_unit_unknown,
)
from chemo_fallback.modules.validation.checks_measurements import check_measurements_newer
from chemo_fallback.modules.validation.checks_patient import (
    check_bsa_change,
    check_duplicate,
    check_interval_short,
    check_missing_data,
    check_off_protocol,
    check_weight_change,
    check_weight_too_old,
)
from chemo_fallback.modules.validation.checks_rejected import check_labs_rejected_at_activation
from chemo_fallback.modules.validation.models import Finding, Severity, ValidationContext

Check = Callable[[ValidationContext], list[Finding]]

CHECKS: tuple[Check, ...] = (
    check_missing_data,
    check_measurements_newer,
    check_weight_too_old,
    check_dose_deviation,
    check_max_dose,
    check_drug_rules,
    check_concentration,
    check_cumulative_dose,
    check_weight_change,
    check_bsa_change,
    check_previous_cycle_change,
    check_interval_short,
    check_labs_missing,
    check_labs_unit_unknown,
    check_labs_rejected_at_activation,
    check_labs_anc_low,
    check_labs_platelets_low,
    check_labs_clearance_low,
    check_labs_too_old,
    check_dose_creatinine_too_old,
    check_duplicate,
    check_off_protocol,
)
SEVERITY_ORDER = {Severity.BLOCKING: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _failed(check: Check, exc: Exception) -> Finding:
    """A check that cannot run must not pass silently: it blocks and says to check by hand."""
    name = check.__name__.removeprefix("check_")
    return Finding(
        code="check_failed",
        severity=Severity.BLOCKING,
        message=(
            f"Le contrôle « {name} » n'a pas pu être effectué ({type(exc).__name__} : {exc}). "
            "Faites ce contrôle à la main avant de valider, et signalez l'erreur."
        ),
        values={"contrôle": name},
    )


def all_findings(ctx: ValidationContext) -> list[Finding]:
    """Every finding of every check, blocking first, then warnings, then information."""
    findings: list[Finding] = []
    for check in CHECKS:
        try:
            findings.extend(check(ctx))
        except Exception as exc:  # one broken check must not hide the others' findings
            findings.append(_failed(check, exc))
    return sorted(findings, key=lambda finding: SEVERITY_ORDER[finding.severity])
