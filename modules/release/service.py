"""Release use cases: the controls recorded after the isolator (gravimetric, visual, analytical),
the pharmacist's signed release ("libéré"), and the rejection that sends the line back to the
production queue. Each is audited in the transaction that records it; the release's checks run
in one place (`_plan`), so that the signature dialog (before any password) and `release` (in
its transaction) never disagree.

A control session is a new row each time (a re-weighing never edits the first); the decision
reads the latest. Recording controls needs the isolator's control first (fab status
"controlled": the preparer's work checked by another person, the register entry fixed): a
weighing of a preparation not yet checked would be released on half the checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from chemo_fallback import audit, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.auth.signature import Meaning, record_signature
from chemo_fallback.modules.fabrication.rejection import reject_preparation
from chemo_fallback.modules.release import repository as repo
from chemo_fallback.modules.release import rules
from chemo_fallback.modules.release.models import (
    DECISION_LABELS,
    Blocker,
    ControlRefused,
    ReleaseFacts,
    ReleaseRefused,
)
from chemo_fallback.store import Store

RECORD = "preparation"
CONTROL_ACTION = "preparation.controls_recorded"
RELEASE_ACTION = "preparation.released"
REJECT_ACTION = "preparation.release_rejected"


def _preparation(cur, preparation_id: str, refusal: type[Exception]) -> dict:
    row = repo.preparation(cur, preparation_id)
    if row is None:
        raise refusal(
            f"Préparation « {preparation_id} » inconnue : vérifiez le numéro (code-barres de "
            "l'étiquette ou de la fiche).", code="release_preparation_unknown",
        )
    return row


def _decided(facts: ReleaseFacts) -> str | None:
    decision = facts.decided
    if decision is None:
        return None
    return (f"Préparation {facts.preparation_id} déjà {DECISION_LABELS[decision.decision]} par "
            f"{decision.pharmacist_name} : rechargez la page pour voir la décision.")


# --- Controls ---------------------------------------------------------------------------------


def record_controls(
    store: Store,
    user: User,
    preparation_id: str,
    *,
    mass_measured_g: float | None,
    visual_ok: bool | None,
    visual_comment: str | None = None,
    analytical_method: str | None = None,
    analytical_result: str | None = None,
    analytical_conform: bool | None = None,
    now: datetime | None = None,
    request_key: str | None = None,
) -> int:
    """A new control session: the mass measured (None: no weighing possible), its verdict
    computed from the bounds the sheet printed, the visual check, an analytical control if
    one was made. Returns its number; the same request sent twice records once."""
    require(user.role, Permission.FABRICATION_CONTROL)
    now = (now or datetime.now()).replace(microsecond=0)
    mass = None if mass_measured_g is None else rules.checked_mass(mass_measured_g)
    inputs = rules.control_inputs(visual_ok, visual_comment, analytical_method,
                                  analytical_result, analytical_conform)
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, CONTROL_ACTION, user.username)
        if first is not None:
            return int(first)
        row = _preparation(cur, preparation_id, ControlRefused)
        if row["status"] != "controlled":
            status = rules.FAB_STATUS_LABELS.get(row["status"], row["status"])
            raise ControlRefused(
                f"Préparation {preparation_id} (ordonnancier n° {row['register_no']}) : "
                f"{status}. Les contrôles de libération suivent le contrôle à l'isolateur "
                "(page de la préparation, par une autre personne que le préparateur).",
                code="control_not_controlled_at_isolator",
            )
        decided = _decided(repo.facts(cur, row))
        if decided:
            raise ControlRefused(decided, code="control_already_decided")
        sheet = rules.sheet_mass(json.loads(row["plan_json"]))
        values = {
            "preparation_id": preparation_id,
            "mass_measured_g": mass,
            "target_mass_g": sheet.target_g if sheet else None,
            "mass_low_g": sheet.low_g if sheet else None,
            "mass_high_g": sheet.high_g if sheet else None,
            "gravimetric_verdict": rules.control_verdict(mass, sheet),
            "visual_ok": inputs.visual_ok,
            "visual_comment": inputs.visual_comment,
            "analytical_method": inputs.analytical_method,
            "analytical_result": inputs.analytical_result,
            "analytical_conform": inputs.analytical_conform,
            "controlled_at": now,
            "controlled_by": user.username,
            "controlled_by_name": user.display_name,
        }
        control_id = repo.insert_control(cur, values)
        audit.record(
            cur, user.actor, "preparation.controls_recorded", RECORD, preparation_id,
            after={"control_id": control_id, **{k: v for k, v in values.items()
                                                if k not in ("preparation_id", "controlled_at",
                                                             "controlled_by",
                                                             "controlled_by_name")}},
        )
        request_keys.remember(cur, request_key, CONTROL_ACTION, user.username, str(control_id))
    return control_id


# --- Release ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleasePlan:
    row: dict
    facts: ReleaseFacts
    blockers: list[Blocker]  # every reason, liftable ones included
    left: list[Blocker]  # what still refuses once the override's reason is read
    lifted: list[Blocker]
    override_reason: str | None


def _plan(cur, preparation_id: str, username: str, now: datetime,
          override_reason: str | None) -> ReleasePlan:
    row = _preparation(cur, preparation_id, ReleaseRefused)
    facts = repo.facts(cur, row)
    reason = rules.override_text(override_reason)
    blockers = rules.release_blockers(facts, username, now)
    return ReleasePlan(row, facts, blockers, rules.still_blocking(blockers, reason),
                       rules.lifted_blockers(blockers, reason), reason)


def release_blockers(store: Store, pharmacist: User, preparation_id: str, *,
                     override_reason: str | None = None,
                     now: datetime | None = None) -> list[str]:
    """The French reasons `release` would refuse now (the same checks), one per problem: the
    signature dialog lists them instead of asking for a password."""
    require(pharmacist.role, Permission.RELEASE)
    plan = _plan(store.cursor(), preparation_id, pharmacist.username, now or datetime.now(),
                 override_reason)
    return [b.message for b in plan.left]


def release(
    store: Store,
    pharmacist: User,
    preparation_id: str,
    *,
    override_reason: str | None = None,
    now: datetime | None = None,
    request_key: str | None = None,
) -> int:
    """The pharmacist's release, signed "libéré" (the password was confirmed by the signature
    dialog; the signature is recorded here, in the decision's transaction). Refused while a
    blocker stands; only the gravimetric verdict is lifted, by `override_reason`. Returns the
    decision's number; the same request sent twice releases once."""
    require(pharmacist.role, Permission.RELEASE)
    now = (now or datetime.now()).replace(microsecond=0)
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, RELEASE_ACTION, pharmacist.username)
        if first is not None:
            return int(first)
        plan = _plan(cur, preparation_id, pharmacist.username, now, override_reason)
        if plan.left:
            raise ReleaseRefused(
                "Libération refusée : " + " ; ".join(b.message for b in plan.left) + ".",
                code=plan.left[0].code,
            )
        control = plan.facts.latest_control
        assert control is not None  # release_no_control blocks otherwise
        override = plan.override_reason if plan.lifted else None
        signature = record_signature(cur, pharmacist, Meaning.RELEASED, RECORD, preparation_id,
                                     now=now)
        decision_id = repo.insert_decision(cur, {
            "preparation_id": preparation_id, "control_id": control.control_id,
            "decision": "released", "override_reason": override, "reason": None,
            "pharmacist": pharmacist.username, "pharmacist_name": pharmacist.display_name,
            "decided_at": now, "signature_id": signature.signature_id,
        })
        audit.record(
            cur, pharmacist.actor, "preparation.released", RECORD, preparation_id,
            after={"decision": "released", "decision_id": decision_id,
                   "control_id": control.control_id,
                   "gravimetric_verdict": control.gravimetric_verdict,
                   "lifted": [b.code for b in plan.lifted],
                   "signature_id": signature.signature_id},
            reason=f"libérée malgré l'écart : {override}" if override else None,
        )
        request_keys.remember(cur, request_key, RELEASE_ACTION, pharmacist.username,
                              str(decision_id))
    return decision_id


