"""Changing a draft's lines and dates: a dose modification, an off-protocol line, the "liste en
sus" indication, a day moved, the doses recomputed from the latest measurements. Only a draft
the user may change (service.draft_or_refuse); every change is audited in its transaction, and
every dose written goes through the drug rules and the engine."""

from __future__ import annotations

from datetime import date

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.prescription import drug_checks, rules
from chemo_fallback.modules.prescription import repository as repo
from chemo_fallback.modules.prescription.dates import (
    DATE_OUT_OF_WINDOW,
    DAYS_OUT_OF_ORDER,
    date_window_problem,
)
from chemo_fallback.modules.prescription.dosing_inputs import patient_identity
from chemo_fallback.modules.prescription.models import (
    Line,
    OffProtocolLine,
    Prescription,
    PrescriptionError,
)
from chemo_fallback.modules.prescription.service import (
    RECORD,
    _dose_lines,
    audit_summary,
    dose_now,
    draft_or_refuse,
    prescribable_protocol,
    prescription_or_refuse,
)
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store import Store

# Request-key action (chemo_fallback.request_keys) of the one create here
LINE_ACTION = "prescription.add_off_protocol_line"


def _line(rx: Prescription, line_id: str) -> Line:
    for line in rx.lines:
        if line.line_id == line_id:
            return line
    raise PrescriptionError(f"Ligne {line_id} absente de la prescription {rx.prescription_id}.")


def recompute(
    store: Store, user: User, prescription_id: str, settings: SiteSettings, today: date
) -> Prescription:
    """A draft's doses recomputed from the latest height, weight and creatinine."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        protocol = prescribable_protocol(cur, rx.protocol_id)
        identity = patient_identity(cur, rx.patient_id, today)
        inputs, lines = dose_now(
            cur, protocol, identity, rx.lines, settings, today, rx.cycle_start_date
        )
        after = rx.model_copy(update={"dosing": inputs, "lines": lines})
        repo.save_dosing(cur, prescription_id, inputs)
        for line in lines:
            repo.replace_line(cur, line)
        audit.record(
            cur,
            user.actor,
            "prescription.recomputed",
            RECORD,
            prescription_id,
            before=audit_summary(rx),
            after=audit_summary(after),
        )
    return after


def modify_dose(
    store: Store,
    user: User,
    prescription_id: str,
    line_id: str,
    modification_pct: float | None,
    reason: str | None,
    settings: SiteSettings,
) -> Line:
    """A reduction or an increase in %, always with its reason (0 or None: back to the
    protocol's dose). The % applies to the dose the patient would otherwise receive (after the
    maximum per dose); one that would leave the final dose unchanged is refused by the engine,
    with the explanation. Saving the dialog with nothing changed records nothing."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    pct = modification_pct or None
    text = rules.required_text(reason, "Le motif de la modification") if pct else None
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        line = _line(rx, line_id)
        if line.protocol_dose <= 0:
            raise PrescriptionError(f"{line.title} : ligne sans dose, rien à modifier.")
        if (pct, text) == (line.modification_pct or None, line.modification_reason or None):
            return line  # the same % and reason saved again: no write, no audit, no error
        changed = line.model_copy(update={"modification_pct": pct, "modification_reason": text})
        # The drug rules first, as on every path: the line's maximum becomes today's drug
        # maximum (a newer snapshot may have lowered it) before the engine caps the modified
        # dose with it.
        checked = drug_checks.limited(
            cur, [changed], refusal="Modification de dose impossible"
        )
        [dosed] = _dose_lines(checked, rx.dosing, settings)
        repo.replace_line(cur, dosed)
        audit.record(
            cur,
            user.actor,
            "prescription.dose_modified",
            RECORD,
            prescription_id,
            before={"line_id": line_id, "modification_pct": line.modification_pct,
                    "dose": line.final_dose},
            after={"line_id": line_id, "modification_pct": pct, "dose": dosed.final_dose},
            reason=text,
        )
    return dosed


