"""The application's own exception types. Every message is French and says what is wrong and
what to do, because it is shown as is to a pharmacist or an administrator."""


class ChemoFallbackError(Exception):
    """Base class: `str(error)` is the French message for the user. `code`, when given, is the
    stable code of the clinical rule that refused (listed in docs/clinical-rules.md)."""

    def __init__(self, *args: object, code: str | None = None) -> None:
        super().__init__(*args)
        self.code = code


class SnapshotRefused(ChemoFallbackError):
    """The snapshot cannot be activated; the previously active one stays in use."""


class StoreError(ChemoFallbackError):
    """The local database cannot be opened or written."""
