"""The administration plans, read: a ward's patients with a plan on a day, a patient's plan
(the ordered steps with their timing, preparations and records), the doses not given that the
prescribers and the pharmacists must see. Nothing here writes (recording.py records)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from chemo_fallback import french
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.administration import repository as repo
from chemo_fallback.modules.administration.models import (
    AdmRecord,
    NotGiven,
    Outcome,
    PatientPlan,
    PlanPrescription,
    PlanStep,
    StepPreparation,
    TimingLine,
    WardPatient,
)
from chemo_fallback.modules.administration.rules import (
    DEFAULT_STEP_MIN,
    first_start_of,
    plan_timing,
)
from chemo_fallback.modules.release import chain
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.patients.models import NO_SNAPSHOT, NoActiveSnapshot
from chemo_fallback.store import Store


def require_snapshot(store: Store) -> None:
    """Plans read the snapshot's protocols, products and patients: without one, a clear
    refusal rather than a database error."""
    if store.active_snapshot() is None:
        raise NoActiveSnapshot(NO_SNAPSHOT)


def line_title(row: dict) -> str:
    return row["drug_inn"] or row["label"] or row["drug_id"] or "ligne sans libellé"


def steps_context(cur, rows: list[dict]) -> dict:
    """What every step of these lines needs, read in batch."""
    line_ids = [r["line_id"] for r in rows]
    chains = chain.line_chain(cur, line_ids)
    preparations = repo.preparations(cur, [prep_id for _status, prep_id in chains.values()])
    records: dict[str, list[AdmRecord]] = defaultdict(list)
    for record in repo.records_for(cur, line_ids):
        records[record.line_id].append(record)
    return {
        "chains": chains,
        "preparations": preparations,
        "records": records,
        "runs_with": repo.runs_with(cur, sorted({r["protocol_id"] for r in rows})),
        "compounded_drugs": repo.compounded_drugs(
            cur, sorted({r["drug_id"] for r in rows if r["drug_id"]})),
        "with_preparations": repo.lines_with_preparations(cur, line_ids),
    }


def is_compounded(row: dict, context: dict) -> bool:
    """Made by the pharmacy: a preparation was printed for it, or it is a line the production
    queue lists (a dose of a compounded drug, not oral)."""
    if row["line_id"] in context["with_preparations"]:
        return True
    return (row["drug_id"] in context["compounded_drugs"] and row["final_dose"] is not None
            and (row["route"] or "").upper() != "PO")


def _preparation(row: dict, context: dict) -> StepPreparation | None:
    found = context["chains"].get(row["line_id"])
    if found is None:
        return None
    status, prep_id = found
    prep = context["preparations"][prep_id]
    plan = json.loads(prep["plan_json"])
    return StepPreparation(
        preparation_id=prep_id, register_no=prep["register_no"], expires_at=prep["expires_at"],
        final_volume_ml=plan.get("final_volume_ml"), chain_status=status,
        chain_label=chain.label(status),
    )


def _volume(row: dict, preparation: StepPreparation | None) -> tuple[float | None, str | None]:
    if preparation is not None and preparation.final_volume_ml:
        return preparation.final_volume_ml, "préparation"
    if row["volume_ml"]:
        return row["volume_ml"], "prescription"
    return None, None


def _prescription_steps(rows: list[dict], context: dict, start: datetime) -> list[PlanStep]:
    prepared = {r["line_id"]: _preparation(r, context) for r in rows}
    volumes = {r["line_id"]: _volume(r, prepared[r["line_id"]]) for r in rows}
    timing_lines = [
        TimingLine(
            line_id=r["line_id"], line_no=r["line_no"], protocol_line_no=r["protocol_line_no"],
            runs_with_line_no=(context["runs_with"].get((r["protocol_id"], r["protocol_line_no"]))
                               if r["protocol_line_no"] is not None else None),
            route=r["route"], duration_min=r["duration_min"],
            volume_ml=volumes[r["line_id"]][0], volume_source=volumes[r["line_id"]][1],
            container=r["container"],
        )
        for r in rows
    ]
    timings = {t.line_id: t for t in plan_timing(timing_lines, start)}
    return [
        PlanStep(
            line_id=r["line_id"], prescription_id=r["prescription_id"], line_no=r["line_no"],
            line_kind=r["line_kind"], title=line_title(r),
            dose=french.dose(r["final_dose"], r["dose_unit"]) if r["final_dose"] is not None
            else "—",
            route=r["route"], duration_min=r["duration_min"], diluent=r["diluent"],
            volume_ml=volumes[r["line_id"]][0], volume_source=volumes[r["line_id"]][1],
            container=r["container"], comment=r["comment"],
            compounded=is_compounded(r, context), preparation=prepared[r["line_id"]],
            timing=timings[r["line_id"]], records=context["records"].get(r["line_id"], []),
        )
        for r in sorted(rows, key=lambda x: x["line_no"])
    ]


def _next_start(steps: list[PlanStep], after: datetime) -> datetime:
    """When a second prescription of the same day starts: after the first's last step (a
    pump does not hold it)."""
    ends = [s.timing.start + timedelta(minutes=DEFAULT_STEP_MIN) if s.timing.continues
            else s.timing.end for s in steps]
    return max([after, *ends])


def build_plans(cur, day: date, rows: list[dict], first_start: datetime | None = None
                ) -> list[PatientPlan]:
    """One plan per patient of `rows` (lines of validated prescriptions planned on `day`)."""
    if not rows:
        return []
    context = steps_context(cur, rows)
    wards = repo.ward_names(cur)
    by_patient: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_patient[row["patient_id"]].append(row)
    plans = []
    for patient_id, patient_rows in by_patient.items():
        start = first_start or first_start_of(day)
        by_rx: dict[str, list[dict]] = defaultdict(list)
        for row in sorted(patient_rows, key=lambda r: (r["rx_number"], r["line_no"])):
            by_rx[row["prescription_id"]].append(row)
        steps: list[PlanStep] = []
        cursor = start
        for rx_rows in by_rx.values():
            rx_steps = _prescription_steps(rx_rows, context, cursor)
            cursor = _next_start(rx_steps, cursor)
            steps += rx_steps
        identity = find_identity(cur, patient_id, day)
        ward_id = patient_rows[0]["ward_id"] or (identity.ward_id if identity else None)
        plans.append(PatientPlan(
            patient_id=patient_id, day=day, identity=identity, ward_id=ward_id,
            ward_name=wards.get(ward_id or "", ward_id), first_start=start,
            prescriptions=[
                PlanPrescription(
                    prescription_id=rx_rows[0]["prescription_id"],
                    protocol_name=rx_rows[0]["protocol_name"], cycle_no=rx_rows[0]["cycle_no"],
                    day_no=rx_rows[0]["day_no"], prescriber_name=rx_rows[0]["prescriber_name"],
                    ward_id=rx_rows[0]["ward_id"],
                )
                for rx_rows in by_rx.values()
            ],
            steps=steps,
        ))
    return sorted(plans, key=lambda p: (p.patient_name, p.patient_id))


def patient_plan(store: Store, user: User, patient_id: str, day: date,
                 first_start: datetime | None = None) -> PatientPlan | None:
    """The patient's plan for `day`; None when no validated prescription plans anything."""
    require(user.role, Permission.ADMINISTRATION_READ)
    require_snapshot(store)
    cur = store.cursor()
    plans = build_plans(cur, day, repo.day_lines(cur, day, patient_id=patient_id), first_start)
    return plans[0] if plans else None


