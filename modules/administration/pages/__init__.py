"""The administration pages: the nurse's home (/administration: a ward and a day, the patients
with a plan, a patient's plan with its record buttons and label scan, the prints) and the doses
not given (/administration/non-administres) for the prescribers and the pharmacists."""

from __future__ import annotations


def register() -> None:
    """Registers every administration page (called once by chemo_fallback.web.app)."""
    from chemo_fallback.auth.accounts import User
    from chemo_fallback.auth.roles import Permission
    from chemo_fallback.modules.administration.pages import home, not_given
    from chemo_fallback.modules.prescription import pages as prescription_pages
    from chemo_fallback.modules.validation import pages as validation_pages
    from chemo_fallback.web.access import protected_page

    # the doses not given reach the prescriber's and the pharmacist's worklists
    for sections in (prescription_pages.WORKLIST_SECTIONS, validation_pages.WORKLIST_SECTIONS):
        if not_given.not_given_section not in sections:
            sections.append(not_given.not_given_section)

    @protected_page("/administration", Permission.ADMINISTRATION_READ,
                    "Plans d'administration")
    def administration_page(user: User, unite: str = "", jour: str = "",
                            patient: str = "") -> None:
        home.home_view(user, unite, jour, patient)

    @protected_page("/administration/non-administres", Permission.ADMINISTRATION_READ,
                    "Doses non administrées")
    def not_given_page(user: User) -> None:
        not_given.not_given_view(user)
