"""The base of every printed document (after pretix's BaseReportlabInvoiceRenderer).

A concrete document is a subclass declaring `kind`, `title`, its pydantic `model`, and
`story(data)`; it is registered with `@register_document`. The PDF is rendered only from a
`PrintHeader` and the validated model, with reportlab's invariant mode and the first print's
date as creation date: the same stored data always gives the same bytes.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from typing import ClassVar
from xml.sax.saxutils import escape

from pydantic import BaseModel
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from chemo_fallback.documents.layout import (
    NumberedCanvas,
    PrintHeader,
    Styles,
    draw_demo_watermark,
    styles,
)
from chemo_fallback.documents.typefaces import SANS
from chemo_fallback.errors import ChemoFallbackError
from chemo_fallback.french import format_dose_fr, format_number_fr

__all__ = [
    "DocumentError",
    "DocumentRenderer",
    "date_fr",
    "datetime_fr",
    "format_dose_fr",
    "format_number_fr",
    "register_document",
    "renderer_for",
]

HEADER_GREY = colors.HexColor("#e4e4e4")
# Cells hold Paragraphs, but reportlab still selects the cell font (Helvetica by default).
CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), SANS)
HEADING_ROOM = 30 * mm  # less room than this left on the page: the heading starts the next


class DocumentError(ChemoFallbackError):
    """A document cannot be printed or reprinted; the message is for the user."""


def date_fr(value: date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def datetime_fr(value: datetime | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y à %H:%M}"


def slug(text: str) -> str:
    """An accent-free file name part: "Fiche de fabrication" → "fiche-de-fabrication"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "document"