# --- Rejection --------------------------------------------------------------------------------


def reject(
    store: Store,
    pharmacist: User,
    preparation_id: str,
    reason: str,
    now: datetime | None = None,
    *,
    request_key: str | None = None,
) -> int:
    """The pharmacist rejects the controlled preparation, with its reason: the decision is
    recorded, the preparation is marked rejected (fabrication.rejection) and its line goes back
    to the production queue, to be made again under a new register number."""
    require(pharmacist.role, Permission.RELEASE)
    now = (now or datetime.now()).replace(microsecond=0)
    text = rules.override_text(reason)
    if text is None or len(text) < rules.MIN_OVERRIDE_REASON:
        raise ReleaseRefused(
            "Motif du rejet obligatoire : écrivez pourquoi la préparation est rejetée (par "
            "exemple : masse hors tolérance après nouvelle pesée, particules visibles).",
            code="release_reject_reason_missing",
        )
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, REJECT_ACTION, pharmacist.username)
        if first is not None:
            return int(first)
        row = _preparation(cur, preparation_id, ReleaseRefused)
        facts = repo.facts(cur, row)
        decided = _decided(facts)
        if decided:
            raise ReleaseRefused(decided, code="release_already_decided")
        if row["status"] != "controlled":
            status = rules.FAB_STATUS_LABELS.get(row["status"], row["status"])
            raise ReleaseRefused(
                f"Préparation {preparation_id} : {status}. Seule une préparation contrôlée à "
                "l'isolateur se rejette ici ; avant, elle s'annule depuis sa page de "
                "fabrication.", code="release_not_controlled",
            )
        control = facts.latest_control
        decision_id = repo.insert_decision(cur, {
            "preparation_id": preparation_id,
            "control_id": control.control_id if control else None,
            "decision": "rejected", "override_reason": None, "reason": text,
            "pharmacist": pharmacist.username, "pharmacist_name": pharmacist.display_name,
            "decided_at": now, "signature_id": None,
        })
        audit.record(
            cur, pharmacist.actor, "preparation.release_rejected", RECORD, preparation_id,
            after={"decision": "rejected", "decision_id": decision_id,
                   "control_id": control.control_id if control else None},
            reason=text,
        )
        reject_preparation(cur, pharmacist, preparation_id, text, now)
        request_keys.remember(cur, request_key, REJECT_ACTION, pharmacist.username,
                              str(decision_id))
    return decision_id
