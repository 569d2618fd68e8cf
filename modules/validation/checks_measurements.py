"""The patient's measurements recorded after the doses were computed: a weight, height or
creatinine newer than, or different from, the one the prescription's dosing inputs froze (a
nurse weighs the patient at 52 kg after a prescription dosed on 74,8 kg). The checks compare
the dose's own values (checks_common), so without this one the new value would be invisible to
validation. Code listed in rules.py and docs/clinical-rules.md.

The latest values are chemo_fallback.patients.measurements.latest_measurements's (the same
function the doses are computed from), read by the service for each patient. A difference in
value or in date blocks: the doses must be recomputed by the prescriber (a new version). The
pharmacist may lift it with a reason only when the new value is itself wrong (then to be
corrected in the patient record).

Pure: pydantic and the standard library only.
"""

from __future__ import annotations

from chemo_fallback.modules.prescription.models import MeasureUsed
from chemo_fallback.modules.validation.checks_common import day_fr, fr
from chemo_fallback.modules.validation.models import Finding, Severity, ValidationContext
from chemo_fallback.patients.models import MeasuredValue

CODE = "measurements_newer"
# kind, French name, unit, decimals printed, feminine ending of its adjectives
KINDS = (
    ("height", "taille", "cm", 1, "e"),
    ("weight", "poids", "kg", 2, ""),
    ("creatinine", "créatininémie", "µmol/L", 1, "e"),
)


def _same(used: MeasureUsed, latest: MeasuredValue) -> bool:
    return (
        round(used.value, 6) == round(latest.value, 6) and used.measured_on == latest.measured_on
    )


def _value(value: float, unit: str, decimals: int) -> str:
    return f"{fr(value, decimals)} {unit}"


def _difference(
    kind: tuple, used: MeasureUsed | None, latest: MeasuredValue | None
) -> str | None:
    """French, what differs between the dose's value and the patient's latest; None: same."""
    _kind, name, unit, decimals, e = kind
    if used is None and latest is None:
        return None
    if used is None:
        return (
            f"{name} {_value(latest.value, unit, decimals)} du {day_fr(latest.measured_on)} "
            f"({latest.label_fr}), alors qu'aucun{e} n'a servi au calcul des doses"
        )
    if latest is None:
        return (
            f"{name} {_value(used.value, unit, decimals)} du {day_fr(used.measured_on)} "
            f"utilisé{e} pour les doses, introuvable aujourd'hui dans le dossier du patient"
        )
    if _same(used, latest):
        return None
    newer = f"plus récent{e}" if latest.measured_on > used.measured_on else f"corrigé{e}"
    return (
        f"{name} {_value(latest.value, unit, decimals)} du {day_fr(latest.measured_on)} "
        f"({latest.label_fr}, {newer}) au lieu de {_value(used.value, unit, decimals)} du "
        f"{day_fr(used.measured_on)} utilisé{e} pour les doses"
    )


def check_measurements_newer(ctx: ValidationContext) -> list[Finding]:
    latest = ctx.latest_measurements
    if latest is None:
        return []  # not read (a context built by hand); the service always reads it
    dosing = ctx.prescription.dosing
    differences: list[str] = []
    values: dict[str, float | str | None] = {}
    for kind in KINDS:
        name, unit = kind[1], kind[2]
        used, now = getattr(dosing, kind[0]), getattr(latest, kind[0])
        text = _difference(kind, used, now)
        if text is None:
            continue
        differences.append(text)
        values[f"{name} des doses ({unit})"] = used.value if used else None
        values[f"{name} des doses, date"] = day_fr(used.measured_on) if used else None
        values[f"{name} du dossier ({unit})"] = now.value if now else None
        values[f"{name} du dossier, date"] = day_fr(now.measured_on) if now else None
    if not differences:
        return []
    return [
        Finding(
            code=CODE,
            severity=Severity.BLOCKING,
            message=(
                f"Mesures du patient différentes de celles des doses (calculées le "
                f"{day_fr(dosing.computed_on)}) : {' ; '.join(differences)}. Les doses ne "
                "correspondent plus aux valeurs du patient : demandez une modification au "
                "prescripteur (nouvelle version, doses recalculées). Ne levez ce point que si "
                "la nouvelle valeur est une erreur de saisie, à faire corriger dans le dossier."
            ),
            values=values,
            threshold_source="dossier patient",
        )
    ]
