"""The fabrication sheet (kind `fabrication_sheet`, A4): what the preparer follows at the
isolator and the controller checks, black on white, the register number and the patient big,
on one page for an ordinary preparation.

The story is a function of the stored `SheetContent` only (documents_content.py): the day's
batch (documents_batch.py) lays the same sheets out."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer, Table, TableStyle

from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.documents.base import CELL_FONT, HEADER_GREY, HEADING_ROOM
from chemo_fallback.modules.fabrication.documents_barcode import Code128
from chemo_fallback.modules.fabrication.documents_content import VINCA_WARNING, SheetContent
from chemo_fallback.modules.fabrication.documents_text import Boxed, Look, Text, bold, plain

KIND = "fabrication_sheet"
BOX = "☐"
BLANK = "________________"
SHORT_BLANK = "____________"
PREPARER_CHECKS = (
    "Identité du patient vérifiée (nom, naissance, IPP)",
    "Flacons : produit, lot et péremption scannés",
    "Volumes prélevés conformes au calcul",
    "Solvant, volume et contenant conformes",
    "Étiquette posée, conforme à la fiche",
)
CONTROLLER_CHECKS = (
    "Masse mesurée dans les bornes (gravimétrie)",
    "Aspect limpide, sans particule, contenant intact",
    "Étiquette conforme à la fiche et à la prescription",
)

SMALL = plain(8, 9.5)
NUMBER = bold(30, 33)
PATIENT = bold(17, 20)
IDENTITY = bold(12, 14.5)
LINE = plain(9.5, 11.8)
DRUG = bold(16, 19, space_before=4)
WARNING = bold(12, 14.5, space_before=4)
STRONG = bold(10, 12.5)
STEP = plain(9.5, 11.6, hanging=12)
HEADING = bold(11.5, 14, space_before=5, space_after=1.5)
CELL = plain(9, 11)
CELL_RIGHT = Look(size=9, leading=11, align="right")
CELL_HEAD = bold(9, 11)


def _heading(text: str) -> list[Flowable]:
    return [CondPageBreak(HEADING_ROOM), Text(text, HEADING)]


def _grid(
    rows: Sequence[Sequence[Flowable | list]], widths: Sequence[float], style: list
) -> Table:
    grid = Table([list(r) for r in rows], colWidths=list(widths))
    grid.setStyle(TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP"), *style]))
    return grid


def _top(r: DocumentRenderer, c: SheetContent) -> Table:
    width = r.frame_width
    number = [Text("N° d'ordonnancier", SMALL), Text(str(c.register_no), NUMBER)]
    code = Code128(c.preparation_id, 62 * mm, 15 * mm, text_size=9)
    when = [Text("Préparation", SMALL), Text(c.preparation_id, STRONG), Text(c.printed_for, SMALL)]
    return _grid(
        [[number, code, when]],
        [width * 0.3, width * 0.42, width * 0.28],
        [
            ("BOX", (0, 0), (-1, -1), 1.4, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 0), (1, 0), "CENTER"),
        ],
    )


def _vials(r: DocumentRenderer, c: SheetContent) -> Table:
    write = Spacer(1, 5 * mm)  # room to write by hand
    head = [Text(h, CELL_HEAD) for h in
            ("Produit", "Flacon", "À prélever", "Volume", "Lot", "Péremption")]
    rows = [
        [
            Text(v.product + (f"\n{v.preparation}" if v.preparation else ""), CELL),
            Text(v.kind, CELL),
            Text(v.drawn, CELL_RIGHT),
            Text(v.volume, CELL_RIGHT),
            Text(v.lot, CELL) if v.lot else write,
            write,
        ]
        for v in c.vials
    ]
    weights = (4.9, 0.95, 1.35, 1.05, 1.45, 1.5)
    total = sum(weights)
    return _grid(
        [head, *rows],
        [r.frame_width * w / total for w in weights],
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ],
    )


def _checks(r: DocumentRenderer, c: SheetContent) -> Table:
    """What the preparer writes down, next to the values to compare with."""
    half = r.frame_width / 2
    return _grid(
        [
            [
                Text(f"Solvant : {c.diluent} — {c.diluent_volume} — {c.dilution_mode}", CELL),
                Text(f"Lot du solvant : {BLANK}   Péremption : {SHORT_BLANK}", CELL),
            ],
            [
                Text(f"Volume final : {c.final_volume} — concentration finale "
                     f"{c.final_concentration} (plage {c.concentration_range})", CELL),
                Text(f"Masse mesurée : {BLANK} g (cible {c.target_mass}, {c.mass_bounds})",
                     CELL),
            ],
        ],
        [half, half],
        [("GRID", (0, 0), (-1, -1), 0.5, colors.black)],
    )


def _signatures(r: DocumentRenderer) -> Table:
    def column(title: str, checks: tuple[str, ...]) -> list[Flowable]:
        return [
            Text(title, STRONG),
            *[Text(f"{BOX} {check}", LINE) for check in checks],
            Spacer(1, 1.5 * mm),
            Text(f"Nom : {SHORT_BLANK}   Date, heure : {SHORT_BLANK}", LINE),
            Text("Signature :", LINE),
            Spacer(1, 7 * mm),
        ]

    half = r.frame_width / 2
    return _grid(
        [[column("Préparateur", PREPARER_CHECKS), column("Contrôleur", CONTROLLER_CHECKS)]],
        [half, half],
        [("GRID", (0, 0), (-1, -1), 0.8, colors.black)],
    )


def sheet_story(r: DocumentRenderer, c: SheetContent) -> list[Flowable]:
    story: list[Flowable] = [
        _top(r, c),
        Spacer(1, 2 * mm),
        Text(c.patient_name, PATIENT),
        Text(f"{c.patient_born} — IPP {c.patient_id}", IDENTITY),
        Text(f"Unité : {c.ward} — prescripteur : {c.prescriber}", LINE),
        Text(f"Prescription {c.prescription}", LINE),
    ]
    if VINCA_WARNING in c.warnings:
        story.append(Boxed(VINCA_WARNING, WARNING, line_width=1.8))
    keeping = " — ".join(
        [f"Péremption : {c.expiry}", c.storage, *(w for w in c.warnings if w != VINCA_WARNING)]
    )
    story += [
        Text(f"{c.drug_inn} — {c.dose}", DRUG),
        Text(f"Produit{'s' if len(c.products) > 1 else ''} : {' ; '.join(c.products)}", LINE),
        Text(f"{c.route}, durée {c.duration} — contenant : {c.container}", LINE),
        Spacer(1, 1.5 * mm),
        Boxed(keeping, STRONG),
        *_heading("Calcul"),
        *[Text(f"{n}. {step}", STEP) for n, step in enumerate(c.calculation, start=1)],
        *_heading("Flacons (lot et péremption : scanner ou noter)"),
        _vials(r, c),
        Spacer(1, 2 * mm),
        _checks(r, c),
    ]
    if c.remainder:
        story.append(Text(c.remainder, plain(9.5, 11.8, space_before=2)))
    if c.notes:
        story += _heading("Points d'attention")
        story += [Text(f"• {note}", plain(9, 11, hanging=8)) for note in c.notes]
    story += [Spacer(1, 3 * mm), KeepTogether([_signatures(r)])]
    return story


def sheet_patient_line(c: SheetContent) -> str:
    return f"{c.patient_name} — {c.patient_born} — IPP {c.patient_id}"


def sheet_title(c: SheetContent) -> str:
    return f"Fiche de fabrication n° {c.register_no}"


@register_document
class FabricationSheetDocument(DocumentRenderer):
    kind = KIND
    title = "Fiche de fabrication"
    model = SheetContent
    margins_mm = (14, 14, 20, 17)

    def document_title(self, data: SheetContent) -> str:
        return sheet_title(data)

    def patient_line(self, data: SheetContent) -> str:
        return sheet_patient_line(data)

    def story(self, data: SheetContent) -> list[Flowable]:
        return sheet_story(self, data)
