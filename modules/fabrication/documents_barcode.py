"""The Code 128 barcode of a preparation's identifier, drawn as vector bars in the PDF.

python-barcode encodes (character sets, check character); its module string is drawn here as
filled rectangles, one per run of dark modules: crisp at any printer resolution and cheap to
draw (no image), which matters for a day's batch of hundreds of sheets and labels.
"""

from __future__ import annotations

import functools

import barcode
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from chemo_fallback.documents.typefaces import MONO

QUIET_MODULES = 10  # the blank margin each side that a scanner needs (ISO/IEC 15417)
MIN_MODULE_MM = 0.25  # narrower bars are not reliably printed nor scanned


@functools.lru_cache(maxsize=4096)
def bars(value: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """(module count, dark runs as (first module, length)) of `value` in Code 128."""
    modules = barcode.Code128(value, writer=None).build()[0]
    runs, start = [], None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module != "1" and start is not None:
            runs.append((start, index - start))
            start = None
    return len(modules), tuple(runs)


def min_width(value: str) -> float:
    """The narrowest width (points) at which the barcode still prints and scans."""
    count, _runs = bars(value)
    return (count + 2 * QUIET_MODULES) * MIN_MODULE_MM * mm


def draw_code128(
    canv: Canvas,
    value: str,
    x: float,
    y: float,
    width: float,
    height: float,
    *,
    text_size: float = 0,
) -> None:
    """The barcode in the box (x, y, width, height), quiet zones included; with `text_size`,
    the identifier in clear under the bars (inside the height)."""
    count, runs = bars(value)
    module = width / (count + 2 * QUIET_MODULES)
    bar_bottom = y + (text_size * 1.15 if text_size else 0)
    bar_height = height - (bar_bottom - y)
    canv.saveState()
    canv.setFillColorRGB(0, 0, 0)
    left = x + QUIET_MODULES * module
    # One path of rectangles written as PDF operators: reportlab's rect() formats each number
    # through its generic float printer, the costliest part of a batch's barcodes.
    bars_ops = " ".join(
        f"{left + start * module:.3f} {bar_bottom:.3f} {length * module:.3f} {bar_height:.3f} re"
        for start, length in runs
    )
    canv.addLiteral(f"{bars_ops} f")
    if text_size:
        canv.setFont(MONO, text_size)
        canv.drawCentredString(x + width / 2, y + text_size * 0.2, value)
    canv.restoreState()


class Code128(Flowable):
    """A barcode in a story: `width` × `height` points, the identifier in clear under it."""

    def __init__(self, value: str, width: float, height: float, text_size: float = 9) -> None:
        super().__init__()
        self.value, self.width, self.height, self.text_size = value, width, height, text_size

    def wrap(self, *_available) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_code128(
            self.canv, self.value, 0, 0, self.width, self.height, text_size=self.text_size
        )