def add_off_protocol_line(
    store: Store,
    user: User,
    prescription_id: str,
    wanted: OffProtocolLine,
    settings: SiteSettings,
    *,
    request_key: str | None = None,
) -> Line:
    """A line the protocol does not hold: only with a reason, flagged "hors protocole". The
    same `request_key` again returns the line the first request added."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    reason = rules.required_text(wanted.reason, "Le motif d'une ligne hors protocole")
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, LINE_ACTION, user.username)
        if first is not None:
            return _line(prescription_or_refuse(cur, prescription_id), first)
        rx = draft_or_refuse(cur, prescription_id, user)
        drug = {d["drug_id"]: d for d in repo.drug_list(cur)}.get(wanted.drug_id)
        if drug is None:
            raise PrescriptionError(
                f"Médicament « {wanted.drug_id} » absent de l'instantané : choisissez-le dans la "
                "liste."
            )
        mismatch = rules.line_kind_mismatch(
            wanted.line_kind, drug["inn"], repo.cytotoxic_markers(cur, wanted.drug_id)
        )
        if mismatch:
            raise PrescriptionError(
                f"Ligne hors protocole refusée : {mismatch}", code=rules.LINE_KIND_MISMATCH
            )
        compounded = wanted.line_kind == "chemotherapy" and wanted.route != "PO"
        if compounded and not drug["has_products"]:
            raise PrescriptionError(
                f"Aucun produit de {drug['inn']} dans l'instantané : la pharmacie ne peut pas le "
                "préparer."
            )
        if not 1 <= wanted.day_no <= rx.cycle_length_days:
            raise PrescriptionError(
                f"Jour J{wanted.day_no} hors du cycle ({rx.cycle_length_days} jours) : choisissez "
                f"un jour de J1 à J{rx.cycle_length_days}."
            )
        line_no = max((line.line_no for line in rx.lines), default=0) + 1
        line = Line(
            line_id=f"{prescription_id}-L{line_no}",
            prescription_id=prescription_id,
            line_no=line_no,
            protocol_line_no=None,
            line_kind=wanted.line_kind,
            drug_id=wanted.drug_id,
            drug_inn=drug["inn"],
            label=None,
            day_no=wanted.day_no,
            planned_date=_date_of_day(rx, wanted.day_no),
            route=wanted.route,
            duration_min=wanted.duration_min,
            diluent=wanted.diluent,
            volume_ml=wanted.volume_ml,
            container=wanted.container,
            dose_basis=wanted.dose_basis,
            protocol_dose=wanted.dose,
            max_dose=None,
            off_protocol=True,
            off_protocol_reason=reason,
            liste_en_sus=drug["liste_en_sus"],
        )
        if wanted.dose <= 0:
            raise PrescriptionError("La dose d'une ligne hors protocole doit être positive.")
        for value, label, upper in (
            (wanted.duration_min, "La durée de perfusion (min)", 20_160),
            (wanted.volume_ml, "Le volume final (mL)", 5000),
        ):
            if value is not None and not 0 < value <= upper:
                raise PrescriptionError(
                    f"{label} doit être comprise entre 0 et {french.number(upper)} : "
                    "corrigez-la ou laissez-la vide."
                )
        checked = drug_checks.limited(cur, [line], refusal="Ligne hors protocole refusée")
        [dosed] = _dose_lines(checked, rx.dosing, settings)
        repo.insert_line(cur, dosed)
        audit.record(
            cur,
            user.actor,
            "prescription.line_added",
            RECORD,
            prescription_id,
            after={"line_id": dosed.line_id, "drug_id": dosed.drug_id, "day_no": dosed.day_no,
                   "dose": dosed.final_dose, "off_protocol": True},
            reason=reason,
        )
        request_keys.remember(cur, request_key, LINE_ACTION, user.username, dosed.line_id)
    return dosed


def _date_of_day(rx: Prescription, day_no: int) -> date:
    for day, planned in rx.days:
        if day == day_no:
            return planned
    return rules.planned_date(rx.cycle_start_date, day_no)


def set_indication_code(
    store: Store, user: User, prescription_id: str, drug_id: str, code: str
) -> None:
    """The "liste en sus" indication, for every line of that drug in the prescription."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    cleaned = rules.check_indication_code(code)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        lines = [line for line in rx.lines if line.drug_id == drug_id and line.liste_en_sus]
        if not lines:
            raise PrescriptionError(
                f"{drug_id} n'est pas un médicament de la liste en sus de cette prescription."
            )
        for line in lines:
            repo.replace_line(cur, line.model_copy(update={"indication_code": cleaned}))
        audit.record(
            cur,
            user.actor,
            "prescription.indication_set",
            RECORD,
            prescription_id,
            before={"drug_id": drug_id, "codes": sorted({str(x.indication_code) for x in lines})},
            after={"drug_id": drug_id, "code": cleaned},
        )