def ward_plans(store: Store, user: User, day: date, ward_id: str | None,
               first_start: datetime | None = None) -> list[PatientPlan]:
    """Every patient's plan for the ward and the day (every ward when `ward_id` is None)."""
    require(user.role, Permission.ADMINISTRATION_READ)
    require_snapshot(store)
    cur = store.cursor()
    return build_plans(cur, day, repo.day_lines(cur, day, ward_id=ward_id), first_start)


def ward_day(store: Store, user: User, day: date, ward_id: str | None) -> list[WardPatient]:
    """The patients with a plan that day, with how far their plan has gone."""
    rows = []
    for plan in ward_plans(store, user, day, ward_id):
        closed = [s.current for s in plan.steps if s.current is not None]
        rows.append(WardPatient(
            patient_id=plan.patient_id, patient_name=plan.patient_name,
            birth_date=plan.identity.birth_date if plan.identity else None,
            ward_id=plan.ward_id,
            protocols=", ".join(f"{p.protocol_name} C{p.cycle_no} J{p.day_no}"
                                for p in plan.prescriptions),
            steps=len(plan.steps), closed=len(closed),
            not_given=sum(r.outcome == Outcome.NOT_GIVEN for r in closed),
            incidents=sum(len(s.incidents) for s in plan.steps),
        ))
    return rows


def wards(store: Store, user: User) -> dict[str, str]:
    require(user.role, Permission.ADMINISTRATION_READ)
    return repo.ward_names(store.cursor())


def not_given_since(store: Store, user: User, since: datetime) -> list[NotGiven]:
    """The doses recorded as not given since `since` (corrected ones left out), the latest
    first: what the prescribers' and the pharmacists' lists show (arrêté du 6 avril 2011,
    art. 13: a dose not given is traced and they are told)."""
    require(user.role, Permission.ADMINISTRATION_READ)
    cur = store.cursor()
    rows = repo.not_given_since(cur, since)
    names: dict[str, str] = {}
    for row in rows:
        if row["patient_id"] not in names:
            identity = find_identity(cur, row["patient_id"], row["planned_date"])
            names[row["patient_id"]] = (
                f"{identity.last_name.upper()} {identity.first_name}" if identity
                else f"Patient {row['patient_id']}"
            )
    return [
        NotGiven(
            record_id=r["record_id"], patient_id=r["patient_id"],
            patient_name=names[r["patient_id"]], ward_id=r["ward_id"],
            prescription_id=r["prescription_id"], protocol_name=r["protocol_name"],
            cycle_no=r["cycle_no"], day_no=r["day_no"], planned_date=r["planned_date"],
            drug=line_title(r),
            dose=french.dose(r["final_dose"], r["dose_unit"]) if r["final_dose"] is not None
            else "—",
            reason=r["reason"] or "", given_by_name=r["given_by_name"],
            entered_at=r["entered_at"], entered_by_name=r["entered_by_name"],
            from_paper=r["from_paper"],
        )
        for r in rows
    ]
