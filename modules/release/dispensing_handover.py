"""Handing a round over: it leaves the pharmacy with the name of who carries it and the time,
and its delivery slip (dispensing_document.py) is printed in the same transaction. Every
preparation is checked again first: one rejected or cancelled since its scan, or expired at the
hand-over time, keeps the whole round at the pharmacy until it is taken out."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from chemo_fallback import audit, french, request_keys
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.documents.store import PrintedDocument, get_document, record_document
from chemo_fallback.modules.release import chain
from chemo_fallback.modules.release import dispensing_document as slip
from chemo_fallback.modules.release.dispensing import (
    ROUND_RECORD,
    DispensingRefused,
    Problem,
    item_rows,
    preparation_row,
    prescription_problem,
    refuse,
    require_open,
    require_snapshot,
    round_row,
    round_title,
)
from chemo_fallback.store import Store

HANDED_OVER = "dispensing.handed_over"
# A hand-over time typed a few minutes ahead of the server's clock (a wall clock that runs
# fast) is accepted; later than this it is a typing error.
CLOCK_SLACK = timedelta(minutes=5)


def handover_problems(cur, round_: dict, at: datetime) -> list[Problem]:
    """What has changed since the scans and keeps the round at the pharmacy: a preparation
    rejected or cancelled meanwhile, or expired at the hand-over time."""
    problems = []
    for item in item_rows(cur, round_["round_id"]):
        prep = preparation_row(cur, item["preparation_id"])
        status = chain.preparation_chain(cur, [prep["preparation_id"]])[prep["preparation_id"]]
        name = f"{prep['preparation_id']} (n° {prep['register_no']})"
        if status in ("rejected", "cancelled"):
            problems.append(Problem(
                code="dispensing_handover_item_refused",
                text=f"{name} : {chain.label(status)} depuis son scan — retirez-la de la tournée.",
            ))
        elif (rx := prescription_problem(prep)) is not None:
            problems.append(Problem(code="dispensing_handover_item_refused",
                                    text=f"{name} : {rx.text} — retirez-la de la tournée."))
        elif prep["expires_at"] is None or prep["expires_at"] <= at:
            problems.append(Problem(
                code="dispensing_handover_item_refused",
                text=f"{name} : périmée à l'heure de la remise "
                f"({french.moment(prep['expires_at'])}) — retirez-la de la tournée.",
            ))
    return problems


def hand_over(
    store: Store,
    user: User,
    round_id: int,
    carried_by_name: str,
    handed_over_at: datetime | None = None,
    *,
    now: datetime | None = None,
    request_key: str | None = None,
) -> PrintedDocument:
    """The round leaves the pharmacy with `carried_by_name` at `handed_over_at` (default
    now): its status, and its delivery slip printed, in one transaction. The same request
    sent twice returns the slip of the first."""
    require(user.role, Permission.DISPENSE)
    require_snapshot(store)
    now = (now or datetime.now()).replace(microsecond=0)
    at = (handed_over_at or now).replace(second=0, microsecond=0)
    carrier = " ".join((carried_by_name or "").split())
    with store.transaction() as cur:
        first = request_keys.earlier(cur, request_key, HANDED_OVER, user.username)
        if first is None:
            round_ = round_row(cur, round_id)
            require_open(cur, round_, "la remettre")
            _check_handover(cur, round_, carrier, at, now)
            cur.execute(
                "UPDATE disp_rounds SET status = 'handed_over', handed_over_at = ?, "
                "handed_over_by = ?, carried_by_name = ? WHERE round_id = ?",
                [at, user.username, carrier, round_id],
            )
            audit.record(cur, user.actor, HANDED_OVER, ROUND_RECORD, round_id,
                         before={"status": "open"},
                         after={"status": "handed_over", "handed_over_at": at,
                                "carried_by_name": carrier})
            content = slip.slip_content(cur, round_id, user.display_name)
            document = record_document(cur, user.actor, slip.KIND, ROUND_RECORD, str(round_id),
                                       content, now=now)
            request_keys.remember(cur, request_key, HANDED_OVER, user.username,
                                  str(document.document_id))
            return document
    earlier = get_document(store, int(first))
    return dataclasses.replace(earlier, pdf=earlier.render())


def _check_handover(cur, round_: dict, carrier: str, at: datetime, now: datetime) -> None:
    count = cur.execute("SELECT count(*) FROM disp_items WHERE round_id = ?",
                        [round_["round_id"]]).fetchone()[0]
    if not count:
        raise DispensingRefused(
            f"Tournée {round_title(cur, round_)} vide : scannez au moins une préparation avant "
            "de la remettre.", code="dispensing_round_empty",
        )
    if not carrier:
        raise DispensingRefused(
            "Nom de la personne qui emporte la tournée manquant : écrivez son nom (coursier, "
            "agent, infirmier du service).", code="dispensing_carrier_missing",
        )
    if at > now + CLOCK_SLACK:
        raise DispensingRefused(
            f"Heure de remise {french.moment(at)} dans le futur : écrivez l'heure réelle de la "
            "remise.", code="dispensing_handover_time_invalid",
        )
    if at < round_["created_at"].replace(second=0, microsecond=0):
        raise DispensingRefused(
            f"Heure de remise {french.moment(at)} avant la création de la tournée "
            f"({french.moment(round_['created_at'])}) : écrivez l'heure réelle de la remise.",
            code="dispensing_handover_time_invalid",
        )
    problems = handover_problems(cur, round_, at)
    if problems:
        raise refuse("Remise refusée : des préparations de la tournée ne peuvent plus partir :",
                     problems, "Rien n'a été enregistré ni imprimé.")
