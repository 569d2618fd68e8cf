"""How the prescription is worded in French, once, for the screens and the printed summary."""

from __future__ import annotations

from chemo_fallback.documents import date_fr
from chemo_fallback.french import format_dose_fr
from chemo_fallback.modules.prescription.models import (
    DILUENT_LABELS,
    DosingInputs,
    Line,
    MeasureUsed,
)


def age_text(d: DosingInputs) -> str:
    """The age the doses used, and the day it was taken on (the cycle's first day)."""
    if d.age_on is None:
        return f"âge {d.age_years} ans"
    return f"âge {d.age_years} ans au {date_fr(d.age_on)} (premier jour du cycle)"


def dose_text(line: Line) -> str:
    if not line.has_dose:
        return "—"
    return f"{format_dose_fr(line.final_dose)} {line.dose_unit}"


def duration_text(minutes: float) -> str:
    """45 min, 1 h 30, 46 h: how a nurse reads an infusion time."""
    total = round(minutes)
    if total < 60:
        return f"{total} min"
    hours, rest = divmod(total, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def administration_text(line: Line) -> str:
    parts = [line.route or "voie ?"]
    if line.duration_min:
        parts.append(duration_text(line.duration_min))
    if line.diluent or line.volume_ml:
        parts.append(
            f"{DILUENT_LABELS.get(line.diluent or '', line.diluent or '')} "
            f"{format_dose_fr(line.volume_ml) + ' mL' if line.volume_ml else ''}".strip()
        )
    if line.container:
        parts.append(line.container)
    return " · ".join(parts)


def measure_text(label: str, measure: MeasureUsed | None, unit: str) -> str:
    if measure is None:
        return f"{label} : non renseigné(e)"
    return (
        f"{label} : {format_dose_fr(measure.value)} {unit} (le {date_fr(measure.measured_on)}, "
        f"{measure.source})"
    )
