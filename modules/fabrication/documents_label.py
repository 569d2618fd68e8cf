"""The preparation label (kind `fabrication_label`): one label page of the site's size (default
100 × 50 mm), black on white, with every mention French rules ask of a hospital preparation.

Nothing is ever left out to make it fit: the whole text is laid out at the largest size at which
it fits, down to MIN_SIZE; below that the label is refused (`label_too_small`) before anything
is printed, with what to change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from chemo_fallback import french
from chemo_fallback.documents import DocumentRenderer, register_document
from chemo_fallback.documents.layout import bare_page, draw_demo_watermark
from chemo_fallback.documents.typefaces import SANS, SANS_BOLD, register_fonts
from chemo_fallback.modules.fabrication.dilution import diluent_label
from chemo_fallback.modules.fabrication.documents_barcode import draw_code128, min_width
from chemo_fallback.modules.fabrication.documents_content import (
    LabelContent,
    concentration,
    ml,
    patient_name,
    refuse_blocked,
    route_text,
    ward_of,
    warnings_of,
)
from chemo_fallback.modules.fabrication.documents_text import split_lines, width_of
from chemo_fallback.modules.fabrication.models import (
    CONTAINER_LABELS,
    FabricationError,
    PreparationPlan,
)
from chemo_fallback.modules.prescription.wording import duration_text
from chemo_fallback.patients.models import PatientIdentity
from chemo_fallback.site_settings import SiteSettings

KIND = "fabrication_label"
MARGIN_MM = 2.5
MAX_SIZE = 10.0  # the base text size when there is room; names and numbers are larger
MIN_SIZE = 5.0  # smaller cannot be read at the bedside: the label is refused instead
STEP = 0.25
LEADING = 1.17
BAR_HEIGHT_MM = 7.0


@dataclass(frozen=True)
class Block:
    lines: tuple[str, ...]
    font: str
    size: float
    boxed: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING + (2.4 if self.boxed else 0)


@dataclass(frozen=True)
class Layout:
    size: float
    blocks: tuple[Block, ...]
    band_height: float
    barcode_width: float
    pharmacy: Block

    @property
    def height(self) -> float:
        return sum(b.height for b in self.blocks) + self.band_height + self.pharmacy.height + 2


def _block(text: str, font: str, size: float, width: float, boxed: bool = False) -> Block:
    room = width - (4 if boxed else 0)
    return Block(tuple(split_lines(text, font, size, room)), font, size, boxed)


def _layout(c: LabelContent, size: float, width: float) -> Layout:
    register_fonts()
    blocks = [
        _block(c.patient_name, SANS_BOLD, size * 1.3, width),
        _block(f"{c.patient_born} — IPP {c.patient_id}", SANS_BOLD, size, width),
        _block(f"Unité : {c.ward}", SANS, size, width),
        _block(c.drug, SANS_BOLD, size * 1.35, width),
        _block(f"{c.composition} — {c.volume}", SANS, size, width),
        _block(c.route, SANS, size, width),
    ]
    if c.warnings:  # one box, each warning on its own line(s)
        lines = [
            line
            for warning in c.warnings
            for line in _block(warning, SANS_BOLD, size * 1.05, width, boxed=True).lines
        ]
        blocks.append(Block(tuple(lines), SANS_BOLD, size * 1.05, boxed=True))
    blocks.append(_block(f"Péremption : {c.expiry} — {c.storage}", SANS_BOLD, size, width))
    number_size = size * 2.0
    band = max(BAR_HEIGHT_MM * mm + size * 0.9, number_size * 1.1 + size * 0.85 * LEADING) + 2
    barcode_width = max(min_width(c.preparation_id), width * 0.45)
    pharmacy = _block(
        f"{c.pharmacy_name} — {c.pharmacy_address}", SANS, size * 0.8, width
    )
    return Layout(size, tuple(blocks), band, barcode_width, pharmacy)


def _number_text(c: LabelContent) -> str:
    return f"N° {c.register_no}"


@functools.lru_cache(maxsize=1024)
def fit(c: LabelContent) -> Layout | None:
    """The layout at the largest size (a multiple of STEP) that fits, None when none does."""
    width = (c.width_mm - 2 * MARGIN_MM) * mm
    height = (c.height_mm - 2 * MARGIN_MM) * mm
    sizes = [MIN_SIZE + STEP * i for i in range(int((MAX_SIZE - MIN_SIZE) / STEP) + 1)]

    def fits(layout: Layout) -> bool:
        number_width = _number_width(c, layout.size)
        return (
            layout.height <= height
            and layout.barcode_width + number_width + 2 * mm <= width
        )

    low, high, best = 0, len(sizes) - 1, None
    while low <= high:  # the height grows with the size: bisection
        middle = (low + high) // 2
        layout = _layout(c, sizes[middle], width)
        if fits(layout):
            best, low = layout, middle + 1
        else:
            high = middle - 1
    return best


def _number_width(c: LabelContent, size: float) -> float:
    return max(
        width_of(_number_text(c), SANS_BOLD, size * 2.0),
        width_of(c.prepared, SANS, size * 0.85),
    )


def check_fits(c: LabelContent) -> None:
    if fit(c) is None:
        raise FabricationError(
            f"L'étiquette de la préparation {c.preparation_id} ne tient pas sur une étiquette "
            f"de {french.number(c.width_mm, 1)} × {french.number(c.height_mm, 1)} mm en "
            f"caractères lisibles (au moins {french.number(MIN_SIZE)} points) : rien n'a été "
            "imprimé. Faites agrandir l'étiquette "
            "(paramètres du site label_width_mm et label_height_mm) ou raccourcir l'adresse de "
            "la pharmacie (pharmacy_address).",
            code="label_too_small",
        )


def label_content(
    *,
    preparation: dict,
    plan: PreparationPlan,
    patient: PatientIdentity,
    prescription: dict,
    settings: SiteSettings,
) -> LabelContent:
    """The label of `preparation`, at the site's label size; refused like the sheet, and
    when its mentions cannot fit on one label at a readable size (`label_too_small`)."""
    preparation_id = str(preparation["preparation_id"])
    refuse_blocked(plan, preparation_id)
    unit = plan.dose_unit
    container = CONTAINER_LABELS.get(plan.container or "", plan.container or "")
    if plan.dilution_mode == "pure":
        composition = f"non dilué ({container})"
    elif plan.dilution_mode == "made_up":
        composition = f"dans {diluent_label(plan.diluent)} qsp {ml(plan.final_volume_ml)} " \
                      f"({container})"
    else:
        composition = (
            f"dans {diluent_label(plan.diluent)} {ml(plan.diluent_volume_ml)} ({container})"
        )
    duration = f" — en {duration_text(plan.duration_min)}" if plan.duration_min else ""
    content = LabelContent(
        preparation_id=preparation_id,
        register_no=int(preparation["register_no"]),
        patient_name=patient_name(patient),
        patient_born=f"{patient.born_word} le {french.day(patient.birth_date)}",
        patient_id=patient.patient_id,
        ward=ward_of(prescription, patient),
        drug=f"{plan.inn.upper()} {french.dose(plan.dose, unit)}",
        composition=composition,
        volume=(
            f"Volume total {ml(plan.final_volume_ml)} — "
            f"{concentration(plan.final_concentration, unit)}"
        ),
        route=route_text(plan.route) + duration,
        prepared=f"Préparée le {french.moment(plan.prepared_at)}",
        expiry=french.moment(plan.expires_at),
        storage=f"Conserver {plan.storage_label}",
        warnings=tuple(warnings_of(plan)),
        pharmacy_name=settings.pharmacy_name,
        pharmacy_address=settings.pharmacy_address,
        width_mm=settings.label_width_mm,
        height_mm=settings.label_height_mm,
    )
    check_fits(content)
    return content


class LabelBlock(Flowable):
    """The whole label, drawn on its own page from the top-left corner."""

    def __init__(self, content: LabelContent) -> None:
        super().__init__()
        self.content = content

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = available_width, available_height
        return available_width, available_height - 0.1

    def draw(self) -> None:
        c, canv = self.content, self.canv
        layout = fit(c)
        if layout is None:  # record_document renders before storing: nothing is recorded
            check_fits(c)
            return
        left = MARGIN_MM * mm
        width = self.width - 2 * left
        y = self.height - left
        canv.saveState()
        canv.setFillColorRGB(0, 0, 0)
        canv.setStrokeColorRGB(0, 0, 0)
        for block in layout.blocks:
            y = _draw_block(canv, block, left, y, width)
        y -= 1
        size = layout.size
        band_bottom = y - layout.band_height
        draw_code128(
            canv, c.preparation_id, left - 1.5 * mm, band_bottom + 1, layout.barcode_width,
            layout.band_height - 2, text_size=size * 0.9,
        )
        right = left + width
        canv.setFont(SANS_BOLD, size * 2.0)
        canv.drawRightString(right, y - size * 2.0, _number_text(c))
        canv.setFont(SANS, size * 0.85)
        canv.drawRightString(right, y - size * 2.0 - size * 0.85 * LEADING - 1, c.prepared)
        _draw_block(canv, layout.pharmacy, left, band_bottom - 1, width)
        canv.restoreState()


def _draw_block(canv, block: Block, left: float, top: float, width: float) -> float:
    """Draws the block's lines from `top` down; returns the y under it."""
    y = top - (1.2 if block.boxed else 0)
    canv.setFont(block.font, block.size)
    for line in block.lines:
        y -= block.size * LEADING
        canv.drawString(left + (2 if block.boxed else 0), y + block.size * 0.22, line)
    if block.boxed:
        canv.setLineWidth(0.8)
        canv.rect(left, y - 1.2, width, top - y + 1.2, stroke=1, fill=0)
        y -= 1.2
    return y


