"""What the patient pages share: French numbers and dates, tables, links, marks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from nicegui import run, ui

from chemo_fallback import french, request_keys
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.models import LOCAL_MARK, InvalidEntry, NeedsConfirmation
from chemo_fallback.web.busy import disabled

ERROR_CLASSES = "text-red-700"


def columns(right: tuple[str, ...] = (), **labels: str) -> list[dict]:
    """Table columns, left-aligned but for the `right` ones (numbers)."""
    return [
        {"name": f, "label": label, "field": f, "align": "right" if f in right else "left"}
        for f, label in labels.items()
    ]


def table(cols: list[dict], rows: list[dict], key: str, marker: str) -> ui.table:
    return (
        ui.table(columns=cols, rows=rows, row_key=key)
        .props("dense flat")
        .classes("w-full")
        .mark(marker)
    )


def fr_number(value: float | None, digits: int = 1, *, fixed: bool = False) -> str:
    """A number on a patient screen (chemo_fallback.french.number, one decimal by default)."""
    return french.number(value, digits, fixed=fixed)


def fr_date(value: date | datetime | None, with_time: bool = False) -> str:
    """A date, or a date-time (chemo_fallback.french)."""
    return french.moment(value) if with_time else french.day(value)


def patient_url(patient_id: str) -> str:
    return f"/patients/{quote(patient_id, safe='')}"


def new_prescription_url(patient_id: str) -> str:
    return f"/prescriptions/nouvelle?patient={quote(patient_id, safe='')}"


def local_badge(marker: str) -> None:
    """The mark of a patient created during the outage, wherever the patient is shown."""
    ui.label(LOCAL_MARK).classes(
        "px-2 rounded bg-orange-200 text-orange-900 font-bold text-sm"
    ).mark(marker)


def problems_view(container: ui.column, problems: list[str]) -> None:
    """Show every problem, one per line, in red (replacing those shown before)."""
    container.clear()
    with container:
        for problem in problems:
            ui.label(problem).classes(ERROR_CLASSES)


class ConfirmationBox:
    """The question a service asked (NeedsConfirmation: a BMI of 62, a creatinine implying an
    implausible clearance) and the reason field; the entry is recorded only when the user
    confirms with a reason. `prefix` names the marks: "<prefix>-question", "-confirm-reason",
    "-confirm", "-confirm-cancel".

    The box also holds the form's request key (chemo_fallback.request_keys): drawn when the
    form is shown, sent with every attempt (the confirmed one too: a refused or questioned
    attempt records nothing, so it is still the same entry), drawn again once an entry is
    recorded, so that the next entry is a new record."""

    def __init__(self, prefix: str) -> None:
        self.request_key = request_keys.new_key()
        self.card = ui.card().classes("w-full bg-orange-50 border-l-8 border-orange-600")
        self.card.mark(f"{prefix}-confirmation")
        with self.card:
            self.questions = ui.column().classes("gap-1").mark(f"{prefix}-question")
            self.reason = ui.input("Motif de la confirmation (obligatoire)").classes("w-full")
            self.reason.mark(f"{prefix}-confirm-reason")
            with ui.row():
                self.confirm = ui.button("Confirmer et enregistrer", icon="check")
                self.confirm.mark(f"{prefix}-confirm")
                self.cancel = ui.button("Corriger la saisie", icon="edit").props("flat")
                self.cancel.mark(f"{prefix}-confirm-cancel")
        self.cancel.on_click(self.hide)
        self.card.set_visibility(False)

    def ask(self, questions: list[tuple[str, str]]) -> None:
        self.questions.clear()
        with self.questions:
            for _code, text in questions:
                ui.label(text).classes("text-orange-900")
        self.reason.value = ""
        self.card.set_visibility(True)

    def hide(self) -> None:
        self.card.set_visibility(False)
        self.reason.value = ""

    @property
    def shown(self) -> bool:
        return self.card.visible

    def on_confirm(
        self,
        errors: ui.column,
        missing_reason: str,
        submit: Callable[[str], Awaitable[None]],
    ) -> None:
        """Confirming needs a written reason; then the entry is sent again with it."""

        async def confirm() -> None:
            if not (self.reason.value or "").strip():
                problems_view(errors, [missing_reason])
                return
            await submit(self.reason.value)

        self.confirm.on_click(confirm)

    async def record(
        self,
        save: ui.button,
        errors: ui.column,
        use_case: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Runs an entry use case off the event loop with the form's request key, the form's
        buttons disabled meanwhile, and `then` (emptying the form, redrawing the tables) on
        what was recorded before they are enabled again: a double click records once. A
        question is shown in this box, refusals in `errors`; returns what was recorded, or None
        (refused, asked, or server stopping)."""
        async with disabled(save, self.confirm):
            try:
                recorded = await run.io_bound(
                    use_case, *args, request_key=self.request_key, **kwargs
                )
            except NeedsConfirmation as exc:
                errors.clear()
                self.ask(exc.questions)
                return None
            except InvalidEntry as exc:
                self.hide()
                problems_view(errors, exc.problems)
                return None
            except ChemoFallbackError as exc:
                problems_view(errors, [str(exc)])
                return None
            if recorded is not None:
                self.request_key = request_keys.new_key()  # the next entry is a new record
                errors.clear()
                self.hide()
                if then is not None:
                    await then(recorded)
        return recorded
