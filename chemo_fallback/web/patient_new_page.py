"""The "Nouveau patient" page (/patients/nouveau): a patient missing from the snapshot.

Possible duplicates (same birth date, similar name) are shown with a link to open each; the
user either goes back to one of them or confirms, with a written reason, that it is another
person. Changing the form after the warning hides it: the reason given must be about the
candidates shown for exactly what is sent.

The form draws one request key when shown (chemo_fallback.request_keys), sent by "Créer le
patient" and by the confirmation alike: a double click, or a click after the first request
has created the patient, opens that patient instead of creating a second record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from nicegui import run, ui

from chemo_fallback import request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.local import create_local_patient, reason_problems, wards
from chemo_fallback.patients.models import (
    LOCAL_MARK,
    NO_SNAPSHOT,
    SEX_LABELS,
    DuplicateCandidate,
    InvalidEntry,
    NewPatient,
    PossibleDuplicates,
)
from chemo_fallback.patients.rules import clean_text, new_patient_problems, parse_day
from chemo_fallback.web import state
from chemo_fallback.web.busy import disabled
from chemo_fallback.web.patient_common import columns, fr_date, patient_url, problems_view, table

CANDIDATE_COLUMNS = columns(
    patient_id="IPP",
    last_name="Nom",
    first_name="Prénom",
    birth_date="Date de naissance",
    ward="Unité",
    origin="Origine",
    reasons="Pourquoi",
    open="Ouvrir",
)
# The IPP of each candidate opens its record in a new tab: the form stays as typed.
OPEN_SLOT = r"""<q-td :props="props">
  <a :href="'/patients/' + encodeURIComponent(props.row.patient_id)" target="_blank"
     class="text-blue-800 underline">ouvrir le dossier</a>
</q-td>"""


def candidate_rows(candidates: list[DuplicateCandidate]) -> list[dict]:
    rows = []
    for c in candidates:
        p = c.patient
        last = p.last_name.upper()
        if p.birth_name and p.birth_name.upper() != last:
            last += f" ({'née' if p.sex == 'F' else 'né'} {p.birth_name.upper()})"
        rows.append(
            {
                "patient_id": p.patient_id,
                "last_name": last,
                "first_name": p.first_name,
                "birth_date": fr_date(p.birth_date),
                "ward": p.ward_name or p.ward_id or "—",
                "origin": LOCAL_MARK if p.source == "local" else "instantané",
                "reasons": " ; ".join(c.reasons),
                "open": "",
            }
        )
    return rows


def new_patient_view(user: User, clock: Callable[[], date]) -> None:
    store = state.current().store
    if store.active_snapshot() is None:
        ui.label(NO_SNAPSHOT).classes("text-lg text-red-700").mark("new-patient-error")
        return
    ward_names = dict(wards(store))
    request_key = request_keys.new_key()
    ui.label(
        "Seulement pour un patient absent de l'instantané : recherchez-le d'abord (nom, nom de "
        "naissance, date de naissance). Saisissez l'identité telle qu'elle figure sur une pièce "
        "d'identité. Un IPP provisoire (SEC…) lui sera attribué."
    ).classes("text-sm text-gray-700")
    with ui.card().classes("w-full"):
        with ui.row().classes("w-full gap-2"):
            last = ui.input("Nom d'usage").props("autofocus").classes("w-64")
            first = ui.input("Prénom").classes("w-64")
            birth_name = ui.input("Nom de naissance (si différent)").classes("w-64")
        with ui.row().classes("w-full items-center gap-4"):
            sex = ui.radio(SEX_LABELS).props("inline")
            born = ui.input("Date de naissance (JJ/MM/AAAA)").classes("w-56")
            ward = ui.select(
                {code: f"{name} ({code})" for code, name in ward_names.items()},
                label="Unité",
                with_input=True,
                clearable=True,
            ).classes("w-80")
        create = ui.button("Créer le patient", icon="person_add")
        errors = ui.column().classes("gap-1")
    duplicates = ui.card().classes("w-full border-l-8 border-orange-600 bg-orange-50")
    duplicates.set_visibility(False)
    for element, marker in [
        (last, "new-last-name"),
        (first, "new-first-name"),
        (birth_name, "new-birth-name"),
        (sex, "new-sex"),
        (born, "new-birth-date"),
        (ward, "new-ward"),
        (create, "new-create"),
        (errors, "new-errors"),
        (duplicates, "new-duplicates"),
    ]:
        element.mark(marker)

    def typed() -> tuple[NewPatient, str | None]:
        day = parse_day(born.value, "Date de naissance")
        patient = NewPatient(
            last_name=last.value or "",
            first_name=first.value or "",
            birth_name=birth_name.value or None,
            sex=sex.value,
            birth_date=None if isinstance(day, str) else day,
            ward_id=ward.value,
        )
        return patient, day if isinstance(day, str) else None

    def hide_warning() -> None:
        duplicates.set_visibility(False)
        duplicates.clear()

    for element in (last, first, birth_name, sex, born, ward):
        element.on_value_change(hide_warning)

    buttons: list[ui.button] = [create]  # disabled while a request runs

    async def submit(reason: str | None = None, shown_in: ui.column | None = None) -> None:
        """Send the form; `reason`, the confirmation that it is not one of the candidates."""
        live = [b for b in buttons if not b.is_deleted]
        async with disabled(*live):
            created = await send(reason, shown_in or errors)
        if created:  # the page is leaving: a late second click must not navigate again
            for button in live:
                button.disable()

    async def send(reason: str | None, shown_in: ui.column) -> bool:
        patient, day_problem = typed()
        if day_problem:  # every problem at once, the date's included
            problems_view(
                shown_in,
                new_patient_problems(patient, clock(), set(ward_names), day_problem),
            )
            return False
        if reason is not None and (problems := reason_problems(clean_text(reason))):
            problems_view(shown_in, problems)
            return False
        try:
            created = await run.io_bound(
                create_local_patient,
                store,
                user,
                patient,
                confirm_not_duplicate_reason=reason,
                today=clock(),
                request_key=request_key,
            )
        except PossibleDuplicates as exc:
            errors.clear()
            show_duplicates(exc)
            return False
        except InvalidEntry as exc:
            problems_view(shown_in, exc.problems)
            return False
        except ChemoFallbackError as exc:
            problems_view(shown_in, [str(exc)])
            return False
        if created is None:  # the server is stopping
            return False
        ui.navigate.to(patient_url(created.patient_id))
        return True

    def show_duplicates(exc: PossibleDuplicates) -> None:
        duplicates.clear()
        del buttons[1:]
        with duplicates:
            ui.label("Doublon possible").classes("text-xl font-bold text-orange-900")
            ui.label(str(exc)).mark("duplicate-message")
            candidates = table(
                CANDIDATE_COLUMNS,
                candidate_rows(exc.candidates),
                "patient_id",
                "duplicate-candidates",
            )
            candidates.add_slot("body-cell-open", OPEN_SLOT)
            reason = (
                ui.textarea(
                    "Pourquoi est-ce un autre patient ? (obligatoire, gardé dans la piste d'audit)"
                )
                .classes("w-full")
                .mark("duplicate-reason")
            )
            confirm = ui.button(
                "Confirmer : c'est un autre patient, le créer",
                icon="warning",
                on_click=lambda: submit(reason.value or "", confirm_errors),
            )
            confirm.props("color=orange-9").mark("duplicate-confirm")
            buttons.append(confirm)
            confirm_errors = ui.column().classes("gap-1").mark("duplicate-errors")
        duplicates.set_visibility(True)

    create.on_click(lambda: submit(None))
