"""The morning: the day's production prescriptions taken over (transcribed by a pharmacist,
in their physician's name), the new cycles prescribed from their protocol, the pharmacist's
validation with a few interventions answered by a corrected version, and the feux verts."""

from __future__ import annotations

from chemo_fallback.modules.prescription import drafts, lifecycle, line_edits
from chemo_fallback.modules.prescription.models import DraftRequest, Status
from chemo_fallback.modules.validation import decisions, go_ahead
from chemo_fallback.modules.validation import service as validation
from chemo_fallback.modules.validation.models import Override, Severity
from chemo_fallback.patients.measurements import latest_measurements_of, record_measurement

NEW_PER_DAY = 3  # new cycles prescribed from their protocol, at most, per day
REWRITTEN_RATE = 0.3  # a planned cycle the physician prescribes anew instead of a take-over
INTERVENTION_RATE = 0.15
INTERVENTIONS = (
    ("4", "Surdosage possible : merci de vérifier le poids du jour et de réajuster."),
    ("3", "Sous-dosage possible au regard de la surface corporelle : merci de vérifier."),
    ("6", "Interaction à surveiller : merci de confirmer l'association."),
)
OVERRIDE_REASON = "Exercice : vu avec le prescripteur, poursuite validée"


def take_overs(drill) -> list[str]:
    """The snapshot's prescriptions whose cycle starts on the drill's day, not taken over."""
    rows = drill.store.cursor().execute(
        """SELECT p.prescription_id FROM ref.prescriptions p
           WHERE p.cycle_start_date = ? AND p.status IN ('planned', 'validated')
             AND p.prescription_id NOT IN (SELECT snapshot_prescription_id
                 FROM rx_prescriptions WHERE snapshot_prescription_id IS NOT NULL)
           ORDER BY p.prescription_id""", [drill.day]).fetchall()
    return [r[0] for r in rows]


def due_cycles(drill) -> list[tuple[str, str]]:
    """(patient, protocol) whose next cycle falls on the drill's day: the last one given in
    the snapshot or the fallback plus a cycle length, with nothing planned after it."""
    rows = drill.store.cursor().execute(
        """WITH cycles AS (
               SELECT patient_id, protocol_id, cycle_start_date FROM ref.prescriptions
                WHERE status <> 'cancelled'
               UNION ALL
               SELECT patient_id, protocol_id, cycle_start_date FROM rx_prescriptions
                WHERE status NOT IN ('cancelled', 'superseded', 'rejected'))
           SELECT c.patient_id, c.protocol_id FROM cycles c
             JOIN ref.protocols r ON r.protocol_id = c.protocol_id
            GROUP BY c.patient_id, c.protocol_id, r.cycle_length_days
           HAVING max(c.cycle_start_date) + CAST(r.cycle_length_days AS INTEGER) = ?
            ORDER BY 1, 2""", [drill.day]).fetchall()
    return [(r[0], r[1]) for r in rows]


def weigh(drill, patient_ids: list[str]) -> None:
    """The nurse weighs the day's patients (the dose follows the day's weight): the last
    weight known, give or take half a kilogram."""
    now = drill.at(7.0)
    latest = latest_measurements_of(drill.store, patient_ids)
    for patient_id in patient_ids:
        weight = latest[patient_id].weight
        if weight is None:
            continue
        value = round(weight.value + drill.rng.uniform(-0.5, 0.5), 1)
        if drill.attempt(f"pesée de {patient_id}", record_measurement, drill.store,
                         drill.team.nurse, patient_id, "weight", value, drill.day,
                         today=drill.day, now=now) is not None:
            drill.counts["weights"] += 1


def _sign(drill, rx, author, now) -> bool:
    """The "liste en sus" indication filled in (as from the paper), then the signature."""
    for drug_id in sorted({line.drug_id for line in rx.lines
                           if line.liste_en_sus and not line.indication_code}):
        drill.attempt(f"code indication de {rx.prescription_id}",
                      line_edits.set_indication_code, drill.store, author, rx.prescription_id,
                      drug_id, f"I{drill.rng.randrange(1, 999999):06d}")
    return drill.attempt(f"signature de {rx.prescription_id}", lifecycle.sign, drill.store,
                         author, rx.prescription_id, drill.settings, drill.day,
                         now=now) is not None


