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
missing_data        blocking            —                  no height, weight or prescriber name
weight_too_old      blocking            site               weight older than weight_max_age_days
weight_change       warning             site               vs the latest earlier cycle's weight
bsa_change          warning             site               vs the latest earlier cycle's BSA
interval_short      blocking            protocole          too soon after the same protocol's
                                                           previous cycle
duplicate           blocking            —                  same drug, same day, other
                                                           prescription (or the same protocol
                                                           line twice in this one)
off_protocol        warning             —                  a line outside the protocol
labs_anc_low        blocking            protocole | site   PNN under the threshold
labs_platelets_low  blocking            protocole | site   PLQ under the threshold
labs_clearance_low  blocking            protocole | site   platinum drug, clearance too low
labs_missing        blocking            protocole | site   a result a threshold needs is absent
labs_too_old        warning             site               a result used is older than
                                                           lab_max_age_days before the first day
check_failed        blocking            —                  a check itself failed: do it by hand

Choices worth knowing:
- Dose deviation is measured against the theoretical dose capped by the protocol's maximum
  (vincristine capped at 2 mg is no deviation), and a gap within half the site's rounding step
  is rounding, never reported. With a reason, a deviation is information only if the stated
  modification (%) explains it; otherwise it blocks.
- Weight and BSA changes stay warnings whatever their size: a real change (weight loss) is common
  and the doses already follow the current values; the pharmacist confirms it is no entry error.
  A stale or missing weight is what blocks.
- Earlier cycle = started strictly before this one, not this prescription nor the version it
  corrects. A cycle of the same protocol starting the same day or later is not an interval
  problem: the duplicate check sees the same drug on the same day.
- Other prescriptions' doses exclude this prescription, the version it corrects and any
  superseded version (its correction is in the list too): counted twice otherwise.
- Labs: the latest result of each test dated today or earlier. A result too old is still
  compared (a low value is never hidden) and also reported by labs_too_old. The clearance is a
  measured CLCR unless a creatinine is more recent, then Cockcroft-Gault. Lab checks apply when
  the prescription has a chemotherapy line with a dose.
"""

from __future__ import annotations

from collections.abc import Callable

from chemo_fallback.modules.validation.checks_dose import (
    check_concentration,
    check_cumulative_dose,
    check_dose_deviation,
    check_max_dose,
)
from chemo_fallback.modules.validation.checks_labs import (
    check_labs_anc_low,
    check_labs_clearance_low,
    check_labs_missing,
    check_labs_platelets_low,
    check_labs_too_old,
)
from chemo_fallback.modules.validation.checks_patient import (
    check_bsa_change,
    check_duplicate,
    check_interval_short,
    check_missing_data,
    check_off_protocol,
    check_weight_change,
    check_weight_too_old,
)
from chemo_fallback.modules.validation.models import Finding, Severity, ValidationContext

Check = Callable[[ValidationContext], list[Finding]]

CHECKS: tuple[Check, ...] = (
    check_missing_data,
    check_weight_too_old,
    check_dose_deviation,
    check_max_dose,
    check_concentration,
    check_cumulative_dose,
    check_weight_change,
    check_bsa_change,
    check_interval_short,
    check_labs_missing,
    check_labs_anc_low,
    check_labs_platelets_low,
    check_labs_clearance_low,
    check_labs_too_old,
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
