"""What the fabrication pages share: the clock (tests pin it), addresses, the French wording
of a line's administration, and the small widgets every page uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.modules.prescription.wording import duration_text

# The day and the moment the pages refer to; tests replace them to pin the calendar.
today: Callable[[], date] = date.today
now: Callable[[], datetime] = datetime.now

STATUS_STYLES = {
    "to_prepare": "bg-slate-200 text-slate-900",
    "sheet_printed": "bg-blue-200 text-blue-950",
    "in_progress": "bg-amber-200 text-amber-950",
    "prepared": "bg-teal-200 text-teal-950",
    "controlled": "bg-green-700 text-white",
    "cancelled": "bg-red-200 text-red-950 line-through",
}
ERROR = "text-red-700 font-bold whitespace-pre-line"
# The value of the field itself, sent with the Enter key: what a scanner typed, whole, even if
# the last keystrokes' updates have not reached the server yet.
ENTER_VALUE = "(e) => emit(e.target.value)"


def preparation_url(preparation_id: str) -> str:
    return f"/fabrication/preparation/{quote(preparation_id, safe='')}"


def queue_url(day: date | None = None) -> str:
    return "/fabrication" + (f"?jour={quote(french.day(day), safe='')}" if day else "")


def administration(route: str | None, duration_min: float | None) -> str:
    """"IV · 2 h": the route and the infusion time, as the nurse reads them."""
    parts = [route or "voie ?"]
    if duration_min:
        parts.append(duration_text(duration_min))
    return " · ".join(parts)


def status_badge(status: str, label: str, marker: str) -> ui.label:
    return ui.label(label).classes(
        f"px-2 py-0.5 rounded font-bold whitespace-nowrap {STATUS_STYLES.get(status, '')}"
    ).mark(marker)


def error_label(marker: str) -> ui.label:
    return ui.label().classes(ERROR).mark(marker)


def entered_text(event, field: ui.input) -> str:
    """What was in the field when Enter was pressed (the browser sends it with the key; an
    in-process test triggers the key without it)."""
    return event.args if isinstance(event.args, str) else (field.value or "")
