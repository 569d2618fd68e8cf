"""Checks on what users enter about patients. Pure: no database, no UI.

Each check returns every problem as a French sentence saying what is wrong and what to do,
so the form can show them all at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from chemo_fallback import french
from chemo_fallback.patients.models import (
    DuplicateCandidate,
    NewPatient,
    PatientHit,
)
from chemo_fallback.patients.query import FRENCH_DATE, ISO_DATE, normalize

EARLIEST_BIRTH = date(1900, 1, 1)
MAX_NAME_CHARS = 80
MAX_TEXT_CHARS = 500  # comments and reasons
NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '’-]+[^\W\d_]+)*$")  # letters, spaces, ' and -


@dataclass(frozen=True)
class KindRule:
    label: str  # French, capitalised
    the: str  # with its article, for sentences
    unit: str
    minimum: float
    maximum: float
    how: str  # what to do when the value is out of range


KINDS: dict[str, KindRule] = {
    "height": KindRule(
        "Taille",
        "la taille",
        "cm",
        30,
        250,
        "Saisissez la taille en centimètres (par exemple 172, pas 1,72).",
    ),
    "weight": KindRule(
        "Poids",
        "le poids",
        "kg",
        0.5,
        350,
        "Saisissez le poids en kilogrammes (par exemple 68,5, pas 68500 g).",
    ),
    # Only read now (rows recorded before creatinine became a lab result with its unit).
    "creatinine": KindRule(
        "Créatinine",
        "la créatininémie",
        "µmol/L",
        20,
        2000,
        "Saisissez la créatininémie comme un résultat de biologie, avec son unité.",
    ),
}
# What the measurement form records; creatinine is a lab result (labs.py), with its unit.
ENTRY_KINDS = ("height", "weight")
CREATININE_IS_A_LAB = (
    "La créatinine se saisit comme un résultat de biologie (« Saisir un résultat de "
    "biologie », examen Créatinine), avec l'unité du compte rendu."
)


def fr(value: float) -> str:
    """A number in a French message (chemo_fallback.french.number)."""
    return french.number(value, 2)


def fr_day(value: date) -> str:
    return french.day(value)


def clean_text(text: str | None) -> str:
    """Trimmed, inner runs of spaces made one."""
    return " ".join((text or "").split())


def parse_decimal(text: str | None) -> float | str:
    """A number typed the French way ("62,5") or not ("62.5"); a French problem otherwise."""
    typed = (text or "").strip()
    compact = re.sub(r"[\s\u00a0\u202f]", "", typed)  # "1 200": spaces between thousands
    if not compact:
        return "Valeur manquante : saisissez un nombre (par exemple 62,5)."
    if "," in compact and "." in compact:
        return (
            f"Valeur ambiguë : « {typed} ». Saisissez un nombre avec une virgule pour les "
            "décimales, sans séparateur de milliers (par exemple 1250,5)."
        )
    if not re.fullmatch(r"\d+(?:[.,]\d+)?", compact):
        return (
            f"Valeur non reconnue : « {typed} ». Saisissez un nombre, avec une virgule pour les "
            "décimales (par exemple 62,5), sans unité."
        )
    return float(compact.replace(",", "."))


def parse_day(text: str | None, what: str) -> date | str:
    """A date typed JJ/MM/AAAA (or AAAA-MM-JJ); `what` names it in the French problem."""
    typed = (text or "").strip()
    example = "par exemple 14/03/1958"
    if not typed:
        return f"{what} manquante : saisissez-la au format JJ/MM/AAAA ({example})."
    iso, french = ISO_DATE.match(typed), FRENCH_DATE.match(typed)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif french and len(french.group(3)) == 4:
        day, month, year = (int(g) for g in french.groups())
    else:
        return f"{what} non reconnue : « {typed} ». Saisissez-la au format JJ/MM/AAAA ({example})."
    try:
        return date(year, month, day)
    except ValueError:
        return f"{what} impossible : « {typed} » n'existe pas au calendrier."


def _name_problems(value: str, label: str, required: bool) -> list[str]:
    if not value:
        if required:
            return [f"{label} manquant : saisissez-le tel qu'il figure sur une pièce d'identité."]
        return []
    if len(value) > MAX_NAME_CHARS:
        return [f"{label} trop long : {MAX_NAME_CHARS} caractères au plus."]
    if not NAME_CHARS.match(value):
        return [
            f"{label} invalide : « {value} ». Lettres seulement, avec espaces, tirets ou "
            "apostrophes (pas de chiffres ni d'autres signes)."
        ]
    return []


def new_patient_problems(
    patient: NewPatient, today: date, wards: set[str], birth_date_problem: str | None = None
) -> list[str]:
    """Every problem of a new patient's identity; `wards` are the snapshot's ward codes;
    `birth_date_problem`, what was wrong with the typed birth date (see parse_day)."""
    problems = [
        *_name_problems(patient.last_name, "Nom d'usage", required=True),
        *_name_problems(patient.first_name, "Prénom", required=True),
        *_name_problems(patient.birth_name or "", "Nom de naissance", required=False),
    ]
    if patient.sex not in ("F", "M"):
        problems.append("Sexe manquant : choisissez Femme ou Homme.")
    born = patient.birth_date
    if birth_date_problem:
        problems.append(birth_date_problem)
    elif born is None:
        problems.append("Date de naissance manquante : saisissez-la au format JJ/MM/AAAA.")
    elif born > today:
        problems.append(f"Date de naissance dans le futur ({fr_day(born)}) : vérifiez-la.")
    elif born < EARLIEST_BIRTH:
        problems.append(
            f"Date de naissance invraisemblable ({fr_day(born)}, avant 1900) : vérifiez l'année."
        )
    if patient.ward_id and patient.ward_id not in wards:
        problems.append(
            f"Unité inconnue : « {patient.ward_id} » n'est pas une unité de l'instantané actif. "
            "Choisissez-la dans la liste."
        )
    return problems


def measurement_problems(
    kind: str,
    value: float | str | None,
    measured_on: date | str | None,
    today: date,
    born: date | None,
) -> list[str]:
    """Every problem of one measurement; `born` is the patient's birth date. A text in place
    of the value or the date is what was wrong when reading it (parse_decimal, parse_day)."""
    if kind == "creatinine":
        return [CREATININE_IS_A_LAB]
    rule = KINDS.get(kind) if kind in ENTRY_KINDS else None
    if rule is None:
        return ["Type de mesure inconnu : choisissez Taille ou Poids."]
    problems = []
    if isinstance(value, str):
        problems.append(value)
    elif value is None or not math.isfinite(value):
        problems.append(f"Valeur manquante : saisissez {rule.the} en {rule.unit}.")
    elif not rule.minimum <= value <= rule.maximum:
        problems.append(
            f"{rule.label} invraisemblable : {fr(value)} {rule.unit} (attendu entre "
            f"{fr(rule.minimum)} et {fr(rule.maximum)} {rule.unit}). {rule.how}"
        )
    if isinstance(measured_on, str):
        problems.append(measured_on)
    elif measured_on is None:
        problems.append("Date de la mesure manquante : saisissez-la au format JJ/MM/AAAA.")
    elif measured_on > today:
        problems.append(
            f"Date de la mesure dans le futur ({fr_day(measured_on)}) : saisissez le jour où "
            "la mesure a été faite."
        )
    elif born is not None and measured_on < born:
        problems.append(
            f"Date de la mesure ({fr_day(measured_on)}) antérieure à la naissance du patient "
            f"({fr_day(born)}) : vérifiez la date."
        )
    return problems


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _joined(name: str | None) -> str:
    return normalize(name or "").replace(" ", "")


def _close(a: str, b: str) -> bool:
    """One typing slip apart (two for long names): "Dupond" and "Dupont"."""
    allowed = 2 if min(len(a), len(b)) >= 8 else 1 if min(len(a), len(b)) >= 4 else 0
    return 0 < levenshtein(a, b) <= allowed


def duplicate_reasons(new: NewPatient, existing: PatientHit) -> list[str]:
    """Why an existing patient born the same day may be the new one (empty: not a candidate).

    Names are compared without accents, case, spaces or signs ("Le Goff" = "LEGOFF"); a name
    may be a usual name on one side and a birth name on the other (marriage)."""
    if new.birth_date != existing.birth_date:
        return []
    new_last, new_first, new_birth = (
        _joined(new.last_name),
        _joined(new.first_name),
        _joined(new.birth_name),
    )
    old_last, old_first, old_birth = (
        _joined(existing.last_name),
        _joined(existing.first_name),
        _joined(existing.birth_name),
    )
    new_family, old_family = {new_last, new_birth} - {""}, {old_last, old_birth} - {""}
    reasons = []
    if new_last and new_last == old_last:
        reasons.append("même nom d'usage")
    elif new_birth and new_birth == old_birth:
        reasons.append("même nom de naissance")
    elif new_last and new_last == old_birth:
        reasons.append("nom d'usage saisi identique à son nom de naissance")
    elif new_birth and new_birth == old_last:
        reasons.append("nom de naissance saisi identique à son nom d'usage")
    elif any(_close(a, b) for a in new_family for b in old_family):
        reasons.append("nom d'orthographe proche")
    elif _common_words(new, existing):
        reasons.append("nom composé en partie commun")
    if new_last and new_first and new_last == old_first and new_first == old_last:
        reasons.append("nom et prénom inversés")
    if not reasons and new_first and new_first == old_first and new.sex == existing.sex:
        reasons.append("même prénom et même sexe (nom d'usage peut-être changé)")
    return [f"même date de naissance, {reason}" for reason in reasons]


def _common_words(new: NewPatient, existing: PatientHit) -> set[str]:
    """Words of 3 letters or more shared by the family names ("Dupont-Martin" and "Martin")."""

    def words(*names: str | None) -> set[str]:
        return {w for n in names for w in normalize(n or "").split() if len(w) >= 3}

    return words(new.last_name, new.birth_name) & words(existing.last_name, existing.birth_name)


def duplicates(new: NewPatient, born_same_day: list[PatientHit]) -> list[DuplicateCandidate]:
    found = []
    for hit in born_same_day:
        reasons = duplicate_reasons(new, hit)
        if reasons:
            found.append(DuplicateCandidate(patient=hit, reasons=reasons))
    return found