def prescribe(drill) -> list[tuple[str, object]]:
    """The day's prescriptions signed: [(prescription id, who signed it)]: the take-overs,
    transcribed by a pharmacist in their physician's name, then a few new cycles."""
    team, settings, day = drill.team, drill.settings, drill.day
    planned = {r[0]: (r[1], r[2]) for r in drill.store.cursor().execute(
        """SELECT prescription_id, patient_id, protocol_id FROM ref.prescriptions
            WHERE prescription_id IN (SELECT unnest(?))""", [take_overs(drill)]).fetchall()}
    sources = [s for s in sorted(planned) if drill.rng.random() >= REWRITTEN_RATE]
    due = due_cycles(drill)
    due = drill.rng.sample(due, min(NEW_PER_DAY, len(due)))
    due += [planned[s] for s in sorted(planned) if s not in sources]
    if drill.max_cycles is not None:  # a lighter drill: the rest are not played
        sources = sources[:drill.max_cycles]
        due = due[:max(0, drill.max_cycles - len(sources))]
    weigh(drill, sorted({planned[s][0] for s in sources} | {p for p, _ in due}))
    signed = []
    now = drill.at(7.5)
    for source in sources:
        rx = drill.attempt(f"reprise de {source}", drafts.take_over, drill.store,
                           team.pharmacist2, source, settings, day, now=now)
        if rx is None:
            continue
        drill.counts["take_overs"] += 1
        if _sign(drill, rx, team.pharmacist2, now):
            signed.append((rx.prescription_id, team.pharmacist2))
    now = drill.at(7.75)
    for patient_id, protocol_id in due:
        length = drill.store.cursor().execute(
            "SELECT cycle_length_days FROM ref.protocols WHERE protocol_id = ?", [protocol_id]
        ).fetchone()[0]
        cycle = drafts.suggested_cycle(drill.store, team.prescriber, patient_id, protocol_id,
                                       int(length), day)
        request = DraftRequest(patient_id=patient_id, protocol_id=protocol_id,
                               cycle_no=cycle.cycle_no, cycle_start_date=day)
        rx = drill.attempt(f"prescription {protocol_id} de {patient_id}", drafts.start_draft,
                           drill.store, team.prescriber, request, settings, day, now=now)
        if rx is None:
            continue
        drill.counts["prescriptions"] += 1
        if _sign(drill, rx, team.prescriber, now):
            signed.append((rx.prescription_id, team.prescriber))
    return signed


def _overrides(drill, rx_id: str) -> list[Override]:
    _rx, findings = validation.findings_of(drill.store, drill.team.pharmacist, rx_id,
                                           drill.settings, drill.day)
    return [Override(key=f.key, reason=OVERRIDE_REASON) for f in findings
            if f.severity == Severity.BLOCKING]


def _answer(drill, rx_id: str, author) -> str | None:
    """The author's corrected version, signed: the answer to an intervention."""
    now = drill.at(9.0)
    draft = drill.attempt(f"correction de {rx_id}", lifecycle.start_correction, drill.store,
                          author, rx_id, drill.settings, now=now)
    if draft is None:
        return None
    if not _sign(drill, draft, author, now):
        return None
    drill.counts["corrections"] += 1
    return draft.prescription_id


def validate(drill, signed: list[tuple[str, object]]) -> list[str]:
    """The pharmacist's validation of each; a few sent back first (an intervention)."""
    pharmacist, validated = drill.team.pharmacist, []
    for rx_id, author in signed:
        now = drill.at(8.5)
        if drill.rng.random() < INTERVENTION_RATE:
            code, text = drill.rng.choice(INTERVENTIONS)
            if drill.attempt(f"intervention sur {rx_id}", decisions.request_change,
                             drill.store, pharmacist, rx_id, code, text, drill.settings,
                             drill.day, now=now) is not None:
                drill.counts["interventions"] += 1
                rx_id = _answer(drill, rx_id, author)
                if rx_id is None:
                    continue
                now = drill.at(9.25)
        done = drill.attempt(f"validation de {rx_id}", lambda i, at: decisions.validate(
            drill.store, pharmacist, i, _overrides(drill, i), drill.settings, drill.day,
            now=at), rx_id, now)
        if done is not None:
            drill.counts["validations"] += 1
            validated.append(rx_id)
    return validated


def feux_verts(drill) -> None:
    """The ward's "OK chimio" for each validated prescription with a day on the drill's day."""
    rows = drill.store.cursor().execute(
        """SELECT DISTINCT p.prescription_id, l.day_no, p.ward_id
             FROM rx_prescriptions p JOIN rx_lines l USING (prescription_id)
            WHERE p.status = ? AND l.planned_date = ?
              AND NOT EXISTS (SELECT 1 FROM go_aheads g WHERE g.prescription_id =
                  p.prescription_id AND g.day_no = l.day_no)
            ORDER BY 1, 2""", [Status.VALIDATED.value, drill.day]).fetchall()
    for rx_id, day_no, ward_id in rows:
        given_at = drill.at(9.5)
        if drill.attempt(f"feu vert de {rx_id} J{day_no}", go_ahead.record_go_ahead,
                         drill.store, drill.team.pharmacist, rx_id, day_no,
                         f"Dr de garde ({ward_id or 'service'})", given_at,
                         now=drill.at(9.6)) is not None:
            drill.counts["feux_verts"] += 1


def morning(drill) -> None:
    validate(drill, prescribe(drill))
    feux_verts(drill)
