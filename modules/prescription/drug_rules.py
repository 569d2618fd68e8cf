"""Drug-level rules, checked on every line whatever path creates it (protocol, off-protocol,
take-over, correction) and again at validation: the drug's allowed routes and containers, its
absolute maximum per administration, and the never-events below.

Two kinds of rule:
- the snapshot's (`drugs.routes`, `drugs.containers`, `drugs.max_dose_per_administration`,
  `drugs.intrathecal_capable`): a line breaking them is refused at entry; a compounded line of a
  drug whose routes the snapshot does not give cannot be checked, so it is refused too;
- the never-events shipped here (NEVER_EVENTS): no site setting, snapshot value or override
  lifts them. Vinca alkaloids are matched on the INN and on the drug code, accent- and
  case-insensitive, every non-letter a separator and camel case split ("VINCRISTINE_SULFATE",
  "VincristineSulfate", "vinorelbine (tartrate)" all match): any word that starts with one of
  the four names trips it, so a salt glued to the name ("VINCRISTINESULFATE") or a typo after
  it still does. Failing closed on purpose: a false positive ("vincristinex") only forces IV in
  a minibag, a false negative lets a vinca alkaloid reach a spinal needle.

Pure: pydantic and the standard library only.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, ConfigDict

from chemo_fallback import french
from chemo_fallback.dosing import BASES

VINCA_ALKALOIDS = ("vincristine", "vinblastine", "vinorelbine", "vindesine")
VINCA_ROUTE = "IV"
VINCA_CONTAINER = "poche"  # a 50-100 mL minibag, never a syringe: it cannot reach a spinal needle
INTRATHECAL = "IT"

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "VincristineSulfate": a word break
_NOT_A_LETTER = re.compile(r"[^a-z]+")

# Stable codes (docs/clinical-rules.md). A never-event is refused at entry and is a validation
# finding no override lifts.
NEVER_VINCA_ROUTE = "never_vinca_route"
NEVER_VINCA_CONTAINER = "never_vinca_container"
NEVER_INTRATHECAL = "never_intrathecal"
DRUG_ROUTES_UNKNOWN = "drug_routes_unknown"
DRUG_ROUTE = "drug_route"
DRUG_CONTAINER = "drug_container"
DRUG_FLAT_DOSE_ABOVE_MAX = "drug_flat_dose_above_max"
DRUG_DOSE_ABOVE_MAX = "drug_dose_above_max"
DRUG_BASIS_UNIT = "drug_basis_unit"
AUC_NOT_CARBOPLATIN = "auc_not_carboplatin"
# Calvert's formula (dose = AUC × (GFR + 25)) was derived for carboplatin and holds for it only.
AUC_DRUG = "carboplatine"

NEVER_EVENTS: dict[str, str] = {
    NEVER_VINCA_ROUTE: (
        "alcaloïde de la pervenche (vincristine, vinblastine, vinorelbine, vindésine) par une "
        "autre voie que la voie intraveineuse"
    ),
    NEVER_VINCA_CONTAINER: (
        "alcaloïde de la pervenche préparé autrement qu'en minipoche (jamais en seringue)"
    ),
    NEVER_INTRATHECAL: (
        "voie intrathécale pour un médicament que l'instantané ne marque pas administrable par "
        "voie intrathécale"
    ),
}
FLAT_BASES = ("mg", "UI")  # the requested dose is the dose itself


class DrugSafety(BaseModel):
    """What the snapshot says of a drug for these rules. `routes` None: not given."""

    model_config = ConfigDict(frozen=True)

    drug_id: str
    inn: str
    dose_unit: str | None = None
    routes: tuple[str, ...] | None = None
    containers: tuple[str, ...] | None = None
    max_dose_per_administration: float | None = None
    intrathecal_capable: bool = False


class DrugBreach(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: str  # French: what is wrong and what to do
    never_event: bool


def code_list(text: str | None) -> tuple[str, ...] | None:
    """"IV|SC" → ("IV", "SC"); empty or missing → None (not given)."""
    codes = tuple(c.strip() for c in (text or "").split("|") if c.strip())
    return codes or None


def normalized(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str | None) -> list[str]:
    """The words of a name or code: accents dropped, camel case split, any non-letter (digits,
    "_", "-", brackets) a separator, lower case."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text or "") if not unicodedata.combining(c)
    )
    return _NOT_A_LETTER.sub(" ", _CAMEL.sub(" ", plain).casefold()).split()


def is_vinca(*names: str | None) -> bool:
    """True when any of `names` (the INN, the drug code) has a word starting with a vinca
    alkaloid's name."""
    return any(
        word.startswith(VINCA_ALKALOIDS) for name in names for word in words(name)
    )


def is_compounded(line_kind: str, route: str | None) -> bool:
    """An injectable chemotherapy: prepared by the unit (oral drugs and premedications come from
    the ward's stock)."""
    return line_kind == "chemotherapy" and route != "PO"


def effective_max(protocol_max: float | None, drug: DrugSafety | None) -> float | None:
    """The smaller of the protocol line's maximum and the drug's absolute maximum."""
    limits = [m for m in (protocol_max, drug.max_dose_per_administration if drug else None)
              if m is not None]
    return min(limits) if limits else None


def _fr(value: float) -> str:
    return french.number(value, 6)


