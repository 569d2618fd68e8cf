"""Diluent, container and final volume of a preparation, checked against the drug's data, and the
final concentration checked against its stability range. Pure: findings, never exceptions.

How the final volume is reached depends on the container (the line's `volume_ml`, "volume
final" of the protocol line):
- `poche`: the drug is injected into a bag holding `volume_ml` of the diluent: final volume =
  bag volume + withdrawn volume (what the nurse's pump actually delivers);
- `diffuseur` (elastomeric pump): its fill volume is fixed by its flow rate and duration: the
  pump is made up to `volume_ml` with the diluent (diluent = `volume_ml` − withdrawn volume);
- `seringue`: without diluent nor volume, the drug is drawn pure (final volume = withdrawn
  volume); with both, made up to `volume_ml`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chemo_fallback import french
from chemo_fallback.modules.fabrication.models import (
    DrugPreparationData,
    Finding,
    LineToPrepare,
)
from chemo_fallback.modules.prescription.models import DILUENT_LABELS

KNOWN_CONTAINERS = ("poche", "seringue", "diffuseur")


@dataclass(frozen=True)
class Dilution:
    diluent: str | None
    diluent_volume_ml: float | None
    mode: str | None  # added, made_up, pure
    final_volume_ml: float | None
    findings: tuple[Finding, ...]


def conc_fr(value: float) -> str:
    """A concentration with enough decimals never to read as its limit."""
    return french.number(value, 2 if value >= 10 else 3 if value >= 0.1 else 4)


def ml(value: float) -> str:
    return french.quantity(value, "mL", 1)


def diluent_label(code: str | None) -> str:
    return DILUENT_LABELS.get(code or "", code or "—")


def _diluent_findings(line: LineToPrepare, drug: DrugPreparationData) -> list[Finding]:
    if line.diluent is None:
        return []
    if line.diluent not in DILUENT_LABELS:
        return [Finding(
            code="diluent_unknown",
            message=(
                f"{drug.inn} : solvant « {line.diluent} » inconnu (codes connus : "
                f"{', '.join(DILUENT_LABELS)}). Faites corriger le solvant de la ligne."
            ),
        )]
    if not drug.diluents:
        return [Finding(
            code="drug_diluents_unknown",
            message=(
                f"{drug.inn} : l'instantané ne donne pas les solvants autorisés (colonne "
                "drugs.diluents) : le solvant de la ligne ne peut pas être vérifié. Faites "
                "compléter l'instantané ou vérifiez le solvant sur la monographie du produit."
            ),
        )]
    if line.diluent not in drug.diluents:
        allowed = ", ".join(diluent_label(d) for d in drug.diluents)
        return [Finding(
            code="diluent_not_allowed",
            message=(
                f"{drug.inn} : solvant {diluent_label(line.diluent)} non autorisé (autorisé : "
                f"{allowed}). Faites corriger la ligne (nouvelle version de la prescription)."
            ),
            values=(("solvant", line.diluent), ("autorisés", "|".join(drug.diluents))),
        )]
    return []


def _container_findings(line: LineToPrepare, drug: DrugPreparationData) -> list[Finding]:
    if line.container is None:
        return [Finding(
            code="container_missing",
            message=(
                f"{drug.inn} : la ligne ne donne pas de contenant (poche, seringue ou "
                "diffuseur). Faites compléter la ligne avant de préparer."
            ),
        )]
    if line.container not in KNOWN_CONTAINERS:
        return [Finding(
            code="container_unknown",
            message=(
                f"{drug.inn} : contenant « {line.container} » non préparable (poche, seringue "
                "ou diffuseur attendu). Faites corriger la ligne."
            ),
        )]
    if drug.containers and line.container not in drug.containers:
        return [Finding(
            code="container_not_allowed",
            message=(
                f"{drug.inn} : contenant « {line.container} » non autorisé pour ce médicament "
                f"(autorisé : {', '.join(drug.containers)}). Faites corriger la ligne."
            ),
        )]
    return []


def _missing_dilution(drug: DrugPreparationData, container: str) -> Finding:
    return Finding(
        code="dilution_missing",
        message=(
            f"{drug.inn} en {container} : la ligne doit donner le solvant et le volume final "
            "(tous deux, ou aucun des deux pour une seringue non diluée). Faites compléter la "
            "ligne avant de préparer."
        ),
    )


def _exceeded(drug: DrugPreparationData, container: str, withdrawn: float,
              volume: float) -> Finding:
    return Finding(
        code="volume_exceeded",
        message=(
            f"{drug.inn} : le volume de médicament à prélever ({ml(withdrawn)}) dépasse le "
            f"volume final du {container} ({ml(volume)}). Faites adapter le volume ou le "
            "contenant de la ligne."
        ),
        values=(("volume prélevé (mL)", withdrawn), ("volume final (mL)", volume)),
    )


def dilute(line: LineToPrepare, drug: DrugPreparationData, withdrawn_ml: float) -> Dilution:
    """The diluent, its volume and the final volume for `withdrawn_ml` of drug solution."""
    findings = _diluent_findings(line, drug) + _container_findings(line, drug)
    container, diluent = line.container, line.diluent
    volume = line.volume_ml if line.volume_ml and line.volume_ml > 0 else None
    if container not in KNOWN_CONTAINERS:
        return Dilution(diluent, None, None, None, tuple(findings))
    if container == "seringue" and diluent is None and volume is None:
        return Dilution(None, None, "pure", withdrawn_ml, tuple(findings))
    if diluent is None or volume is None:
        findings.append(_missing_dilution(drug, container))
        return Dilution(diluent, None, None, None, tuple(findings))
    if container == "poche":
        return Dilution(diluent, volume, "added", volume + withdrawn_ml, tuple(findings))
    if withdrawn_ml > volume * (1 + 1e-9):
        findings.append(_exceeded(drug, container, withdrawn_ml, volume))
        return Dilution(diluent, None, "made_up", None, tuple(findings))
    return Dilution(diluent, max(0.0, volume - withdrawn_ml), "made_up", volume, tuple(findings))


def concentration_findings(
    drug: DrugPreparationData, dose: float, unit: str, dilution: Dilution, withdrawn_ml: float
) -> tuple[float | None, bool | None, list[Finding]]:
    """(final concentration, within the range?, findings)."""
    final = dilution.final_volume_ml
    if final is None or final <= 0:
        return None, None, []
    conc = dose / final
    low, high = drug.final_conc_min, drug.final_conc_max
    if low is None and high is None:
        return conc, None, [Finding(
            code="final_concentration_range_missing",
            message=(
                f"{drug.inn} : l'instantané ne donne pas la plage de concentration finale de "
                "stabilité (drugs.final_conc_min / final_conc_max) : la concentration "
                f"({conc_fr(conc)} {unit}/mL) ne peut pas être vérifiée. Faites compléter "
                "l'instantané."
            ),
        )]
    eps = 1e-9 * conc
    if (low is None or conc >= low - eps) and (high is None or conc <= high + eps):
        return conc, True, []
    return conc, False, [_out_of_range(drug, dose, unit, dilution, withdrawn_ml, conc)]


def _out_of_range(drug: DrugPreparationData, dose: float, unit: str, dilution: Dilution,
                  withdrawn_ml: float, conc: float) -> Finding:
    low, high = drug.final_conc_min, drug.final_conc_max
    per_ml = f"{unit}/mL"
    if low is not None and high is not None:
        allowed = f"{conc_fr(low)} à {conc_fr(high)} {per_ml}"
    elif low is not None:
        allowed = f"au moins {conc_fr(low)} {per_ml}"
    else:
        allowed = f"au plus {conc_fr(high or 0.0)} {per_ml}"
    # The final volumes that would fit, and what the line's volume would then be.
    v_min = dose / high if high else 0.0
    v_max = dose / low if low else None
    if dilution.mode == "pure":
        advice = "Le produit pur est hors plage : faites prescrire une dilution (poche)."
    else:
        offset = withdrawn_ml if dilution.mode == "added" else 0.0
        what = "poche de solvant" if dilution.mode == "added" else "volume final"
        lo = max(0.0, v_min - offset)
        span = (f"au moins {ml(lo)}" if v_max is None
                else f"entre {ml(lo)} et {ml(max(0.0, v_max - offset))}")
        advice = f"Volume de {what} possible : {span}. Faites adapter le volume de la ligne."
    return Finding(
        code="final_concentration_out_of_range",
        message=(
            f"{drug.inn} : concentration finale {conc_fr(conc)} {per_ml} "
            f"({french.dose(dose, unit)} dans {ml(dilution.final_volume_ml or 0.0)}), hors de "
            f"la plage de stabilité ({allowed}). {advice}"
        ),
        values=(
            ("concentration", conc),
            ("concentration min", low),
            ("concentration max", high),
            ("dose", dose),
            ("volume final (mL)", dilution.final_volume_ml),
        ),
    )
