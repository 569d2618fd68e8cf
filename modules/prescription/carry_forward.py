"""What a take-over keeps of the production prescription it continues. Pure: no database, no UI.

The production software's prescription was decided before the outage: its dose reductions
(with their reasons), the dates of its days, and which chemotherapy lines it still gives. A
take-over rebuilds the lines from the protocol (the doses are recomputed from today's
measurements) and must not silently undo any of those decisions:

- each production line's modification (%) and its reason are carried to the matching line,
  the reason prefixed "repris de ORD…" so that the pharmacist sees where it comes from;
- each day keeps the production's planned date (a day moved in production stays moved);
- a chemotherapy line of the protocol that the production prescription no longer holds (a
  drug stopped or cancelled there) is left out, never added back: it is listed in the audit
  record; premedication and hydration lines, which production prescriptions do not carry, come
  from the protocol;
- a production line that cannot be matched with a protocol line of the same drug refuses the
  take-over: it would otherwise be dropped silently;
- only the production lines not yet given (planned or validated) are continued: a line already
  prepared or administered (ABVD's J1 given on the 22nd, J15 still to give) is never re-created
  beside the others; it stays in the snapshot's history and is named in the audit record
  (`given_text`). Nothing left to give refuses the take-over (take_over_nothing_active).
"""

from __future__ import annotations

from datetime import date

from chemo_fallback.modules.prescription.models import Line, PrescriptionError


def carried_reason(production_id: str, reason: str | None) -> str:
    text = (reason or "").strip() or "motif absent de l'instantané"
    return f"repris de {production_id} : {text}"


def _key(line: dict) -> tuple[int | None, int]:
    return (line["protocol_line_no"], line["day_no"])


GIVEN_STATUS = {"prepared": "préparée", "administered": "administrée"}


def given_text(given: list[dict]) -> list[str]:
    """The production lines already given or prepared, in French (audit record, refusal)."""
    return [
        f"{p['drug_id']} J{p['day_no']} ({p['line_id']}, "
        f"{GIVEN_STATUS.get(p.get('status'), p.get('status'))} le {p['planned_date']:%d/%m/%Y})"
        for p in given
    ]


def carry_forward(
    rx_id: str,
    lines: list[Line],
    production_id: str,
    production_lines: list[dict],
    given: list[dict] | None = None,
) -> tuple[list[Line], list[str]]:
    """The protocol's `lines` with the production's decisions applied, renumbered; and the
    protocol lines left out (French, for the audit record). `production_lines`: the lines
    still to give; `given`: those already prepared or administered (never continued)."""
    if not production_lines:
        already = given_text(given or [])
        raise PrescriptionError(
            f"La prescription {production_id} n'a plus aucune ligne à donner dans "
            "l'instantané"
            + (f" (déjà préparées ou administrées : {', '.join(already)})" if already else "")
            + " : rien à reprendre. Créez une nouvelle prescription si le traitement continue.",
            code="take_over_nothing_active",
        )
    production = {_key(p): p for p in production_lines}
    by_protocol = {(line.protocol_line_no, line.day_no): line for line in lines}
    unmatched = [
        p for p in production_lines
        if _key(p) not in by_protocol or by_protocol[_key(p)].drug_id != p["drug_id"]
    ]
    if unmatched:
        raise PrescriptionError(
            f"Reprise de {production_id} impossible : "
            + ", ".join(
                f"{p['drug_id']} J{p['day_no']} (ligne {p['protocol_line_no'] or '?'} du "
                "protocole)"
                for p in unmatched
            )
            + " ne correspond à aucune ligne du protocole actuel. Transcrivez la prescription à "
            "la main (nouvelle prescription, ligne hors protocole si besoin).",
            code="take_over_line_unmatched",
        )
    dates: dict[int, date] = {p["day_no"]: p["planned_date"] for p in production_lines}
    done = {_key(p) for p in given or []}  # named in the audit record as given, not here
    kept, left_out = [], []
    for line in lines:
        decided = production.get((line.protocol_line_no, line.day_no))
        if decided is None and line.line_kind == "chemotherapy":
            if (line.protocol_line_no, line.day_no) not in done:
                left_out.append(f"{line.title} J{line.day_no}")
            continue
        update: dict = {"planned_date": dates.get(line.day_no, line.planned_date)}
        if decided is not None and decided["modification_pct"]:
            update["modification_pct"] = float(decided["modification_pct"])
            update["modification_reason"] = carried_reason(
                production_id, decided["modification_reason"]
            )
        kept.append(line.model_copy(update=update))
    renumbered = [
        line.model_copy(update={"line_no": n, "line_id": f"{rx_id}-L{n}"})
        for n, line in enumerate(kept, start=1)
    ]
    return renumbered, left_out