def never_events(
    inn: str | None, drug: DrugSafety | None, route: str | None, container: str | None,
    title: str, drug_id: str | None = None,
) -> list[DrugBreach]:
    """The shipped never-events: they need only the INN or the drug code and the line (a drug
    missing from the snapshot is not intrathecal-capable). Every name the line and the snapshot
    give is looked at: the line's INN, the snapshot's INN, the drug code."""
    found = []
    if is_vinca(inn, drug_id, *((drug.inn, drug.drug_id) if drug else ())):
        if route != VINCA_ROUTE:
            found.append(DrugBreach(
                code=NEVER_VINCA_ROUTE,
                never_event=True,
                message=(
                    f"{title} par voie {route or 'non précisée'} : INTERDIT. Un alcaloïde de la "
                    "pervenche s'administre uniquement par voie intraveineuse (mortel par une "
                    "autre voie, intrathécale notamment). Prescrivez-le en IV, en minipoche."
                ),
            ))
        if container != VINCA_CONTAINER:
            found.append(DrugBreach(
                code=NEVER_VINCA_CONTAINER,
                never_event=True,
                message=(
                    f"{title} en {container or 'contenant non précisé'} : INTERDIT. Un alcaloïde "
                    "de la pervenche se prépare uniquement en minipoche (contenant « poche », "
                    "50 à 100 mL), jamais en seringue. Choisissez le contenant « poche »."
                ),
            ))
    if route == INTRATHECAL and not (drug and drug.intrathecal_capable):
        found.append(DrugBreach(
            code=NEVER_INTRATHECAL,
            never_event=True,
            message=(
                f"{title} par voie intrathécale : INTERDIT, l'instantané ne marque pas ce "
                "médicament administrable par voie intrathécale. Vérifiez la voie sur la "
                "prescription d'origine."
            ),
        ))
    return found


def line_breaches(
    drug: DrugSafety | None,
    *,
    inn: str | None,
    line_kind: str,
    route: str | None,
    container: str | None,
    title: str,
    dose_basis: str | None = None,
    requested_dose: float | None = None,
    final_dose: float | None = None,
    drug_id: str | None = None,
) -> list[DrugBreach]:
    """Every drug-level rule the line breaks, never-events first. `requested_dose` is the dose
    as written (a flat dose above the drug's maximum is refused, not capped: it is most likely a
    unit or a basis error); `final_dose` the dose recorded (checked against the maximum)."""
    found = never_events(inn, drug, route, container, title, drug_id)
    if dose_basis == "AUC" and normalized(inn or (drug.inn if drug else None)) != AUC_DRUG:
        found.append(DrugBreach(
            code=AUC_NOT_CARBOPLATIN,
            never_event=False,
            message=(
                f"{title} : dose en ASC (formule de Calvert) refusée, cette formule ne vaut que "
                "pour le carboplatine. Prescrivez la dose en mg/m², mg/kg ou en dose fixe."
            ),
        ))
    if drug is None:
        return found  # an unknown drug is refused by the callers with its own message
    basis_unit = BASES.get(dose_basis or "", (None,))[0]
    if basis_unit is not None and drug.dose_unit and basis_unit != drug.dose_unit:
        found.append(DrugBreach(
            code=DRUG_BASIS_UNIT,
            never_event=False,
            message=(
                f"{title} : une dose en {dose_basis} donne des {basis_unit}, or ce médicament se "
                f"dose en {drug.dose_unit} (table des médicaments de l'instantané). Choisissez "
                f"une base en {drug.dose_unit}."
            ),
        ))
    if drug.routes is None:
        if is_compounded(line_kind, route):
            found.append(DrugBreach(
                code=DRUG_ROUTES_UNKNOWN,
                never_event=False,
                message=(
                    f"{title} : les voies autorisées de ce médicament ne figurent pas dans "
                    "l'instantané (table drugs, colonne routes), la voie ne peut pas être "
                    "contrôlée. Faites compléter l'export ou le fichier de correspondance "
                    "(mapping.toml) et réactivez l'instantané."
                ),
            ))
    elif route not in drug.routes:
        found.append(DrugBreach(
            code=DRUG_ROUTE,
            never_event=False,
            message=(
                f"{title} par voie {route or 'non précisée'} : voie non autorisée pour ce "
                f"médicament (voies autorisées : {', '.join(drug.routes)}). Choisissez une voie "
                "autorisée."
            ),
        ))
    if container and drug.containers is not None and container not in drug.containers:
        found.append(DrugBreach(
            code=DRUG_CONTAINER,
            never_event=False,
            message=(
                f"{title} en {container} : contenant non autorisé pour ce médicament "
                f"(contenants autorisés : {', '.join(drug.containers)}). Choisissez un contenant "
                "autorisé."
            ),
        ))
    limit = drug.max_dose_per_administration
    unit = drug.dose_unit or ""
    if limit is not None:
        if dose_basis in FLAT_BASES and requested_dose is not None and requested_dose > limit:
            found.append(DrugBreach(
                code=DRUG_FLAT_DOSE_ABOVE_MAX,
                never_event=False,
                message=(
                    f"{title} : {_fr(requested_dose)} {dose_basis} demandés, au-delà de la dose "
                    f"maximale absolue par administration ({_fr(limit)} {unit}). Vérifiez la "
                    "dose et son unité (mg ou mg/m² ?)."
                ),
            ))
        if final_dose is not None and final_dose > limit:
            found.append(DrugBreach(
                code=DRUG_DOSE_ABOVE_MAX,
                never_event=False,
                message=(
                    f"{title} : dose de {_fr(final_dose)} {unit}, au-delà de la dose maximale "
                    f"absolue par administration ({_fr(limit)} {unit}). Recalculez la dose."
                ),
            ))
    return found
