"""What the administration pages share: the clock (tests pin it), addresses, the French
reading of a typed time, and the small widgets every page uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from urllib.parse import urlencode

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.errors import ChemoFallbackError

# The day and the moment the pages refer to; tests replace them to pin the calendar.
today: Callable[[], date] = date.today
now: Callable[[], datetime] = datetime.now

ERROR = "text-red-700 font-bold whitespace-pre-line"
LOUD = "w-full p-3 text-xl font-bold text-white bg-red-700 rounded whitespace-pre-line"
# The value of the field itself, sent with the Enter key (see fabrication.pages.common).
ENTER_VALUE = "(e) => emit(e.target.value)"
OUTCOME_STYLES = {
    "given": "bg-green-700 text-white",
    "partial": "bg-amber-300 text-amber-950",
    "not_given": "bg-red-700 text-white",
    "incident": "bg-orange-600 text-white",
    "pending": "bg-slate-200 text-slate-900",
}
_TIME = re.compile(r"^(\d{1,2})[:hH](\d{2})$")


def home_url(ward_id: str | None = None, day: date | None = None,
             patient_id: str | None = None) -> str:
    query = {k: v for k, v in (("unite", ward_id), ("jour", french.day(day) if day else None),
                               ("patient", patient_id)) if v}
    return "/administration" + (f"?{urlencode(query)}" if query else "")


def parse_time(text: str | None) -> time:
    value = (text or "").strip()
    match = _TIME.match(value)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise ChemoFallbackError(f"Heure « {value} » illisible : écrivez-la HH:MM (par exemple 09:30).")


def parse_moment(text: str | None, day: date) -> datetime | None:
    """"09:32" (on `day`), or "24/11/2026 09:32" (also "… à 09:32"); empty: None."""
    value = (text or "").strip().replace(" à ", " ")
    if not value:
        return None
    parts = value.split()
    if len(parts) == 1:
        return datetime.combine(day, parse_time(parts[0]))
    if len(parts) == 2:
        from chemo_fallback.modules.prescription.pages import parse_date

        return datetime.combine(parse_date(parts[0]), parse_time(parts[1]))
    raise ChemoFallbackError(
        f"Heure « {value} » illisible : écrivez HH:MM, ou JJ/MM/AAAA HH:MM pour un autre jour.")


def moment_text(moment: datetime, day: date) -> str:
    """How a time is written back in a field: "09:32" on the plan's day, else with its date."""
    return f"{moment:%H:%M}" if moment.date() == day else f"{french.day(moment)} {moment:%H:%M}"


def error_label(marker: str) -> ui.label:
    return ui.label().classes(ERROR).mark(marker)


def badge(text: str, style: str, marker: str) -> ui.label:
    return ui.label(text).classes(
        f"px-2 py-0.5 rounded font-bold whitespace-nowrap {OUTCOME_STYLES.get(style, style)}"
    ).mark(marker)


def entered_text(event, field: ui.input) -> str:
    return event.args if isinstance(event.args, str) else (field.value or "")
