"""The drill's French summary: one line per day, then the refusals met."""

from __future__ import annotations

from chemo_fallback import french

# (count key, French label): the patients' day, then the buyer's
LABELS = (
    ("weights", "pesées"),
    ("take_overs", "reprises"),
    ("prescriptions", "prescriptions"),
    ("validations", "validations"),
    ("interventions", "interventions"),
    ("corrections", "corrections"),
    ("feux_verts", "feux verts"),
    ("preparations", "préparations"),
    ("vials", "flacons scannés"),
    ("out_of_tolerance", "hors tolérance"),
    ("overrides", "libérées malgré l'écart"),
    ("rejections", "rejetées"),
    ("releases", "libérations"),
    ("rounds", "tournées"),
    ("dispensed", "dispensées"),
    ("received", "reçues"),
    ("administrations", "administrations"),
    ("not_given", "non administrées"),
    ("reliquats_kept", "reliquats conservés"),
    ("reliquats_discarded", "reliquats jetés"),
    ("orders", "commandes"),
    ("orders_sent", "commandes envoyées"),
    ("order_receptions", "réceptions de commande"),
    ("orders_closed", "commandes clôturées"),
    ("refused", "refus"),
)


def day_line(report) -> str:
    parts = [f"{label} {french.number(report.counts.get(key, 0))}" for key, label in LABELS]
    return f"Jour du {french.day(report.day)} : " + ", ".join(parts) + "."


def refusal_lines(report, limit: int = 5) -> list[str]:
    shown = [f"  refus : {r}" for r in report.refusals[:limit]]
    if len(report.refusals) > limit:
        shown.append(f"  … et {len(report.refusals) - limit} autre(s) refus.")
    return shown
