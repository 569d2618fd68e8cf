"""The release pages: /liberation, where controls are recorded after the isolator and the
pharmacist releases (signed) or rejects each preparation. The dispensing pages register
themselves (modules/release/pages/dispensing_pages.py)."""

from __future__ import annotations


def register() -> None:
    """Registers the release page (called once by chemo_fallback.web.app)."""
    from chemo_fallback.auth.accounts import User
    from chemo_fallback.auth.roles import Permission
    from chemo_fallback.modules.release.pages import release_page
    from chemo_fallback.web.access import protected_page

    @protected_page("/liberation", Permission.FABRICATION_CONTROL,
                    "Contrôles et libération des préparations")
    def release_worklist_page(user: User) -> None:
        release_page.ReleaseScreen(user)
