"""The validation is a check independent of the prescription: what a pharmacist did to it (or
to a version it copies: the audit trail says who) that makes them no independent checker, and
why they may then not validate it, unless the site allows a single pharmacist
(single_pharmacist_allowed)."""

from __future__ import annotations

from chemo_fallback.modules.prescription.models import Prescription
from chemo_fallback.site_settings import SiteSettings

# The French verb of each authoring action (repository.AUTHORING_ACTIONS), in the order a
# sentence lists them.
AUTHORING_VERBS = {
    "prescription.draft_created": "transcrit",
    "prescription.correction_started": "corrigé",
    "prescription.dose_modified": "modifié",
    "prescription.line_added": "modifié",
    "prescription.recomputed": "modifié",
    "prescription.indication_set": "modifié",
    "prescription.day_moved": "modifié",
    "prescription.signed": "signé",
}
VERB_ORDER = ("transcrit", "corrigé", "modifié", "signé")


def _verbs(found: set[str]) -> str:
    verbs = [v for v in VERB_ORDER if v in found]
    return verbs[0] if len(verbs) == 1 else ", ".join(verbs[:-1]) + " et " + verbs[-1]


def own_part(rx: Prescription, username: str, authored: list[dict] | None = None) -> str | None:
    """What this pharmacist did that makes them no independent checker of the prescription,
    in French ("transcrit et signé la prescription PS000012", "modifié la prescription
    PS000012-2 ; signé la version PS000012 qu'elle corrige"); None: nothing.

    From the prescription itself (its transcriber, its signer) and from the audit trail
    (`authored`: repository.authoring): changing the draft (dose modification, off-protocol
    line, recompute, indication code, day moved), starting its correction, or having
    transcribed, changed or signed a version this one copies."""
    here: set[str] = set()
    if rx.prescriber.transcribed and rx.created_by == username:
        here.add("transcrit")
    if rx.signed_by == username:
        here.add("signé")
    earlier: dict[str, set[str]] = {}
    for row in authored or []:
        if row["actor"] != username or row["action"] not in AUTHORING_VERBS:
            continue
        verb = AUTHORING_VERBS[row["action"]]
        if row["prescription_id"] == rx.prescription_id:
            # a prescriber's own draft is not "transcribed" by them; a pharmacist's is
            here.add(verb)
        else:
            earlier.setdefault(row["prescription_id"], set()).add(verb)
    parts = []
    if here:
        parts.append(f"{_verbs(here)} la prescription {rx.prescription_id}")
    for version, verbs in earlier.items():
        parts.append(f"{_verbs(verbs)} la version {version} qu'elle corrige")
    return " ; ".join(parts) or None


def independence_refusal(
    rx: Prescription, username: str, settings: SiteSettings, authored: list[dict] | None = None
) -> str | None:
    """Why this pharmacist may not validate (nor give the first check of) this prescription:
    the validation is a check independent of its transcription, changes and signature, and of
    those of the versions it copies. None: they may (possibly as a single pharmacist, when the
    site allows it; see `own_part`)."""
    part = own_part(rx, username, authored)
    if part is None or settings.single_pharmacist_allowed:
        return None
    return (
        f"Validation impossible : vous avez {part}. Sa validation doit être faite par un "
        "autre pharmacien (contrôle indépendant). Une nuit avec un seul pharmacien, "
        "l'administrateur peut l'autoriser (paramètre du site single_pharmacist_allowed) : la "
        "validation est alors marquée « pharmacien seul »."
    )
