"""The fabrication pages: the production queue (the preparer's home page), a preparation (vial
scanning, made, controlled), the reliquats and the register."""

from __future__ import annotations


def register() -> None:
    """Registers every fabrication page (called once by chemo_fallback.web.app)."""
