"""The shipped DejaVu fonts, registered once on first use.

reportlab's built-in fonts are Latin-1 only: "œ", "≥", "→" or "—" would print as black boxes.
DejaVu covers them, and shipping the files means a fresh machine prints the same glyphs.
"""

from __future__ import annotations

import threading
from importlib import resources

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"
FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf"}

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the fonts with reportlab (idempotent, thread-safe)."""
    global _registered
    with _lock:
        if _registered:
            return
        folder = resources.files("chemo_fallback.documents") / "fonts"
        for name, file_name in FILES.items():
            with resources.as_file(folder / file_name) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))
        # So that <b> in a Paragraph picks the bold file; no italic is shipped: <i> stays upright.
        for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
            addMapping(SANS, bold, italic, SANS_BOLD if bold else SANS)
        _registered = True
