"""Patient pages: the search box (/patients) and the read-only patient record
(/patients/{patient_id}). Thin: chemo_fallback.patients does the work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from nicegui import run, ui

from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.patients.models import (
    PatientHit,
    PatientIdentity,
    PatientRecord,
    PrescriptionView,
    SearchOutcome,
)
from chemo_fallback.patients.record import load_patient_record
from chemo_fallback.patients.search import patient_index, search_patients
from chemo_fallback.web import state
from chemo_fallback.web.access import protected_page

# The day "current cycles" and ages refer to; tests replace it to pin the calendar.
today: Callable[[], date] = date.today


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


RESULT_COLUMNS = columns(
    patient_id="IPP", last_name="Nom", first_name="Prénom", birth_date="Date de naissance",
    sex="Sexe", ward="Unité"
)
MEASURE_COLUMNS = columns(
    ("height", "weight", "bsa"), date="Date", height="Taille (cm)", weight="Poids (kg)",
    bsa="Surface corporelle (m²)", source="Source"
)
LINE_COLUMNS = columns(
    ("dose",), date="Date prévue", day="Jour", drug="Médicament (DCI)", dose="Dose",
    route="Voie", status="Statut", preparations="Préparation"
)
LAB_COLUMNS = columns(("value",), test="Examen", value="Valeur", unit="Unité", date="Prélèvement")
MESSAGE_CLASSES = {"invalid": "text-red-700", "none": "text-orange-700",
                   "more": "text-orange-700", "found": "text-green-800"}


def fr_number(value: float | None, digits: int = 1, *, fixed: bool = False) -> str:
    """A number the French way (decimal comma); trailing zeros dropped unless `fixed`."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    if digits and not fixed:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def fr_date(value: date | datetime | None, with_time: bool = False) -> str:
    if value is None:
        return "date inconnue"
    return f"{value:%d/%m/%Y %H:%M}" if with_time else f"{value:%d/%m/%Y}"


def patient_url(patient_id: str) -> str:
    return f"/patients/{quote(patient_id, safe='')}"


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
    }


def search_view(user: User, initial: str) -> None:
    store = state.current().store
    ui.label(
        "Un seul champ : IPP (ou son début), nom d'usage, nom de naissance, prénom (sans se "
        "soucier des accents ni des majuscules), date de naissance JJ/MM/AAAA, ou plusieurs à la "
        "fois (« dupont 14/03/1958 »). Vérifiez toujours deux identifiants : IPP, et nom avec "
        "date de naissance."
    ).classes("text-sm text-gray-700")
    with ui.row().classes("w-full items-center gap-2"):
        box = (
            ui.input("IPP, nom, prénom ou date de naissance", value=initial)
            .props("autofocus clearable outlined")
            .classes("w-96")
            .mark("patient-search")
        )
        button = ui.button("Rechercher", icon="search").mark("patient-search-button")
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


def identity_banner(identity: PatientIdentity) -> None:
    with ui.card().classes("w-full bg-blue-50 border-l-8 border-blue-800").mark("patient-identity"):
        with ui.row().classes("items-baseline gap-3"):
            ui.label(f"{identity.last_name.upper()} {identity.first_name}").classes(
                "text-3xl font-bold"
            ).mark("identity-name")
            if identity.birth_name and identity.birth_name.upper() != identity.last_name.upper():
                ui.label(f"{identity.born_word} {identity.birth_name.upper()}").classes(
                    "text-xl"
                ).mark("identity-birth-name")
        with ui.row().classes("gap-6 text-lg"):
            ui.label(identity.sex_label).mark("identity-sex")
            ui.label(
                f"{identity.born_word.capitalize()} le {fr_date(identity.birth_date)} "
                f"({identity.age_years} ans)"
            ).mark("identity-birth-date")
            ui.label(f"IPP : {identity.patient_id}").classes("font-mono font-bold").mark(
                "identity-ipp"
            )
            ward = identity.ward_name or identity.ward_id
            ui.label(f"Unité : {ward}" if ward else "Unité : non renseignée").mark("identity-ward")


def measurements_section(record: PatientRecord) -> None:
    ui.label("Taille et poids").classes("text-xl font-bold")
    if not record.measurements:
        ui.label("Aucune taille ni aucun poids dans l'instantané.").classes("text-orange-700")
        return
    rows = []
    for i, m in enumerate(record.measurements):
        source = "Dossier patient"
        if m.source == "prescription":
            source = f"Prescription {m.prescription_id} ({m.protocol_name}, cycle {m.cycle_no})"
        bsa = fr_number(m.bsa_m2, 2, fixed=True)
        rows.append({
            "key": i, "date": fr_date(m.measured_on), "height": fr_number(m.height_cm),
            "weight": fr_number(m.weight_kg), "source": source,
            "bsa": f"{bsa} (calculée, Mosteller)" if m.bsa_computed else bsa,
        })
    table(MEASURE_COLUMNS, rows, "key", "patient-measurements")


