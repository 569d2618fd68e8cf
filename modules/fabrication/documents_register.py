"""The register of preparations (ordonnancier, CSP R5125-45) for a period: the PDF (kind
`fabrication_register`, A4 landscape, the audit trail's head on every page's foot) and the CSV
(UTF-8 with BOM, `;`, every cell neutralised against formulas: a lot typed as
`=HYPERLINK(…)` stays text in a spreadsheet).

One row per entry, in register order: number, date and time, prescriber, patient, the whole
composition with quantities, the lot, expiry and supplier of each vial and of the diluent,
preparer, controller, status (and the entry it replaces, for a correction)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from reportlab.platypus import Flowable

from chemo_fallback import french
from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.spreadsheet import safe_row

KIND = "fabrication_register"
CSV_HEADERS = (
    "n° d'ordonnancier",
    "identifiant de la préparation",
    "date et heure",
    "prescripteur",
    "patient",
    "IPP",
    "médicament",
    "dose",
    "unité",
    "composition",
    "produits",
    "lots",
    "péremptions",
    "fournisseurs",
    "solvant",
    "lot du solvant",
    "préparateur",
    "contrôleur",
    "statut",
    "remplace le n°",
)


class RegisterRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: str
    moment: str
    prescriber: str
    patient: str
    composition: str
    lots: str
    preparer: str
    controller: str
    status: str


class RegisterContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    first: date
    last: date
    rows: list[RegisterRow]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _expiry(value: Any) -> str:
    if isinstance(value, date | datetime):
        return french.day(value)
    return _text(value)


def _lot_text(lot: dict) -> str:
    parts = [f"lot {_text(lot.get('lot')) or 'non renseigné'}"]
    if lot.get("expiry"):
        parts.append(f"pér. {_expiry(lot.get('expiry'))}")
    parts.append(f"fournisseur {_text(lot.get('supplier')) or 'non renseigné'}")
    return f"{_text(lot.get('product'))} : {', '.join(parts)}"


def _dose(entry: dict) -> str:
    return french.dose(entry.get("dose"), entry.get("dose_unit"))


def register_row(entry: dict) -> RegisterRow:
    lots = [_lot_text(lot) for lot in entry.get("lots") or []]
    diluent_lot = entry.get("diluent_lot")
    if entry.get("diluent"):
        lots.append(f"Solvant {entry['diluent']} : lot {_text(diluent_lot) or 'non renseigné'}")
    status = _text(entry.get("status_label"))
    if entry.get("replaces_register_no"):
        status += f" (remplace le n° {entry['replaces_register_no']})"
    # the entry's composition already starts with the drug and its dose and ends with the
    # diluent and its volume (register.entry_of)
    composition = list(map(_text, entry.get("composition") or [])) or [
        f"{_text(entry.get('drug_inn'))} {_dose(entry)}"]
    return RegisterRow(
        number=_text(entry.get("register_no")),
        moment=french.moment(entry.get("created_at")),
        prescriber=_text(entry.get("prescriber_name")),
        patient=f"{_text(entry.get('patient_name'))}\nIPP {_text(entry.get('patient_id'))}",
        composition="\n".join(composition),
        lots="\n".join(lots) or "aucun lot enregistré",
        preparer=_text(entry.get("preparer")) or "—",
        controller=_text(entry.get("controller")) or "—",
        status=status or "—",
    )


def register_content(entries: list[dict], first: date, last: date) -> RegisterContent:
    """The register of `first`…`last`, in register order."""
    ordered = sorted(entries, key=lambda e: int(e["register_no"]))
    return RegisterContent(first=first, last=last, rows=[register_row(e) for e in ordered])


def _csv_number(value: Any) -> str:
    """A dose a French spreadsheet reads as a number: decimal comma, no grouping space."""
    return "" if value is None else french.format_dose_fr(float(value)).replace(french.NBSP, "")


def register_csv(entries: list[dict]) -> bytes:
    """The register as a spreadsheet file, one line per entry; multi-valued cells (one value
    per vial, in the same order) are joined with " | "."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for entry in sorted(entries, key=lambda e: int(e["register_no"])):
        lots = entry.get("lots") or []
        writer.writerow(safe_row([
            _text(entry.get("register_no")),
            _text(entry.get("preparation_id")),
            french.moment(entry.get("created_at")),
            _text(entry.get("prescriber_name")),
            _text(entry.get("patient_name")),
            _text(entry.get("patient_id")),
            _text(entry.get("drug_inn")),
            _csv_number(entry.get("dose")),
            _text(entry.get("dose_unit")),
            " | ".join(map(_text, entry.get("composition") or [])),
            " | ".join(_text(lot.get("product")) for lot in lots),
            " | ".join(_text(lot.get("lot")) for lot in lots),
            " | ".join(_expiry(lot.get("expiry")) for lot in lots),
            " | ".join(_text(lot.get("supplier")) for lot in lots),
            _text(entry.get("diluent")),
            _text(entry.get("diluent_lot")),
            _text(entry.get("preparer")),
            _text(entry.get("controller")),
            _text(entry.get("status_label")),
            _text(entry.get("replaces_register_no")),
        ]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@register_document
class FabricationRegisterDocument(DocumentRenderer):
    kind = KIND
    title = "Ordonnancier des préparations"
    model = RegisterContent
    landscape = True
    margins_mm = (12, 12, 22, 18)

    def document_title(self, data: RegisterContent) -> str:
        return (
            f"Ordonnancier des préparations du {french.day(data.first)} au "
            f"{french.day(data.last)}"
        )

    def story(self, data: RegisterContent) -> list[Flowable]:
        count = len(data.rows)
        story: list[Flowable] = [
            self.text(self.document_title(data), "title"),
            self.text(
                f"{count} préparation{'s' if count > 1 else ''} enregistrée"
                f"{'s' if count > 1 else ''} sur la période, dans l'ordre de l'ordonnancier. "
                "Une entrée n'est jamais modifiée après le contrôle : une correction est une "
                "nouvelle entrée qui remplace l'ancienne."
            ),
        ]
        if not data.rows:
            story.append(self.warning("Aucune préparation sur la période."))
            return story
        small = "small"  # nine columns across the page: 8 points
        rows = [
            [
                self.text(r.number, "cell_header"),
                self.text(r.moment, small),
                self.text(r.prescriber, small),
                self.text(r.patient, small),
                self.text(r.composition, small),
                self.text(r.lots, small),
                self.text(r.preparer, small),
                self.text(r.controller, small),
                self.text(r.status, small),
            ]
            for r in data.rows
        ]
        story.append(self.table(
            ["N°", "Date et heure", "Prescripteur", "Patient", "Composition",
             "Lots et fournisseurs", "Préparateur", "Contrôleur", "Statut"],
            rows,
            (1.05, 1.3, 1.5, 1.6, 2.6, 2.95, 1.55, 1.5, 1.15),
        ))
        return story
