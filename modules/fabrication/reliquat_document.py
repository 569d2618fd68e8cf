"""The end-of-day list of reliquats (opened vials), printed (kind `fabrication_reliquats`): for
each, its product, lot, amount left, opening time, in-use expiry and what to do with it (keep
or discard), with a box to tick and room for the initials of whoever did it.

The content is built once from `reliquats.end_of_day_list` (every value already written the
French way), stored by documents.store and rendered from it only: a reprint is the same list,
marked DUPLICATA."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from reportlab.platypus import Flowable

from chemo_fallback import french
from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.modules.fabrication.reliquats import ReliquatLine

KIND = "fabrication_reliquats"
RECORD_TYPE = "reliquat_list"
BOX = "☐"


class ReliquatRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: str
    product: str
    lot: str
    amount: str
    opened_at: str
    usable_until: str
    advice: str
    to_discard: bool


class ReliquatListContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    as_of: str  # the moment the list was drawn up, as printed
    rows: list[ReliquatRow]


def reliquat_row(line: ReliquatLine) -> ReliquatRow:
    row = line.row
    return ReliquatRow(
        number=str(row["reliquat_id"]),
        product=str(row.get("product_name") or row["product_id"]),
        lot=str(row.get("lot") or "non renseigné"),
        amount=french.dose(row["amount"], row["dose_unit"]),
        opened_at=french.moment(row["opened_at"]),
        usable_until=french.moment(row["usable_until"]),
        advice=line.advice,
        to_discard=line.expired,
    )


def reliquat_list_content(lines: list[ReliquatLine], as_of: datetime) -> ReliquatListContent:
    """The list as printed at `as_of`, in the order of the end-of-day list (soonest expiry
    first)."""
    return ReliquatListContent(as_of=french.moment(as_of), rows=[reliquat_row(x) for x in lines])


def record_id(as_of: datetime) -> str:
    """What the printed list is recorded against: the day it was drawn up."""
    return f"{as_of:%Y-%m-%d}"


@register_document
class FabricationReliquatsDocument(DocumentRenderer):
    kind = KIND
    title = "Reliquats de fin de journée"
    model = ReliquatListContent
    landscape = True
    margins_mm = (12, 12, 22, 18)

    def document_title(self, data: ReliquatListContent) -> str:
        return f"Reliquats de fin de journée — liste du {data.as_of}"

    def story(self, data: ReliquatListContent) -> list[Flowable]:
        count = len(data.rows)
        discard = sum(r.to_discard for r in data.rows)
        story: list[Flowable] = [
            self.text(self.document_title(data), "title"),
            self.text(
                f"{count} flacon{'s' if count > 1 else ''} entamé{'s' if count > 1 else ''} "
                f"non terminé{'s' if count > 1 else ''}, dont {discard} à jeter (stabilité après "
                "ouverture dépassée). Chaque flacon conservé est étiqueté (lot, reste, date "
                "limite) et rangé selon ses conditions de conservation ; chaque flacon jeté est "
                "enregistré dans l'application (« Jeter », avec le motif)."
            ),
        ]
        if not data.rows:
            story.append(self.warning("Aucun reliquat ouvert : rien à conserver ni à jeter."))
            return story
        rows = [
            [
                self.text(r.number, "cell_header"),
                r.product,
                r.lot,
                r.amount,
                r.opened_at,
                r.usable_until,
                self.text(r.advice.upper() if r.to_discard else r.advice,
                          "cell_header" if r.to_discard else "cell"),
                f"{BOX} jeté   {BOX} conservé",
                "",
            ]
            for r in data.rows
        ]
        story.append(self.table(
            ["N°", "Produit", "Lot", "Reste", "Ouvert le", "Utilisable jusqu'au", "Conseil",
             "Fait", "Visa"],
            rows,
            (0.5, 3.0, 1.1, 0.9, 1.4, 1.4, 1.9, 1.6, 0.8),
            align_right=(3,),
        ))
        return story