def prescription_title(rx: PrescriptionView) -> str:
    return (
        f"{rx.protocol_name or rx.protocol_id} — cycle {rx.cycle_no} — début le "
        f"{fr_date(rx.cycle_start_date)} — {rx.status_label}"
    )


def prescription_view(rx: PrescriptionView, *, opened: bool) -> None:
    with (
        ui.expansion(prescription_title(rx), value=opened)
        .classes("w-full border")
        .mark(f"prescription-{rx.prescription_id}")
    ):
        details = [f"Prescription {rx.prescription_id}"]
        if rx.prescriber_name:
            details.append(f"prescrite par {rx.prescriber_name}")
        if rx.prescribed_at:
            details.append(f"le {fr_date(rx.prescribed_at, with_time=True)}")
        ui.label(" ".join(details)).classes("text-sm text-gray-700")
        if not rx.lines:
            ui.label("Aucune ligne de prescription dans l'instantané.").classes("text-sm")
            return
        rows = [
            {
                "line_id": line.line_id,
                "date": fr_date(line.planned_date),
                "day": f"J{line.day_no}",
                "drug": line.drug_inn or line.drug_id,
                "dose": f"{fr_number(line.dose, 2)} {line.dose_unit}",
                "route": line.route or "—",
                "status": line.status_label,
                "preparations": ", ".join(
                    f"n° {p.register_no} ({p.status_label})" for p in line.preparations
                )
                or "—",
            }
            for line in rx.lines
        ]
        table(LINE_COLUMNS, rows, "line_id", f"lines-{rx.prescription_id}")


def protocols_section(record: PatientRecord) -> None:
    ui.label("Protocoles en cours").classes("text-xl font-bold")
    if not record.current:
        ui.label("Aucun cycle en cours ni prévu.").mark("no-current-protocol")
    with ui.column().classes("w-full gap-1").mark("current-protocols"):
        for rx in record.current:
            prescription_view(rx, opened=True)
    ui.label("Historique des traitements").classes("text-xl font-bold")
    if not record.history:
        ui.label("Aucun cycle passé dans l'instantané.").mark("no-history")
    with ui.column().classes("w-full gap-1").mark("treatment-history"):
        for rx in record.history:
            prescription_view(rx, opened=False)


def labs_section(record: PatientRecord) -> None:
    ui.label("Biologie : derniers résultats").classes("text-xl font-bold")
    if not record.latest_labs:
        ui.label("Aucun résultat de biologie dans l'instantané.").classes("text-orange-700")
        return

    def rows(labs):
        return [
            {"key": i, "test": lab.label, "value": fr_number(lab.value, 2), "unit": lab.unit,
             "date": fr_date(lab.sampled_at, with_time=True)}
            for i, lab in enumerate(labs)
        ]

    table(LAB_COLUMNS, rows(record.latest_labs), "key", "latest-labs")
    with ui.expansion(f"Résultats antérieurs ({len(record.lab_history)} derniers)").classes(
        "w-full"
    ):
        table(LAB_COLUMNS, rows(record.lab_history), "key", "lab-history")


def register() -> None:
    @protected_page("/patients", Permission.PATIENT_READ, "Recherche de patients")
    def patient_search_page(user: User, q: str = "") -> None:
        search_view(user, q)

    @protected_page("/patients/{patient_id:path}", Permission.PATIENT_READ, "Dossier patient")
    def patient_page(user: User, patient_id: str) -> None:
        ui.link("← Retour à la recherche", "/patients").mark("back-to-search")
        body = ui.column().classes("w-full gap-4")
        with body:
            ui.spinner(size="lg")

        async def load() -> None:  # off the event loop: lines are read from large tables
            store = state.current().store
            try:
                record = await run.io_bound(
                    load_patient_record, store, user.role, patient_id, today=today()
                )
            except ChemoFallbackError as exc:
                body.clear()
                with body:
                    ui.label(str(exc)).classes("text-lg text-red-700").mark("patient-error")
                return
            if record is None:  # the server is stopping
                return
            body.clear()
            with body:
                record_view(record)

        ui.timer(0, load, once=True)


def record_view(record: PatientRecord) -> None:
    identity_banner(record.identity)
    measurements_section(record)
    protocols_section(record)
    labs_section(record)
