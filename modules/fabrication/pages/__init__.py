"""The fabrication pages: the production queue (the preparer's home page), a preparation (vial
scanning, made, controlled), the reliquats and the register."""

from __future__ import annotations


def register() -> None:
    """Registers every fabrication page (called once by chemo_fallback.web.app)."""
    from chemo_fallback.auth.accounts import User
    from chemo_fallback.auth.roles import Permission
    from chemo_fallback.modules.fabrication.pages import (
        chain_sections,
        preparation_page,
        queue_page,
        register_page,
        reliquats_page,
    )
    from chemo_fallback.modules.prescription import pages_detail
    from chemo_fallback.web import patient_record_page
    from chemo_fallback.web.access import protected_page

    # the chain of each preparation under its prescription and on the patient record
    for sections, section in (
        (pages_detail.DETAIL_SECTIONS, chain_sections.prescription_preparations_section),
        (patient_record_page.RECORD_SECTIONS, chain_sections.patient_preparations_section),
    ):
        if section not in sections:
            sections.append(section)

    @protected_page("/fabrication", Permission.FABRICATION_READ, "File de production")
    def fabrication_queue_page(user: User, jour: str = "") -> None:
        queue_page.queue_view(user, jour)

    @protected_page("/fabrication/preparation/{preparation_id}", Permission.FABRICATION_READ,
                    "Préparation")
    def fabrication_preparation_page(user: User, preparation_id: str) -> None:
        preparation_page.preparation_view(user, preparation_id)

    @protected_page("/fabrication/reliquats", Permission.FABRICATION_READ,
                    "Reliquats (flacons entamés)")
    def fabrication_reliquats_page(user: User) -> None:
        reliquats_page.ReliquatsScreen(user)

    @protected_page("/fabrication/ordonnancier", Permission.FABRICATION_READ,
                    "Ordonnancier des préparations")
    def fabrication_register_page(user: User) -> None:
        register_page.RegisterScreen(user)
