"""Which vials to open for a dose, and which opened vials (reliquats) can still be drawn from.
Pure: no database, no UI. `rules` re-exports `vial_plan` and `usable_reliquats`.

Floating point: amounts are compared with a tolerance of a billionth of the dose (at least
1e-9 of the unit), so that sums of decimal amounts (0,1 + 0,2) never leave a 1e-17 shortfall
that would open a needless vial; a real shortfall, however small in practice (0,001 mg), always
opens one (fail closed: never under-dose).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from numbers import Integral, Real
from typing import Any

from chemo_fallback import french
from chemo_fallback.modules.fabrication.models import FabricationError, OpenedVial, VialPlan

VALUE_INVALID = "preparation_value_invalid"


def tolerance(amount: float) -> float:
    """The amount below which two quantities of this size are the same."""
    return 1e-9 * max(1.0, abs(amount))


def _is_number(value: object) -> bool:
    return isinstance(value, Real | Decimal) and not isinstance(value, bool)


def _shown(value: object) -> str:
    if value is None:
        return "absente"
    if _is_number(value):
        number = float(value)
        if math.isnan(number):
            return "non numérique (NaN)"
        if math.isinf(number):
            return "infinie"
        return french.number(number, 6)
    return f"« {value} »"


def positive(value: object, what: str) -> float:
    """`value` as a float, refused unless a finite number strictly above zero."""
    if _is_number(value):
        number = float(value)
        if math.isfinite(number) and number > 0:
            return number
    raise FabricationError(
        f"{what} invalide (valeur {_shown(value)}) : un nombre strictement positif est attendu. "
        "Corrigez la donnée (ligne de prescription ou produit de l'instantané) ; rien n'est "
        "calculé avec une valeur absente, nulle ou négative.",
        code=VALUE_INVALID,
    )


def _sizes(vial_contents: Iterable[object]) -> list[float]:
    sizes = {positive(c, "Quantité par flacon") for c in vial_contents}
    return sorted(sizes, reverse=True)


def _max_vials(max_vials: object) -> int:
    if isinstance(max_vials, Integral) and not isinstance(max_vials, bool) and max_vials >= 1:
        return int(max_vials)
    raise FabricationError(
        f"Nombre maximal de flacons invalide ({_shown(max_vials)}) : un entier d'au moins 1 est "
        "attendu (paramètre du site max_vials).",
        code=VALUE_INVALID,
    )


def _opened_amounts(opened: Iterable[object], at: datetime | None) -> list[tuple[Any, float]]:
    """(vial as given, amount) for each opened vial still usable, in the order given."""
    usable = []
    for vial in opened:
        if isinstance(vial, OpenedVial):
            if at is not None and vial.usable_until <= at:
                continue  # expired: never drawn from
            amount = vial.amount
        else:
            amount = vial
        if _is_number(amount) and amount == 0:
            continue  # an emptied vial
        usable.append((vial, positive(amount, "Quantité restante d'un flacon entamé")))
    return usable


def _better(candidate: tuple[float, ...], waste: float, best: tuple[float, ...] | None,
            best_waste: float, eps: float) -> bool:
    """Less waste; then fewer vials; then the larger vials (lexicographically, largest first)."""
    if best is None or waste < best_waste - eps:
        return True
    if waste > best_waste + eps:
        return False
    if len(candidate) != len(best):
        return len(candidate) < len(best)
    return candidate > best


def best_combination(
    need: float, sizes: Sequence[float], max_vials: int
) -> tuple[tuple[float, ...], float] | None:
    """The combination (with repetition) of at most `max_vials` vials of `sizes` (largest
    first) covering `need` with the least waste, then the fewest vials; None when none covers.

    Walks the vial counts size by size, largest first, and stops adding vials as soon as the
    sum covers the need (more vials only waste more): every optimal combination is reached
    this way, since no smaller part of it covers. Branches that cannot reach the need even
    with all remaining vials of the largest remaining size are cut.
    """
    eps = tolerance(need)
    best: tuple[float, ...] | None = None
    best_waste = math.inf
    chosen: list[float] = []

    def visit(index: int, total: float, left: int) -> None:
        nonlocal best, best_waste
        if index == len(sizes) or left == 0:
            return
        size = sizes[index]
        if total + left * size < need - eps:
            return  # even `left` vials of the largest remaining size do not cover
        for count in range(left + 1):
            covered = total + count * size
            if covered >= need - eps:
                combination = (*chosen, *([size] * count))
                waste = max(0.0, covered - need)
                if _better(combination, waste, best, best_waste, eps):
                    best, best_waste = combination, waste
                return  # one more vial of this size covers with more waste
            chosen.extend([size] * count)
            visit(index + 1, covered, left - count)
            del chosen[len(chosen) - count:]

    visit(0, 0.0, max_vials)
    return None if best is None else (best, best_waste)


def vial_plan(
    dose: float,
    vial_contents: Iterable[float],
    *,
    max_vials: int = 4,
    opened: Iterable[float | OpenedVial] = (),
    at: datetime | None = None,
) -> VialPlan:
    """The contents of the new vials to open for `dose`, largest first (a `VialPlan`: a tuple
    with `opened_used` and `waste` attributes).

    `opened`: what remains in vials already opened and still within their in-use stability
    (plain amounts, or `OpenedVial`s; with `at`, an `OpenedVial` whose `usable_until` is at or
    before `at` is skipped). They are drawn first, in the order given (`usable_reliquats` gives
    the earliest expiry first); then, among the combinations of at most `max_vials` new vials
    that cover the rest, the one that wastes the least drug, then the one with the fewest vials,
    then the one with the larger vials. Opened vials covering the dose: no new vial, `()`.
    Refused (`FabricationError`) for an invalid input, or when no combination covers the rest.
    """
    need = positive(dose, "Dose")
    sizes = _sizes(vial_contents)
    limit = _max_vials(max_vials)
    eps = tolerance(need)
    vials, used = [], []
    rest = need
    for vial, amount in _opened_amounts(opened, at):
        if rest <= eps:
            break
        take = min(amount, rest)
        vials.append(vial)
        used.append(take)
        rest -= take
    if rest <= eps:
        return VialPlan((), dose=need, opened_used=used, opened_vials=vials, waste=0.0)
    found = best_combination(rest, sizes, limit) if sizes else None
    if found is None:
        offered = ", ".join(french.number(s, 3) for s in sizes) or "aucun"
        raise FabricationError(
            f"Aucune combinaison d'au plus {limit} flacon(s) ne couvre "
            f"{french.number(rest, 3)} à préparer (dose {french.number(need, 3)}"
            + (f", dont {french.number(need - rest, 3)} pris dans des flacons entamés" if used
               else "")
            + f" ; flacons disponibles : {offered}). Vérifiez la dose, ou faites relever le "
            "nombre maximal de flacons par préparation (paramètre du site max_vials), ou "
            "fractionnez la préparation.",
            code="vial_plan_impossible",
        )
    contents, waste = found
    return VialPlan(contents, dose=need, opened_used=used, opened_vials=vials, waste=waste)


def usable_reliquats(
    opened: Iterable[OpenedVial], product_ids: Iterable[str], at: datetime
) -> tuple[OpenedVial, ...]:
    """The opened vials of these products still usable at `at` (usable_until strictly after
    it, something left), the earliest expiry first: an expired reliquat is never offered."""
    wanted = set(product_ids)
    usable = [
        vial
        for vial in opened
        if vial.product_id in wanted and vial.usable_until > at and vial.amount > 0
    ]
    return tuple(
        sorted(usable, key=lambda v: (v.usable_until, v.opened_at, v.reliquat_id or ""))
    )
