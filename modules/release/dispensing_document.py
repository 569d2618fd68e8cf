"""The delivery slip of a round (kind `dispensing_slip`, A4 landscape, French): the ward, the
day, the round, each preparation (patient's name, birth date and IPP; drug, dose, container;
register number; expiry; storage) with a box ticked on arrival, the times (scans, hand-over),
who hands over, who carries it, and lines for the receiver's name, time and signature.

The content is built once, in the hand-over's transaction, from the records (every value
already written the French way), stored by documents.store and rendered from it only: a
reprint is the same slip, marked DUPLICATA."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from chemo_fallback import french
from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.documents.base import CELL_FONT
from chemo_fallback.modules.release.dispensing import item_rows, round_row, ward_name
from chemo_fallback.modules.release.dispensing_reads import SLIP_KIND, describe

KIND = SLIP_KIND
BOX = "☐"
CHECK_ON_ARRIVAL = (
    "À l'arrivée dans le service : vérifiez chaque étiquette (patient, médicament, dose, "
    "péremption, aspect) et les conditions de conservation, cochez la case « Reçu », puis "
    "accusez réception dans l'application (page Réception : scan ou coche) ou signez ci-dessous."
)


class SlipRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    register_no: str
    preparation_id: str
    patient_name: str
    birth_date: str
    patient_id: str
    drug: str
    dose: str
    presentation: str
    expires_at: str
    storage: str
    scanned_at: str


class SlipContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    round_number: str
    label: str
    ward_id: str
    ward_name: str
    day: str
    created_at: str
    first_scan_at: str
    last_scan_at: str
    handed_over_at: str
    handed_over_by_name: str
    carried_by_name: str
    rows: list[SlipRow]


def slip_content(cur, round_id: int, handed_over_by_name: str) -> SlipContent:
    """The slip of a round just handed over, from the records of the caller's transaction."""
    row = round_row(cur, round_id)
    items = describe(cur, item_rows(cur, round_id))
    scans = sorted(i.scanned_at for i in items if i.scanned_at)
    return SlipContent(
        round_number=str(row["round_id"]), label=row["label"], ward_id=row["ward_id"],
        ward_name=ward_name(cur, row["ward_id"]), day=french.day(row["day"]),
        created_at=french.moment(row["created_at"]),
        first_scan_at=french.moment(scans[0]) if scans else "—",
        last_scan_at=french.moment(scans[-1]) if scans else "—",
        handed_over_at=french.moment(row["handed_over_at"]),
        handed_over_by_name=handed_over_by_name, carried_by_name=row["carried_by_name"],
        rows=[
            SlipRow(
                register_no=str(i.register_no), preparation_id=i.preparation_id,
                patient_name=i.patient_name, birth_date=french.day(i.birth_date),
                patient_id=i.patient_id, drug=i.drug, dose=i.dose, presentation=i.presentation,
                expires_at=french.moment(i.expires_at), storage=i.storage,
                scanned_at=french.moment(i.scanned_at),
            )
            for i in items
        ],
    )


@register_document
class DispensingSlipDocument(DocumentRenderer):
    kind = KIND
    title = "Bordereau de délivrance"
    model = SlipContent
    landscape = True
    margins_mm = (12, 12, 22, 18)

    def document_title(self, data: SlipContent) -> str:
        return f"Bordereau de délivrance — {data.ward_name} — {data.day} — {data.label}"

    def story(self, data: SlipContent) -> list[Flowable]:
        count = len(data.rows)
        story: list[Flowable] = [
            self.text("Bordereau de délivrance", "title"),
            self.text(f"{data.ward_name} — {data.day} — {data.label}", "heading"),
            self._facts(data, count),
            Spacer(1, 4),
            self.warning(CHECK_ON_ARRIVAL),
            Spacer(1, 4),
        ]
        rows = [
            [
                self.text(r.register_no, "cell_header"),
                self.text(f"{r.patient_name}\nné(e) le {r.birth_date}\nIPP {r.patient_id}",
                          "cell"),
                self.text(f"{r.drug.upper()} {r.dose}\n{r.presentation}", "cell"),
                r.expires_at,
                r.storage,
                r.preparation_id,
                f"{BOX} Reçu",
            ]
            for r in data.rows
        ]
        story.append(self.table(
            ["N° ordonnancier", "Patient", "Médicament, dose", "Péremption", "Conservation",
             "Étiquette", "À l'arrivée"],
            rows, (1.5, 2.6, 2.8, 1.4, 2.2, 1.2, 1.0),
        ))
        story.append(Spacer(1, 8))
        story.append(KeepTogether([self.text("Remise et réception", "heading"),
                                   self._signatures(data)]))
        return story

    def _facts(self, data: SlipContent, count: int) -> Table:
        """What, where and when, in two pairs of columns."""
        pairs = [
            ("Unité de soins", f"{data.ward_name} ({data.ward_id})", "Préparations",
             f"{count} préparation{'s' if count > 1 else ''}"),
            ("Jour", data.day, "Scannées", f"du {data.first_scan_at} au {data.last_scan_at}"),
            ("Tournée", f"{data.label} — n° {data.round_number}", "Tournée créée le",
             data.created_at),
            ("Remise", f"le {data.handed_over_at}", "Par",
             f"{data.handed_over_by_name} (pharmacie) à {data.carried_by_name}"),
        ]
        rows = [[self.text(a, "cell_header"), self.text(b, "cell"), self.text(c, "cell_header"),
                 self.text(d, "cell")] for a, b, c, d in pairs]
        width = self.frame_width
        grid = Table(rows, colWidths=[width * w for w in (0.14, 0.36, 0.14, 0.36)])
        grid.setStyle(TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid

    def _signatures(self, data: SlipContent) -> Table:
        """Three boxes: who hands over, who carries, who receives (name, time, signature)."""
        line = "______________________"
        cells = [
            f"Remis par (pharmacie)\n{data.handed_over_by_name}\nle {data.handed_over_at}\n\n"
            f"Signature : {line}",
            f"Emporté par\n{data.carried_by_name}\n\n\nSignature : {line}",
            f"Reçu dans le service par\nNom : {line}\nle ____/____/________ à ____ h ____\n\n"
            f"Signature : {line}",
        ]
        width = self.frame_width / 3
        grid = Table([[self.text(c, "cell") for c in cells]], colWidths=[width] * 3)
        grid.setStyle(TableStyle([
            CELL_FONT, ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
            ("INNERGRID", (0, 0), (-1, -1), 0.8, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]))
        return grid