def label_page_template(content: LabelContent, header, template_id: str) -> PageTemplate:
    size = (content.width_mm * mm, content.height_mm * mm)
    frame = Frame(0, 0, *size, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                  id=f"{template_id}-frame")

    def on_page(canv, _doc) -> None:
        bare_page(canv)
        draw_demo_watermark(canv, header)

    return PageTemplate(id=template_id, frames=[frame], onPage=on_page, pagesize=size)


def label_template_id(content: LabelContent) -> str:
    return f"label-{content.width_mm:g}x{content.height_mm:g}"


@register_document
class FabricationLabelDocument(DocumentRenderer):
    kind = KIND
    title = "Étiquette de préparation"
    model = LabelContent
    margins_mm = (MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM)

    def document_title(self, data: LabelContent) -> str:
        return f"Étiquette de préparation n° {data.register_no}"

    def patient_line(self, data: LabelContent) -> str:
        return f"{data.patient_name} — {data.patient_born} — IPP {data.patient_id}"

    def story(self, data: LabelContent) -> list[Flowable]:
        return [LabelBlock(data)]

    def doc_template(self, buffer, header, data: LabelContent):
        settings = self.doc_settings(header)
        settings["pagesize"] = (data.width_mm * mm, data.height_mm * mm)
        template = label_page_template(data, header, label_template_id(data))
        return BaseDocTemplate(buffer, pageTemplates=[template], **settings)

    def build(self, doc, header, data, canvasmaker) -> None:
        doc.build(self.story(data), canvasmaker=canvasmaker)