class DocumentRenderer:
    """Subclass contract: `kind`, `title`, `model`, `story(data)`; optionally `patient_line`,
    `document_title`, `landscape`, `margins_mm`."""

    kind: ClassVar[str]
    title: ClassVar[str]  # French, e.g. "Fiche de fabrication"
    model: ClassVar[type[BaseModel]]
    landscape: ClassVar[bool] = False
    # left, right, top, bottom; top and bottom leave room for the header and footer
    margins_mm: ClassVar[tuple[float, float, float, float]] = (15, 15, 24, 18)

    # --- what a subclass provides -------------------------------------------------------------
    def story(self, data: BaseModel) -> list[Flowable]:
        raise NotImplementedError

    def document_title(self, data: BaseModel) -> str:
        return self.title

    def patient_line(self, data: BaseModel) -> str | None:
        """The patient's identity on every page, when the document concerns one patient."""
        return None

    # --- rendering ----------------------------------------------------------------------------
    @property
    def pagesize(self) -> tuple[float, float]:
        return landscape(A4) if self.landscape else A4

    @property
    def frame_width(self) -> float:
        """Usable width in points, for tables and images."""
        left, right, _top, _bottom = self.margins_mm
        return self.pagesize[0] - (left + right) * mm

    @property
    def styles(self) -> Styles:
        return styles()

    def render(self, header: PrintHeader, data: BaseModel, *, duplicata: bool = False) -> bytes:
        """The PDF of `data`; with `duplicata` (a reprint), the same pages plus the DUPLICATA
        mark on each."""
        buffer = io.BytesIO()
        doc = self.doc_template(buffer, header, data)

        def canvasmaker(*args, **kwargs) -> NumberedCanvas:
            return NumberedCanvas(
                *args, header=header, margins_mm=self.margins_mm, duplicata=duplicata, **kwargs
            )

        self.build(doc, header, data, canvasmaker)
        return buffer.getvalue()

    def doc_settings(self, header: PrintHeader) -> dict:
        """What every document template is given: margins, metadata, invariant mode."""
        left, right, top, bottom = self.margins_mm
        return {
            "pagesize": self.pagesize,
            "leftMargin": left * mm,
            "rightMargin": right * mm,
            "topMargin": top * mm,
            "bottomMargin": bottom * mm,
            "title": header.title,
            "author": header.printed_by_name,
            "subject": f"Document n° {header.document_number}",
            "creator": "chemo-fallback",
            "invariant": 1,  # no random file id, no current date in the PDF
            "initialFontName": SANS,  # not Helvetica, which a fresh machine would substitute
        }

    def doc_template(self, buffer: io.BytesIO, header: PrintHeader, data: BaseModel):
        """One page size for the whole document; a document with several (a day's batch of
        sheets and labels) returns a BaseDocTemplate with its page templates."""
        return SimpleDocTemplate(buffer, **self.doc_settings(header))

    def build(self, doc, header: PrintHeader, data: BaseModel, canvasmaker) -> None:
        def on_page(canv, _doc) -> None:
            draw_demo_watermark(canv, header)

        doc.build(
            self.story(data),
            onFirstPage=on_page,
            onLaterPages=on_page,
            canvasmaker=canvasmaker,
        )

    def filename(self, header: PrintHeader) -> str:
        return f"{slug(header.title)}-{header.document_number}.pdf"

    # --- helpers for stories ------------------------------------------------------------------
    def text(self, value: str, style: str = "normal") -> Paragraph:
        """Plain text (escaped: a "<" in a drug name must not break the markup), line breaks
        kept."""
        return Paragraph(escape(value).replace("\n", "<br/>"), getattr(self.styles, style))

    def heading(self, value: str) -> list[Flowable]:
        """A section title that never ends a page alone: `story += self.heading("Lignes")`.

        (A heading style with keepWithNext would push a long table whole to the next page.)"""
        return [CondPageBreak(HEADING_ROOM), self.text(value, "heading")]

    def warning(self, value: str) -> Table:
        """A boxed warning in bold, seen even on a hurried read."""
        box = Table([[self.text(value, "warning")]], colWidths=[self.frame_width])
        box.setStyle(
            TableStyle(
                [
                    CELL_FONT,
                    ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#a00000")),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return box

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str | Flowable]],
        widths: Sequence[float] | None = None,
        *,
        align_right: Sequence[int] = (),
    ) -> Table:
        """A grid whose header row repeats on every page and whose cells wrap words.

        `widths` are relative weights of the usable width; `align_right` lists the columns of
        numbers, right-aligned so that units line up."""
        weights = list(widths) if widths else [1.0] * len(headers)
        total = sum(weights)
        col_widths = [self.frame_width * w / total for w in weights]
        cell, right = self.styles.cell, self.styles.cell_right
        body = [
            [
                c
                if isinstance(c, Flowable)
                else Paragraph(escape(c), right if i in align_right else cell)
                for i, c in enumerate(row)
            ]
            for row in rows
        ]
        head = [Paragraph(escape(h), self.styles.cell_header) for h in headers]
        grid = Table([head, *body], colWidths=col_widths, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    CELL_FONT,
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_GREY),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return grid

    def key_values(self, pairs: Sequence[tuple[str, str]], label_weight: float = 0.3) -> Table:
        """Label / value lines without a grid (identity blocks, measurements)."""
        rows = [
            [self.text(label, "cell_header"), self.text(value, "cell")] for label, value in pairs
        ]
        width = self.frame_width
        grid = Table(rows, colWidths=[width * label_weight, width * (1 - label_weight)])
        grid.setStyle(TableStyle([CELL_FONT, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return grid


_REGISTRY: dict[str, type[DocumentRenderer]] = {}


def register_document(cls: type[DocumentRenderer]) -> type[DocumentRenderer]:
    """Class decorator: the renderer of its `kind`, found again when a stored copy is reprinted."""
    for attribute in ("kind", "title", "model"):
        if not getattr(cls, attribute, None):
            raise TypeError(f"{cls.__name__} must declare `{attribute}`")
    if not (isinstance(cls.model, type) and issubclass(cls.model, BaseModel)):
        raise TypeError(f"{cls.__name__}.model must be a pydantic model class")
    known = _REGISTRY.get(cls.kind)
    if known is not None and known.__qualname__ != cls.__qualname__:
        raise TypeError(f"document kind {cls.kind!r} is already declared by {known.__qualname__}")
    _REGISTRY[cls.kind] = cls
    return cls


def renderer_for(kind: str) -> DocumentRenderer:
    try:
        return _REGISTRY[kind]()
    except KeyError:
        raise DocumentError(
            f"Type de document inconnu « {kind} » : le module qui l'imprime n'est pas chargé. "
            "Prévenez l'administrateur."
        ) from None
