"""What the dispensing and reception pages share: the clock (tests pin it), addresses, the
loud result of a scan, the unit and day pickers, and how a preparation of a round is shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import urlencode

from nicegui import ui

from chemo_fallback import french
from chemo_fallback.modules.release.dispensing_reads import ItemView

# The day and the moment the pages refer to; tests replace them to pin the calendar.
today: Callable[[], date] = date.today
now: Callable[[], datetime] = datetime.now

ERROR = "text-red-700 font-bold whitespace-pre-line"
# A refused scan must be seen from across the room: big, red, boxed.
REFUSED = ("text-2xl font-bold whitespace-pre-line text-red-900 bg-red-100 border-4 "
           "border-red-700 rounded p-3 w-full")
ACCEPTED = "text-xl font-bold whitespace-pre-line text-green-900 bg-green-100 rounded p-3 w-full"
ROUND_STYLES = {
    "open": "bg-blue-200 text-blue-950",
    "handed_over": "bg-amber-200 text-amber-950",
    "received": "bg-green-700 text-white",
}
CHAIN_STYLES = {
    "released": "bg-teal-200 text-teal-950",
    "dispensed": "bg-amber-200 text-amber-950",
    "received": "bg-green-700 text-white",
    "rejected": "bg-red-700 text-white",
    "cancelled": "bg-red-200 text-red-950 line-through",
}
# The value of the field itself, sent with the Enter key: what a scanner typed, whole.
ENTER_VALUE = "(e) => emit(e.target.value)"
# number | patient | drug and dose | expiry and storage | status and actions
ITEM_COLUMNS = "7.5rem minmax(11rem, 1fr) minmax(11rem, 1fr) minmax(12rem, 1.1fr) auto"
ROUND_LABELS = ("tournée de 8 h", "tournée de 10 h", "tournée de 14 h", "tournée de 16 h",
                "tournée urgente")


def _url(path: str, ward_id: str | None, day: date | None) -> str:
    query = {k: v for k, v in (("unite", ward_id), ("jour", day and french.day(day))) if v}
    return path + (f"?{urlencode(query)}" if query else "")


def dispensing_url(ward_id: str | None = None, day: date | None = None) -> str:
    return _url("/dispensation", ward_id, day)


def reception_url(ward_id: str | None = None, day: date | None = None) -> str:
    return _url("/reception", ward_id, day)


def round_url(round_id: int) -> str:
    return f"/dispensation/tournee/{round_id}"


def reception_round_url(round_id: int) -> str:
    return f"/reception/tournee/{round_id}"


def entered_text(event, field: ui.input) -> str:
    """What was in the field when Enter was pressed (the browser sends it with the key; an
    in-process test triggers the key without it)."""
    return event.args if isinstance(event.args, str) else (field.value or "")


def badge(text: str, style: str, marker: str) -> ui.label:
    return ui.label(text).classes(
        f"px-2 py-0.5 rounded font-bold whitespace-nowrap {style}"
    ).mark(marker)


def error_label(marker: str) -> ui.label:
    return ui.label().classes(ERROR).mark(marker)


def show_result(label: ui.label, text: str, *, refused: bool) -> None:
    label.set_text(text)
    label.classes(replace=REFUSED if refused else ACCEPTED)
    label.set_visibility(bool(text))


def item_card(item: ItemView, marker: str, at: datetime,
              actions: Callable[[], None] | None = None) -> ui.card:
    """A preparation of a round: who it is for, what it is, its number, expiry and storage;
    `actions` draws the caller's buttons at the end of its row."""
    expired = item.expired(at)
    border = "border-red-700" if expired or item.status in ("rejected", "cancelled") else (
        "border-green-700" if item.received_at else "border-slate-400")
    card = ui.card().classes(f"w-full px-3 py-2 gap-1 border-l-8 {border}").mark(marker)
    with card, ui.grid(columns=ITEM_COLUMNS).classes("w-full gap-x-4 gap-y-1 items-center"):
        with ui.column().classes("gap-0"):
            ui.label(f"N° {item.register_no}").classes("text-xl font-bold")
            ui.label(item.preparation_id).classes("font-mono text-sm")
        with ui.column().classes("gap-0"):
            ui.label(item.patient_name).classes("font-bold text-lg leading-tight")
            born = f"né(e) le {french.day(item.birth_date)} — " if item.birth_date else ""
            ui.label(f"{born}IPP {item.patient_id}").classes("text-sm")
        with ui.column().classes("gap-0"):
            ui.label(f"{item.drug.upper()} {item.dose}").classes("font-bold text-lg")
            ui.label(item.presentation).classes("text-sm")
        with ui.column().classes("gap-0 text-sm"):
            ui.label(f"Péremption {french.moment(item.expires_at)}").classes(
                "font-bold text-red-800 bg-red-100 px-1 rounded" if expired else "")
            ui.label(item.storage)
        with ui.row().classes("gap-2 items-center justify-end"):
            badge(item.status_label, CHAIN_STYLES.get(item.status, "bg-slate-200"),
                  f"{marker}-status")
            if expired:
                ui.label("PÉRIMÉE").classes(
                    "text-lg font-bold text-white bg-red-700 px-2 rounded")
            if actions is not None:
                actions()
    return card
