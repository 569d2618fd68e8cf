"""Recording what was given, step by step of the plan: given (start and end, by whom), partly
given (what), not given (why: the prescriber and the pharmacist see it), incident (what
happened, what was done). At the bedside, or entered afterwards from the signed paper plan
(`from_paper`, with the name of the nurse who signed it and who entered it). A correction is a
new record pointing at the one it replaces; nothing is edited.

A compounded step is recorded as given only with its preparation's label scanned, checked
against the patient's plan: a preparation of another patient, of another step or day, not
released by a pharmacist, already given or past its expiry is refused, loudly."""

from __future__ import annotations

from datetime import date, datetime

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.administration import repository as repo
from chemo_fallback.modules.administration.models import (
    CLOSING,
    AdministrationRefused,
    AdmRecord,
    LabelRefused,
    Outcome,
    Problem,
    RecordRequest,
)
from chemo_fallback.modules.administration.rules import (
    label_problems,
    preparation_id_from,
    record_problems,
)
from chemo_fallback.modules.administration.service import (
    is_compounded,
    line_title,
    require_snapshot,
    steps_context,
)
from chemo_fallback.modules.release import chain
from chemo_fallback.patients.identity import find_identity
from chemo_fallback.store import Store

RECORD_ACTION = "administration.record"  # the request keys' action
ACTIONS = {
    Outcome.GIVEN: "administration.given",
    Outcome.PARTIAL: "administration.partial",
    Outcome.NOT_GIVEN: "administration.not_given",
    Outcome.INCIDENT: "administration.incident",
}
CORRECTED = "administration.corrected"


def _name(cur, patient_id: str, day: date) -> str:
    identity = find_identity(cur, patient_id, day)
    if identity is None:
        return f"patient {patient_id}"
    return f"{identity.last_name.upper()} {identity.first_name}"


def _label_facts(cur, preparation_id: str) -> dict | None:
    prep = repo.preparations(cur, [preparation_id]).get(preparation_id)
    if prep is None:
        return None
    status = chain.preparation_chain(cur, [preparation_id])[preparation_id]
    return {
        **prep, "drug": f"{prep['drug_inn'] or prep['drug_id']} "
                        f"{french.dose(prep['dose'], prep['dose_unit'])}",
        "patient_name": _name(cur, prep["patient_id"], prep["planned_date"]),
        "chain_status": status, "chain_label": chain.label(status),
    }


def _code_problems(cur, code: str) -> tuple[dict | None, list[Problem]]:
    preparation_id = preparation_id_from(code)
    if not preparation_id:
        return None, [Problem(
            code="label_unreadable",
            message=f"Étiquette illisible (« {code.strip()[:40]} ») : scannez le code-barres de "
                    "l'étiquette de la préparation (FAB…) ou tapez son numéro.",
        )]
    facts = _label_facts(cur, preparation_id)
    if facts is None:
        return None, [Problem(
            code="label_unknown",
            message=f"NE PAS ADMINISTRER — aucune préparation {preparation_id} dans le secours :"
                    " vérifiez l'étiquette et appelez la pharmacie.",
        )]
    return facts, []


def _refuse(problems: list[Problem]) -> None:
    error = LabelRefused if any(p.code.startswith("label_") for p in problems) else (
        AdministrationRefused)
    raise error("\n".join(p.message for p in problems), code=problems[0].code)


