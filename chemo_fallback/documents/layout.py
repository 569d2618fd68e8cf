"""What every printed page carries, drawn from stored data only: the header (title,
establishment, patient), the footer (print line, document number, "Page x sur y") and the demo
mark. Nothing here reads the clock, so a reprint draws the same page."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from chemo_fallback.documents.typefaces import MONO, SANS, SANS_BOLD, register_fonts

DEMO_MARK = "DÉMO — données fictives"
MIN_HEADER_SIZE = 6.5  # smaller than this is unreadable on a photocopy: cut with "…" instead


class PrintHeader(BaseModel):
    """The part of a stored document every page shows; fixed when the document is first printed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_number: str
    title: str
    establishment: str
    patient_line: str | None = None
    printed_at: datetime
    printed_by_name: str
    printed_by_role: str
    demo: bool = False
    # The audit trail's head when first printed ("n° 57 · 3f9a1c2e"): a page on a desk
    # anchors the trail too (audit_anchor). None on documents printed before it was shown.
    audit_head: str | None = None

    def print_line(self) -> str:
        return (
            f"Imprimé le {self.printed_at:%d/%m/%Y à %H:%M} par {self.printed_by_name} "
            f"({self.printed_by_role})"
        )


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    normal: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle  # numbers: units line up
    cell_header: ParagraphStyle
    warning: ParagraphStyle
    mono: ParagraphStyle


@functools.cache
def styles() -> Styles:
    register_fonts()
    normal = ParagraphStyle(
        "normal", fontName=SANS, fontSize=10, leading=13, alignment=TA_LEFT, spaceAfter=4
    )
    cell = ParagraphStyle("cell", parent=normal, fontSize=9, leading=11, spaceAfter=0)
    return Styles(
        title=ParagraphStyle(
            "title", parent=normal, fontName=SANS_BOLD, fontSize=16, leading=20, spaceAfter=8
        ),
        heading=ParagraphStyle(
            "heading",
            parent=normal,
            fontName=SANS_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
        ),
        normal=normal,
        small=ParagraphStyle("small", parent=normal, fontSize=8, leading=10, spaceAfter=2),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        cell_header=ParagraphStyle(
            "cell_header", parent=normal, fontName=SANS_BOLD, fontSize=9, leading=11, spaceAfter=0
        ),
        warning=ParagraphStyle(
            "warning",
            parent=normal,
            fontName=SANS_BOLD,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor("#a00000"),  # dark red stays dark on a grey photocopy
        ),
        mono=ParagraphStyle("mono", parent=normal, fontName=MONO, fontSize=9, leading=11),
    )


def _fit(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """Shrink the text to the width, then cut it: a header line never runs over another."""
    while size > MIN_HEADER_SIZE and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


class NumberedCanvas(canvas.Canvas):
    """Keeps every page until the end, then draws header and footer knowing the page count."""

    def __init__(self, *args, header: PrintHeader, margins_mm: tuple[float, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self._header = header
        self._margins = margins_mm
        self._saved_pages: list[dict] = []
        stamp = f"D:{header.printed_at:%Y%m%d%H%M%S}"
        self.setDateFormatter(lambda *_ignored: stamp)  # the first print's date, not today's

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for number, page in enumerate(self._saved_pages, start=1):
            self.__dict__.update(page)
            self._draw_frame(number, total)
            super().showPage()
        super().save()

    def _draw_frame(self, number: int, total: int) -> None:
        h = self._header
        page_width, page_height = self._pagesize
        left, right = self._margins[0] * mm, page_width - self._margins[1] * mm
        width = right - left
        self.saveState()
        top = page_height - 10 * mm
        title, size = _fit(h.title, SANS_BOLD, 11, width * 0.52)
        self.setFont(SANS_BOLD, size)
        self.drawString(left, top, title)
        establishment, size = _fit(h.establishment, SANS, 8, width * 0.46)
        self.setFont(SANS, size)
        self.drawRightString(right, top, establishment)
        second = top - 5 * mm
        if h.demo:
            self.setFont(SANS_BOLD, 9)
            self.setFillColor(colors.HexColor("#a00000"))
            self.drawRightString(right, second, DEMO_MARK)
            self.setFillColor(colors.black)
        if h.patient_line:
            room = width - (stringWidth(DEMO_MARK, SANS_BOLD, 9) + 4 * mm if h.demo else 0)
            patient, size = _fit(h.patient_line, SANS_BOLD, 9.5, room)
            self.setFont(SANS_BOLD, size)
            self.drawString(left, second, patient)
        self.setLineWidth(0.6)
        self.line(left, second - 2.5 * mm, right, second - 2.5 * mm)
        bottom = 9 * mm
        self.line(left, bottom + 4 * mm, right, bottom + 4 * mm)
        line, size = _fit(h.print_line(), SANS, 8, width * 0.8)
        self.setFont(SANS, size)
        self.drawString(left, bottom, line)
        self.setFont(SANS_BOLD, 8)
        self.drawRightString(right, bottom, f"Page {number} sur {total}")
        self.setFont(SANS, 7)
        trail = f" — piste d'audit {h.audit_head}" if h.audit_head else ""
        self.drawString(
            left, bottom - 4 * mm,
            f"Document n° {h.document_number} — chemo-fallback (secours){trail}",
        )
        self.restoreState()


def draw_demo_watermark(canv: canvas.Canvas, header: PrintHeader) -> None:
    """A light diagonal mark, drawn before the page's content so it never hides a dose."""
    if not header.demo:
        return
    page_width, page_height = canv._pagesize
    canv.saveState()
    canv.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.18))
    canv.setFont(SANS_BOLD, 54 if page_width < page_height else 64)
    canv.translate(page_width / 2, page_height / 2)
    canv.rotate(35)
    canv.drawCentredString(0, 0, DEMO_MARK)
    canv.restoreState()
