"""Plain text for the fabrication documents, laid out without reportlab's Paragraph markup
parser: the sheet's text is plain (no inline styles), and a day's batch of 300 sheets parses
some 17 000 paragraphs, which alone took more time than the 3 s budget of the whole batch.

`Text` wraps at spaces, keeps line breaks and draws each line with drawString; `Boxed` draws a
frame around a Text (warnings, expiry). Word widths are cached: reportlab measures TrueType
text in pure Python, and the same words come back on every sheet of a batch."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from chemo_fallback.documents.typefaces import SANS, SANS_BOLD, register_fonts


@dataclass(frozen=True)
class Look:
    font: str = SANS
    size: float = 10
    leading: float = 12.5
    hanging: float = 0  # lines after the first are indented by this (numbered steps)
    space_before: float = 0
    space_after: float = 1
    align: str = "left"  # left or right (numbers in a table)


def bold(size: float, leading: float | None = None, **more) -> Look:
    return Look(SANS_BOLD, size, leading or size * 1.2, **more)


def plain(size: float, leading: float | None = None, **more) -> Look:
    return Look(SANS, size, leading or size * 1.25, **more)


@functools.lru_cache(maxsize=65536)
def width_of(text: str, font: str, size: float) -> float:
    return stringWidth(text, font, size)


def split_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken at spaces into lines no wider than `width` (a word wider than the width
    stands alone on its line: it is never cut), its own line breaks kept."""
    space = width_of(" ", font, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if len(paragraph) <= 40 and width_of(paragraph, font, size) <= width:
            lines.append(paragraph)  # short lines repeat from sheet to sheet: one look-up
            continue
        line: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            needed = width_of(word, font, size)
            if line and used + space + needed > width:
                lines.append(" ".join(line))
                line, used = [word], needed
            else:
                used += (space if line else 0) + needed
                line.append(word)
        lines.append(" ".join(line))
    return lines


class Text(Flowable):
    def __init__(self, text: str, look: Look) -> None:
        super().__init__()
        register_fonts()
        self.text, self.look = text, look
        self.spaceBefore, self.spaceAfter = look.space_before, look.space_after
        self.lines: list[str] = []

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        look = self.look
        self.width = available_width
        self.lines = split_lines(self.text, look.font, look.size, available_width - look.hanging)
        self.height = len(self.lines) * look.leading
        return available_width, self.height

    def draw(self) -> None:
        look, canv = self.look, self.canv
        top = self.height - look.size  # the first baseline, as a Paragraph places it
        if look.align == "right":
            canv.setFont(look.font, look.size)
            for index, line in enumerate(self.lines):
                width = width_of(line, look.font, look.size)
                canv.drawString(self.width - width, top - index * look.leading, line)
            return
        # one text object for all the lines: a batch draws some 30 000 lines
        text = canv.beginText(0, top)
        text.setFont(look.font, look.size, look.leading)
        for index, line in enumerate(self.lines):
            text.textLine(line)
            if index == 0 and look.hanging:
                text.moveCursor(look.hanging, 0)
        canv.drawText(text)


class Boxed(Flowable):
    """A Text in a black frame, the full width of the frame it is placed in."""

    PADDING = 4

    def __init__(self, text: str, look: Look, line_width: float = 1.0) -> None:
        super().__init__()
        self.inner = Text(text, look)
        self.line_width = line_width
        self.spaceBefore, self.spaceAfter = look.space_before, look.space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        pad = self.PADDING
        _w, h = self.inner.wrap(available_width - 2 * pad, available_height)
        self.width, self.height = available_width, h + 2 * pad - 1
        return self.width, self.height

    def draw(self) -> None:
        canv = self.canv
        canv.saveState()
        canv.setLineWidth(self.line_width)
        canv.rect(0, 0, self.width, self.height, stroke=1, fill=0)
        canv.restoreState()
        self.inner.drawOn(canv, self.PADDING, self.PADDING - 1.5)