def check_label(store: Store, user: User, patient_id: str, day: date, code: str, *,
                now: datetime | None = None) -> tuple[str, str]:
    """The scanned label against the patient's plan of `day`: (the step's line_id, the
    preparation id) when it may be given now; else LabelRefused, with every reason."""
    require(user.role, Permission.ADMINISTRATION_RECORD)
    require_snapshot(store)
    now = now or datetime.now()
    cur = store.cursor()
    facts, problems = _code_problems(cur, code)
    if facts is None:
        _refuse(problems)
    assert facts is not None
    problems = label_problems(
        facts, patient_id=patient_id, patient_name=_name(cur, patient_id, day), line_id=None,
        step_title=None, day=day, moment=now,
    )
    line = repo.line(cur, facts["line_id"])
    if not problems and (line is None or line["prescription_status"] != "validated"):
        problems.append(Problem(
            code="label_prescription_not_valid",
            message=f"NE PAS ADMINISTRER — la prescription de la préparation "
                    f"{facts['preparation_id']} n'est plus validée (annulée ou remplacée) : "
                    "appelez la pharmacie.",
        ))
    if problems:
        _refuse(problems)
    return facts["line_id"], facts["preparation_id"]


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def record(
    store: Store,
    user: User,
    request: RecordRequest,
    *,
    now: datetime | None = None,
    request_key: str | None = None,
) -> AdmRecord:
    """Record one step's outcome (or correct a record: `request.replaces_id`), audited in the
    same transaction; refused with every reason at once. The same request sent twice records
    once (the second gets the first record back)."""
    require(user.role, Permission.ADMINISTRATION_RECORD)
    require_snapshot(store)
    now = (now or datetime.now()).replace(microsecond=0)
    r = request
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, RECORD_ACTION, user.username)
        if first is not None:
            found = repo.record(cur, int(first))
            assert found is not None
            return found
        row = repo.line(cur, r.line_id)
        if row is None:
            raise AdministrationRefused(
                f"Étape {r.line_id} inconnue : rechargez le plan.",
                code="administration_step_unknown")
        if row["prescription_status"] != "validated":
            raise AdministrationRefused(
                "La prescription de cette étape n'est pas (ou plus) validée par la pharmacie "
                "(annulée, remplacée ou en attente) : ne pas administrer, rechargez le plan.",
                code="administration_prescription_not_validated",
            )
        context = steps_context(cur, [row])
        records = context["records"].get(r.line_id, [])
        closing = [x for x in records if not x.replaced and x.outcome in CLOSING]
        current = closing[-1] if closing else None
        replacing = next((x for x in records if x.record_id == r.replaces_id), None)
        compounded = is_compounded(row, context)
        problems = record_problems(r, planned_date=row["planned_date"], now=now,
                                   compounded=compounded, current=current, replacing=replacing)
        preparation_id = None
        if _text(r.preparation_code):
            facts, code_problems = _code_problems(cur, r.preparation_code or "")
            problems += code_problems
            if facts is not None:
                giving = r.outcome in (Outcome.GIVEN, Outcome.PARTIAL)
                # at the bedside, the label is checked now too: never a bag expired in hand
                bedside = not r.from_paper and r.replaces_id is None
                moment = max(filter(None, (r.started_at, now if bedside else None)),
                             default=now)
                problems += label_problems(
                    facts, patient_id=row["patient_id"],
                    patient_name=_name(cur, row["patient_id"], row["planned_date"]),
                    line_id=r.line_id, step_title=line_title(row), day=row["planned_date"],
                    moment=moment, replacing=replacing, giving=giving,
                )
                preparation_id = facts["preparation_id"]
        elif r.line_id in context["chains"]:
            preparation_id = context["chains"][r.line_id][1]  # the chain shows its outcome
        if problems:
            _refuse(problems)
        values = {
            "prescription_id": row["prescription_id"], "line_id": r.line_id,
            "patient_id": row["patient_id"], "planned_date": row["planned_date"],
            "outcome": r.outcome.value, "preparation_id": preparation_id,
            "started_at": r.started_at, "ended_at": r.ended_at,
            "given_by_name": _text(r.given_by_name) if r.from_paper else user.display_name,
            "amount_given": _text(r.amount_given) if r.outcome == Outcome.PARTIAL else None,
            "reason": _text(r.reason) if r.outcome == Outcome.NOT_GIVEN else None,
            "incident": _text(r.incident) if r.outcome == Outcome.INCIDENT else None,
            "action_taken": _text(r.action_taken) if r.outcome == Outcome.INCIDENT else None,
            "from_paper": r.from_paper, "entered_at": now, "entered_by": user.username,
            "entered_by_name": user.display_name, "replaces_id": r.replaces_id,
        }
        record_id = repo.insert_record(cur, values)
        shown = {k: v for k, v in values.items() if v is not None and k not in (
            "prescription_id", "entered_by", "entered_by_name", "entered_at", "replaces_id")}
        if r.replaces_id is not None:
            shown["replaces_record_id"] = r.replaces_id
        if not r.from_paper and r.outcome in (Outcome.GIVEN, Outcome.PARTIAL):
            shown["checks"] = "identité, péremption, aspect, voie vérifiées"
        audit.record(
            cur, user.actor, CORRECTED if replacing else ACTIONS[r.outcome],
            "administration_record", record_id,
            before=_summary(replacing) if replacing else None, after=shown,
            reason=_text(r.correction_reason) if replacing else None,
        )
        request_keys.remember(cur, request_key, RECORD_ACTION, user.username, str(record_id))
        made = repo.record(cur, record_id)
    assert made is not None
    return made


def _summary(record: AdmRecord) -> dict:
    keys = ("record_id", "outcome", "preparation_id", "started_at", "ended_at",
            "given_by_name", "amount_given", "reason", "incident", "action_taken", "from_paper")
    data = record.model_dump(mode="json")
    return {k: data[k] for k in keys if data[k] is not None}
