"""Patient pages: the search box (/patients), a new patient (/patients/nouveau) and the
patient record (/patients/{patient_id}). Thin: chemo_fallback.patients does the work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, allowed
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.models import LOCAL_MARK, PatientHit, SearchOutcome
from chemo_fallback.patients.search import patient_index, search_patients
from chemo_fallback.web import patient_new_page, patient_record_page, state
from chemo_fallback.web.access import protected_page
from chemo_fallback.web.patient_common import columns, fr_date, fr_number, patient_url, table
from chemo_fallback.web.patient_record_page import identity_banner

# Also used by the prescription pages.
__all__ = [
    "RESULT_COLUMNS",
    "columns",
    "fr_date",
    "fr_number",
    "hit_row",
    "identity_banner",
    "patient_url",
    "table",
    "today",
]

# The day "current cycles", ages and default dates refer to; tests replace it to pin the
# calendar (the other patient pages receive `clock`, which reads it at each call).
today: Callable[[], date] = date.today


def clock() -> date:
    return today()


RESULT_COLUMNS = columns(
    patient_id="IPP",
    last_name="Nom",
    first_name="Prénom",
    birth_date="Date de naissance",
    sex="Sexe",
    ward="Unité",
    origin="Origine",
)
MESSAGE_CLASSES = {
    "invalid": "text-red-700",
    "none": "text-orange-700",
    "more": "text-orange-700",
    "found": "text-green-800",
}


def hit_row(hit: PatientHit) -> dict:
    last = hit.last_name.upper()
    if hit.birth_name and hit.birth_name.upper() != last:
        last += f" ({'née' if hit.sex == 'F' else 'né'} {hit.birth_name.upper()})"
    return {
        "patient_id": hit.patient_id,
        "last_name": last,
        "first_name": hit.first_name,
        "birth_date": fr_date(hit.birth_date),
        "sex": hit.sex,
        "ward": hit.ward_name or hit.ward_id or "—",
        "origin": LOCAL_MARK if hit.source == "local" else "",
    }


def search_view(user: User, initial: str) -> None:
    store = state.current().store
    ui.label(
        "Un seul champ : IPP (ou son début, avec ou sans ses lettres : « 10002266 » pour "
        "IPP10002266 ; « SEC » pour les patients créés pendant la panne), nom d'usage, nom de "
        "naissance, prénom (sans se soucier des accents ni des majuscules), date de naissance "
        "JJ/MM/AAAA, ou plusieurs à la fois (« dupont 14/03/1958 »). Vérifiez toujours deux "
        "identifiants : IPP, et nom avec date de naissance."
    ).classes("text-sm text-gray-700")
    with ui.row().classes("w-full items-center gap-2"):
        box = (
            ui.input("IPP, nom, prénom ou date de naissance", value=initial)
            .props("autofocus clearable outlined")
            .classes("w-96")
            .mark("patient-search")
        )
        button = ui.button("Rechercher", icon="search").mark("patient-search-button")
        if allowed(user.role, Permission.PATIENT_CREATE):  # not found: create it from here
            ui.button(
                "Nouveau patient",
                icon="person_add",
                on_click=lambda: ui.navigate.to("/patients/nouveau"),
            ).props("outline").mark("search-new-patient")
    message = ui.label().mark("patient-search-message")
    results = table(RESULT_COLUMNS, [], "patient_id", "patient-results").classes("cursor-pointer")
    results.set_visibility(False)
    results.on("rowClick", lambda e: ui.navigate.to(patient_url(e.args[1]["patient_id"])))

    def show(outcome: SearchOutcome) -> None:
        message.set_text(outcome.message)
        message.classes(replace=MESSAGE_CLASSES[outcome.kind])
        results.rows = [hit_row(h) for h in outcome.hits]
        results.set_visibility(bool(outcome.hits))

    async def search() -> None:
        text = box.value or ""
        try:
            outcome = await run.io_bound(search_patients, store, user.role, text, today=today())
        except ChemoFallbackError as exc:
            message.set_text(str(exc))
            message.classes(replace=MESSAGE_CLASSES["invalid"])
            return
        if outcome is not None:  # None: the server is stopping
            show(outcome)

    box.on("keydown.enter", search)
    button.on_click(search)
    if initial.strip():
        ui.timer(0, search, once=True)
    else:  # build the lookup table while the user types (about 1 s per 200 000 patients)
        ui.timer(0, lambda: run.io_bound(patient_index(store).warm_up), once=True)


def register() -> None:
    @protected_page("/patients", Permission.PATIENT_READ, "Recherche de patients")
    def patient_search_page(user: User, q: str = "") -> None:
        search_view(user, q)

    # Before /patients/{patient_id:path}, which would take "nouveau" for an IPP: routes are
    # tried in the order they are registered.
    @protected_page("/patients/nouveau", Permission.PATIENT_CREATE, "Nouveau patient")
    def new_patient_page(user: User) -> None:
        patient_new_page.new_patient_view(user, clock)

    @protected_page("/patients/{patient_id:path}", Permission.PATIENT_READ, "Dossier patient")
    def patient_page(user: User, patient_id: str) -> None:
        patient_record_page.record_page(user, patient_id, clock)
