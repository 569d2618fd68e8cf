"""The dates of a prescription's days: within a window around today and in order. Pure: no
database, no UI.

The same window holds for a new cycle's start, a day moved and every day at signature: a day
far in the past takes the patient off the day lists and out of every lab and interval check
(the validation measures them against the day of administration)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from chemo_fallback.modules.prescription.models import Prescription

LATEST_PAST_START_DAYS = 30  # a cycle may be entered late, not a quarter late
FURTHEST_START_DAYS = 365
# Stable codes (docs/clinical-rules.md)
DATE_OUT_OF_WINDOW = "date_out_of_window"
DAYS_OUT_OF_ORDER = "days_out_of_order"


def date_window_problem(what: str, day: date, today: date) -> str | None:
    """Why `day` is no plausible date of administration (None: it is). The same window holds
    for a new cycle's start, a day moved and every day at signature: a date far in the past
    would take the patient off the day lists and out of every lab and interval check."""
    offset = (day - today).days
    if -LATEST_PAST_START_DAYS <= offset <= FURTHEST_START_DAYS:
        return None
    return (
        f"{what} {day:%d/%m/%Y} invraisemblable : elle doit être comprise entre "
        f"{LATEST_PAST_START_DAYS} jours avant et {FURTHEST_START_DAYS} jours après aujourd'hui "
        f"({today:%d/%m/%Y}). Vérifiez l'année."
    )


def dates_problems(rx: Prescription, today: date) -> list[str]:
    """Every day of the prescription out of the window, or out of order, in French."""
    problems = [
        problem
        for day_no, planned in rx.days
        if (problem := date_window_problem(f"Date de J{day_no}", planned, today))
    ]
    dates = [planned for _day, planned in rx.days]
    if any(later <= earlier for earlier, later in pairwise(dates)):
        problems.append(
            "Les jours du cycle ne sont pas dans l'ordre des dates : corrigez la date des "
            "jours concernés."
        )
    return problems
