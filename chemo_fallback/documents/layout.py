"""What every printed page carries, drawn from stored data only: the header (title,
establishment, patient), the footer (print line, document number, "Page x sur y"), the demo
mark and, on a reprint, the DUPLICATA mark. Nothing here reads the clock, so a reprint draws the
same page (plus its mark)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable

from chemo_fallback.documents.typefaces import MONO, SANS, SANS_BOLD, register_fonts

DEMO_MARK = "DÉMO — données fictives"
DUPLICATA_MARK = "DUPLICATA"
DUPLICATA_BANNER = "DUPLICATA — réimpression d'un document déjà imprimé"
MARK_RED = colors.HexColor("#a00000")  # dark red stays dark on a grey photocopy
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
            textColor=MARK_RED,
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


class PageHeading(Flowable):
    """Takes no room; from the page it lands on, the header shows this title and patient line
    instead of the document's (a day's batch: each sheet names its own patient)."""

    def __init__(self, title: str | None, patient_line: str | None) -> None:
        super().__init__()
        self.title, self.patient_line = title, patient_line

    def wrap(self, *_available) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.page_title = self.title
        self.canv.page_patient_line = self.patient_line


def bare_page(canv: canvas.Canvas) -> None:
    """For a page template's onPage: this page (a label) gets no header nor footer."""
    canv.page_bare = True


def framed_page(canv: canvas.Canvas) -> None:
    canv.page_bare = False


class NumberedCanvas(canvas.Canvas):
    """Keeps every page until the end, then draws header and footer knowing the page count.

    Per page (attributes kept with the page): `page_bare` (a label: no header nor footer, not
    counted in "Page x sur y"), `page_title` / `page_patient_line` (see PageHeading). With
    `duplicata`, every page also gets the DUPLICATA mark: a reprint is the first print plus
    the mark, and nothing else."""

    def __init__(
        self,
        *args,
        header: PrintHeader,
        margins_mm: tuple[float, ...],
        duplicata: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self._header = header
        self._margins = margins_mm
        self._duplicata = duplicata
        self._saved_pages: list[dict] = []
        self.page_bare = False
        self.page_title: str | None = None
        self.page_patient_line: str | None = None
        stamp = f"D:{header.printed_at:%Y%m%d%H%M%S}"
        self.setDateFormatter(lambda *_ignored: stamp)  # the first print's date, not today's

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = sum(1 for page in self._saved_pages if not page["page_bare"])
        number = 0
        for page in self._saved_pages:
            self.__dict__.update(page)
            if not self.page_bare:
                number += 1
                self._draw_frame(number, total)
            if self._duplicata:
                draw_duplicata(self, banner=not self.page_bare)
            super().showPage()
        super().save()

    def _draw_frame(self, number: int, total: int) -> None:
        h = self._header
        title_text = self.page_title or h.title
        patient_line = self.page_patient_line or h.patient_line
        page_width, page_height = self._pagesize
        left, right = self._margins[0] * mm, page_width - self._margins[1] * mm
        width = right - left
        self.saveState()
        top = page_height - 10 * mm
        title, size = _fit(title_text, SANS_BOLD, 11, width * 0.52)
        self.setFont(SANS_BOLD, size)
        self.drawString(left, top, title)
        establishment, size = _fit(h.establishment, SANS, 8, width * 0.46)
        self.setFont(SANS, size)
        self.drawRightString(right, top, establishment)
        second = top - 5 * mm
        if h.demo:
            self.setFont(SANS_BOLD, 9)
            self.setFillColor(MARK_RED)
            self.drawRightString(right, second, DEMO_MARK)
            self.setFillColor(colors.black)
        if patient_line:
            room = width - (stringWidth(DEMO_MARK, SANS_BOLD, 9) + 4 * mm if h.demo else 0)
            patient, size = _fit(patient_line, SANS_BOLD, 9.5, room)
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
    size, angle = (54, 35) if page_width < page_height else (64, 35)
    if min(page_width, page_height) < 150 * mm:  # a label: the mark along its diagonal
        diagonal = math.hypot(page_width, page_height)
        size = 0.8 * diagonal / stringWidth(DEMO_MARK, SANS_BOLD, 1)
        angle = math.degrees(math.atan2(page_height, page_width))
    canv.saveState()
    canv.setFillColor(colors.Color(0.6, 0.6, 0.6, alpha=0.18))
    canv.setFont(SANS_BOLD, size)
    canv.translate(page_width / 2, page_height / 2)
    canv.rotate(angle)
    canv.drawCentredString(0, 0, DEMO_MARK)
    canv.restoreState()


def draw_duplicata(canv: canvas.Canvas, *, banner: bool) -> None:
    """The reprint's mark: big hollow letters across the page, over the content but see-through
    (nothing printed is hidden), and on a page with a header a boxed banner above it."""
    page_width, page_height = canv._pagesize
    diagonal = math.hypot(page_width, page_height)
    size = min(120.0, 0.62 * diagonal / stringWidth(DUPLICATA_MARK, SANS_BOLD, 1))
    canv.saveState()
    canv.setFillColor(colors.Color(0.63, 0, 0, alpha=0.14))
    canv.setStrokeColor(colors.Color(0.63, 0, 0, alpha=0.6))
    canv.setLineWidth(max(0.4, size / 60))
    canv.translate(page_width / 2, page_height / 2)
    canv.rotate(math.degrees(math.atan2(page_height, page_width)))
    mark = canv.beginText()
    mark.setTextRenderMode(2)  # fill and stroke: hollow-looking letters that still read
    mark.setFont(SANS_BOLD, size)
    mark.setTextOrigin(-stringWidth(DUPLICATA_MARK, SANS_BOLD, size) / 2, -size * 0.35)
    mark.textOut(DUPLICATA_MARK)
    canv.drawText(mark)
    canv.restoreState()
    if not banner:
        return
    # in the top margin, above the header's title (whose letters start 7 mm from the top)
    canv.saveState()
    text_width = stringWidth(DUPLICATA_BANNER, SANS_BOLD, 7.5)
    box_width, box_height = text_width + 5 * mm, 4.2 * mm
    x, y = (page_width - box_width) / 2, page_height - 2.4 * mm - box_height
    canv.setFillColor(colors.white)
    canv.setStrokeColor(MARK_RED)
    canv.setLineWidth(1)
    canv.rect(x, y, box_width, box_height, stroke=1, fill=1)
    canv.setFillColor(MARK_RED)
    canv.setFont(SANS_BOLD, 7.5)
    canv.drawCentredString(page_width / 2, y + 1.3 * mm, DUPLICATA_BANNER)
    canv.restoreState()