def move_day(
    store: Store,
    user: User,
    prescription_id: str,
    day_no: int,
    new_date: date,
    settings: SiteSettings,
    today: date,
) -> Prescription:
    """The planned date of one day of the cycle (e.g. D8 postponed), for every line of that day:
    within the window of a new cycle's start around today, and the days kept in order.

    Every line's dose is then recomputed for the new dates, as "Recalculer les doses" does
    (`dose_now`): a creatinine too old on the new day of administration refuses an AUC dose,
    and a first day moved across a birthday changes the age. A refusal writes nothing; the
    audit record has the doses before and after."""
    require(user.role, Permission.PRESCRIPTION_WRITE)
    with store.transaction() as cur:
        rx = draft_or_refuse(cur, prescription_id, user)
        lines = [line for line in rx.lines if line.day_no == day_no]
        if not lines:
            raise PrescriptionError(f"Aucune ligne au jour J{day_no} dans cette prescription.")
        problem = date_window_problem(f"Nouvelle date de J{day_no}", new_date, today)
        if problem:
            raise PrescriptionError(problem, code=DATE_OUT_OF_WINDOW)
        earlier = [p for d, p in rx.days if d < day_no]
        later = [p for d, p in rx.days if d > day_no]
        if (earlier and new_date <= max(earlier)) or (later and new_date >= min(later)):
            raise PrescriptionError(
                f"J{day_no} le {new_date:%d/%m/%Y} : les jours du cycle doivent rester dans "
                "l'ordre (chaque jour après le précédent et avant le suivant).",
                code=DAYS_OUT_OF_ORDER,
            )
        moved = [
            line.model_copy(update={"planned_date": new_date}) if line.day_no == day_no else line
            for line in rx.lines
        ]
        protocol = prescribable_protocol(cur, rx.protocol_id)
        identity = patient_identity(cur, rx.patient_id, today)
        try:
            inputs, dosed = dose_now(
                cur, protocol, identity, moved, settings, today, rx.cycle_start_date
            )
        except PrescriptionError as exc:
            raise PrescriptionError(
                f"J{day_no} ne peut pas être déplacé au {new_date:%d/%m/%Y}, les doses ne se "
                f"calculent pas pour cette date : {exc} La date n'a pas été changée.",
                code=exc.code,
            ) from exc
        after = rx.model_copy(update={"dosing": inputs, "lines": dosed})
        repo.save_dosing(cur, prescription_id, inputs)
        for line in dosed:
            repo.replace_line(cur, line)
        audit.record(
            cur,
            user.actor,
            "prescription.day_moved",
            RECORD,
            prescription_id,
            before=_day_summary(rx, day_no, lines[0].planned_date),
            after=_day_summary(after, day_no, new_date),
        )
    return after


def _day_summary(rx: Prescription, day_no: int, when: date) -> dict:
    return {
        "day_no": day_no,
        "date": when.isoformat(),
        "age_years": rx.dosing.age_years,
        "doses": {line.line_id: line.final_dose for line in rx.lines},
    }


