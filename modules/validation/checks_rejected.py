"""Lab results the snapshot's activation rejected (an empty or unreadable unit, an unreadable
value or date…): they never reach the comparisons, so without this check the lab checks would
silently compare an older result instead (a PNN of 1 200 with no unit on 22/11 hidden behind
3,29 G/L on 18/11). Code listed in rules.py and docs/clinical-rules.md.

A rejected result of a test a check of this prescription needs blocks when it was sampled
after the result that check uses (or when there is no such result, or its date is missing or
unreadable): the pharmacist checks the paper report and enters the result by hand, which then
becomes the result used (sampled at the same time or later: the rejected one no longer blocks).
An older rejected result does not block: a newer valid one replaced it anyway.
"""

from __future__ import annotations

from datetime import datetime, time

from chemo_fallback.modules.validation.checks_common import chemo_lines, fr
from chemo_fallback.modules.validation.checks_labs import (
    anc_threshold,
    clearance_threshold,
    latest_labs,
    platelets_threshold,
    shown,
)
from chemo_fallback.modules.validation.models import (
    Finding,
    LabValue,
    RejectedLab,
    Severity,
    ValidationContext,
)

TEST_NAMES = {"PNN": "PNN", "PLQ": "plaquettes", "CREAT": "créatininémie", "CLCR": "clairance"}


def _clearance_needed(ctx: ValidationContext) -> bool:
    """A platinum drug's clearance threshold, or a dose computed from a GFR (AUC)."""
    if clearance_threshold(ctx) is not None:
        return True
    return any(
        line.derivation is not None and line.derivation.gfr_computed_ml_min is not None
        for line in chemo_lines(ctx.prescription)
    )


def needed_tests(ctx: ValidationContext) -> list[str]:
    tests = []
    if anc_threshold(ctx) is not None:
        tests.append("PNN")
    if platelets_threshold(ctx) is not None:
        tests.append("PLQ")
    if _clearance_needed(ctx):
        tests += ["CREAT", "CLCR"]
    return tests


def _used(ctx: ValidationContext, test: str, latest: dict[str, LabValue]) -> tuple[datetime, str]:
    """When the result a check uses for this test was sampled, and how to name it; the
    earliest instant when there is none (every rejected result of the test is then newer)."""
    found: list[tuple[datetime, str]] = []
    lab = latest.get(test)
    if lab is not None:
        found.append((lab.sampled_at, f"{shown(lab)} du {lab.sampled_at:%d/%m/%Y %H:%M}"))
    creat = ctx.prescription.dosing.creatinine
    if test == "CREAT" and creat is not None:
        # A date without a time: from midnight, so a same-day rejected result still blocks
        # until it is entered with its sampling time.
        found.append(
            (
                datetime.combine(creat.measured_on, time.min),
                f"{fr(creat.value, 1)} µmol/L du {creat.measured_on:%d/%m/%Y}, utilisée pour "
                "les doses",
            )
        )
    if test == "CLCR" and not found:
        # Without a measured clearance the checks use the creatinine's: a measured one at
        # least as recent would have been compared too.
        found.append(_used(ctx, "CREAT", latest))
    return max(found, default=(datetime.min, ""), key=lambda used: used[0])


def _newer(rejected: RejectedLab, used_at: datetime) -> bool:
    return rejected.sampled_at is None or rejected.sampled_at > used_at


def _described(rejected: RejectedLab) -> str:
    if rejected.value is not None:
        value = fr(rejected.value)
    elif rejected.value_text:
        value = f"« {rejected.value_text} »"
    else:
        value = "sans valeur"
    unit = f"« {rejected.unit} »" if rejected.unit else "sans unité"
    if rejected.sampled_at is not None:
        sampled = f"prélevé le {rejected.sampled_at:%d/%m/%Y à %H:%M}"
    elif rejected.sampled_at_text:
        sampled = f"date de prélèvement illisible « {rejected.sampled_at_text} »"
    else:
        sampled = "sans date de prélèvement"
    name = TEST_NAMES.get(rejected.test_code or "", rejected.test_code or "?")
    where = f", résultat {rejected.reference}" if rejected.reference else ""
    return f"{name} {value} {unit}, {sampled}{where} (rejeté : {rejected.reason})"


def check_labs_rejected_at_activation(ctx: ValidationContext) -> list[Finding]:
    if not ctx.rejected_labs:
        return []
    latest = latest_labs(ctx)
    listed: list[str] = []
    for test in needed_tests(ctx):
        used_at, used_text = _used(ctx, test, latest)
        for rejected in ctx.rejected_labs:
            if rejected.test_code == test and _newer(rejected, used_at):
                compared = f"résultat utilisé : {used_text}" if used_text else "aucun autre"
                listed.append(f"{_described(rejected)} — {compared}")
    if not listed:
        return []
    return [
        Finding(
            code="labs_rejected_at_activation",
            severity=Severity.BLOCKING,
            message=(
                "Résultat de biologie rejeté à l'activation de l'instantané, plus récent que "
                f"celui que les contrôles utilisent : {' ; '.join(listed)}. Les contrôles ne "
                "peuvent pas s'y fier. Vérifiez le compte rendu papier du laboratoire et "
                "saisissez le résultat à la main, avec son unité et sa date et heure de "
                "prélèvement (dossier patient, biologie) : il sera alors utilisé."
            ),
            values={"rejeté à l'activation": " ; ".join(listed)},
            threshold_source="—",
        )
    ]
