"""The forecast over a horizon: what the planned and validated prescriptions will open, vial by
vial, plus the margin, the history and the minimums, less the usable stock and the open orders,
as suggestions per supplier. Reads in SQL aggregates (identical lines added up), computes with
forecast_rules; writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chemo_fallback.auth.roles import Permission, require
from chemo_fallback.modules.fabrication.models import Product
from chemo_fallback.modules.fabrication.repository import LIVE
from chemo_fallback.modules.ordering import forecast_rules as rules
from chemo_fallback.modules.ordering import repository as repo
from chemo_fallback.modules.ordering.forecast_rules import (
    PlannedLine,
    Suggestion,
    SupplierGroup,
    UncomputedLine,
)
from chemo_fallback.modules.ordering.models import OrderingError
from chemo_fallback.modules.ordering.stock import current_stock
from chemo_fallback.site_settings import SiteSettings
from chemo_fallback.store.rows import dicts

# A fallback prescription plans its lines once signed, until it is cancelled or superseded.
PLANNING_STATUSES = ("signed", "validated", "change_requested")
# The snapshot's lines still to be made (a prepared or administered line consumed its vials
# before the snapshot was taken: the snapshot's stock already holds it).
SNAPSHOT_STATUSES = ("planned", "validated")
MAX_HORIZON_DAYS = 60

# Fallback lines of planning prescriptions, without a live preparation (a printed sheet's
# vials are already held in the stock as planned, then scanned).
FALLBACK_LINES = f"""
    SELECT l.line_id, l.prescription_id, p.patient_id, l.planned_date, l.drug_id, l.drug_inn,
           l.final_dose AS dose, l.dose_unit AS unit, l.route
    FROM rx_lines l JOIN rx_prescriptions p USING (prescription_id)
    WHERE p.status IN {PLANNING_STATUSES} AND l.drug_id IS NOT NULL
      AND l.planned_date BETWEEN $first AND $last
      AND l.line_id NOT IN (SELECT line_id FROM fab_preparations WHERE status IN {LIVE})"""
# The snapshot's planned lines, unless a fallback prescription took the prescription over
# (past draft: a draft plans nothing yet, so the production one still counts).
SNAPSHOT_LINES = f"""
    SELECT l.line_id, l.prescription_id, p.patient_id, l.planned_date, l.drug_id,
           NULL AS drug_inn, l.dose, l.dose_unit AS unit, l.route
    FROM ref.prescription_lines l JOIN ref.prescriptions p USING (prescription_id)
    WHERE l.status IN {SNAPSHOT_STATUSES} AND p.status IN {SNAPSHOT_STATUSES}
      AND l.planned_date BETWEEN $first AND $last
      AND p.prescription_id NOT IN (
          SELECT snapshot_prescription_id FROM rx_prescriptions
          WHERE snapshot_prescription_id IS NOT NULL
            AND status NOT IN ('draft', 'cancelled', 'superseded'))"""
SOURCES = {"fallback": FALLBACK_LINES, "snapshot": SNAPSHOT_LINES}
# Narrows a source to the drugs and doses asked for before the join (the detail query):
# a scalar filter, which DuckDB applies while scanning the lines.
KEYS_FILTER = """AND list_contains($drugs, l.drug_id)
      AND (l.{dose} IS NULL OR list_contains($doses, l.{dose}))"""
DOSE_COLUMNS = {"fallback": "final_dose", "snapshot": "dose"}


@dataclass(frozen=True)
class Forecast:
    today: date
    horizon_days: int
    first_day: date
    last_day: date
    margin_pct: float
    history_days: int
    groups: tuple[SupplierGroup, ...]
    unsupplied: tuple[Suggestion, ...]  # no formulary referencing: cannot be ordered
    uncomputed: tuple[UncomputedLine, ...]  # one per line, with its prescription
    planned_lines: int  # lines turned into vials

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        return tuple(s for g in self.groups for s in g.suggestions) + self.unsupplied

    def suggestion(self, product_id: str) -> Suggestion | None:
        return next((s for s in self.suggestions if s.product_id == product_id), None)

    def group(self, supplier_id: str) -> SupplierGroup | None:
        return next((g for g in self.groups if g.supplier.supplier_id == supplier_id), None)


def horizon_or_refuse(value: object, settings: SiteSettings) -> int:
    if value is None:
        return settings.forecast_horizon_days
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_HORIZON_DAYS:
        return value
    raise OrderingError(
        f"Horizon de prévision invalide ({value}) : un nombre entier de jours de 1 à "
        f"{MAX_HORIZON_DAYS} est attendu.",
        code="forecast_horizon_invalid",
    )


def _grouped_lines(cur, first: date, last: date) -> list[PlannedLine]:
    """Every planned line in the horizon, identical ones (source, drug, dose, unit, route)
    added up: a few thousand groups for hundreds of thousands of lines."""
    found = []
    for source, sql in SOURCES.items():
        cur.execute(
            f"""SELECT drug_id, any_value(drug_inn) AS drug_inn, dose, unit, route,
                       count(*) AS n
                FROM ({sql}) GROUP BY drug_id, dose, unit, route""",
            {"first": first, "last": last},
        )
        for drug_id, inn, dose, unit, route, n in cur.fetchall():
            found.append(PlannedLine(drug_id=drug_id, dose=dose, unit=unit, route=route,
                                     count=int(n), source=source, drug_inn=inn))
    return found


def _detailed(cur, grouped: tuple[UncomputedLine, ...], first: date, last: date
              ) -> tuple[UncomputedLine, ...]:
    """The lines behind each group the forecast could not compute, one by one (which
    patient, which prescription), with the group's reason."""
    found: list[UncomputedLine] = []
    for source, sql in SOURCES.items():
        keys = [u for u in grouped if u.line.source == source]
        if not keys:
            continue
        keys_filter = KEYS_FILTER.format(dose=DOSE_COLUMNS[source])
        cur.execute(
            f"""WITH k AS (SELECT unnest($drugs) AS drug_id, unnest($doses) AS dose,
                                  unnest($units) AS unit, unnest($routes) AS route,
                                  unnest($nos) AS k_no)
                SELECT l.*, k.k_no FROM ({sql} {keys_filter}) l JOIN k
                  ON l.drug_id = k.drug_id AND l.dose IS NOT DISTINCT FROM k.dose
                 AND l.unit IS NOT DISTINCT FROM k.unit AND l.route IS NOT DISTINCT FROM k.route
                ORDER BY l.planned_date, l.patient_id, l.line_id""",
            {"first": first, "last": last,
             "drugs": [u.line.drug_id for u in keys],
             "doses": [u.line.dose for u in keys], "units": [u.line.unit for u in keys],
             "routes": [u.line.route for u in keys], "nos": list(range(len(keys)))},
        )
        for row in dicts(cur):
            line = PlannedLine(
                drug_id=row["drug_id"], dose=row["dose"], unit=row["unit"], route=row["route"],
                source=source, prescription_id=row["prescription_id"], line_id=row["line_id"],
                patient_id=row["patient_id"], planned_date=row["planned_date"],
                drug_inn=row["drug_inn"],
            )
            found.append(UncomputedLine(line=line, reason=keys[row["k_no"]].reason))
    found.sort(key=lambda u: (u.line.planned_date or date.min, u.line.patient_id or ""))
    return tuple(found)


def _products(cur) -> tuple[dict[str, list[Product]], dict[str, str]]:
    cur.execute("SELECT * FROM ref.products ORDER BY product_id")
    by_drug: dict[str, list[Product]] = {}
    names = {}
    for row in dicts(cur):
        product = Product.from_row(row)
        by_drug.setdefault(product.drug_id, []).append(product)
        names[product.product_id] = product.name
    return by_drug, names


def _drug_units(cur) -> dict[str, str | None]:
    cur.execute("SELECT drug_id, dose_unit FROM ref.drugs")
    return dict(cur.fetchall())


def forecast(cur, settings: SiteSettings, today: date, horizon_days: int | None = None
             ) -> Forecast:
    """The suggestions to order over `horizon_days` days from `today` (default: the site's
    forecast_horizon_days)."""
    days = horizon_or_refuse(horizon_days, settings)
    first, last = rules.horizon(today, days)
    by_drug, names = _products(cur)
    offers = repo.referencing(cur)
    rank = rules.product_rank(offers)
    need = rules.planned_need(_grouped_lines(cur, first, last), by_drug, _drug_units(cur),
                              settings.max_vials, rank)
    history = repo.history_vials(cur, today - timedelta(days=settings.forecast_history_days),
                                 today - timedelta(days=1))
    stocks = current_stock(cur, settings)
    awaited = repo.awaited_vials(cur)
    by_product: dict[str, list] = {}
    for offer in offers:
        by_product.setdefault(offer.product_id, []).append(offer)
    computing = rules.Settings(
        horizon_days=days, margin_pct=settings.forecast_margin_pct,
        history_days=settings.forecast_history_days, minimums=settings.stock_minimums,
        minimum_packs=settings.order_minimum_packs,
    )
    # what something needs: planned, consumed lately, kept at a minimum, or owed (printed
    # sheets planning more vials than the usable lots hold)
    wanted = {p for p, v in need.vials.items() if v > 0} \
        | {p for p, v in history.items() if v > 0} \
        | {p for p, v in settings.stock_minimums.items() if v > 0} \
        | {p for p, stock in stocks.items() if stock.usable_after(last) < 0}
    suggestions = [
        rules.suggestion(
            product_id, names.get(product_id, product_id),
            planned_vials=need.vials.get(product_id, 0.0),
            planned_lines=need.lines.get(product_id, 0),
            history_vials=history.get(product_id, 0.0),
            stock=stocks.get(product_id), awaited=awaited.get(product_id, 0.0),
            referencing=rules.choose_referencing(by_product.get(product_id, ())),
            settings=computing, last_day=last,
        )
        for product_id in sorted(wanted) if product_id in names
    ]
    groups, unsupplied = rules.group_by_supplier(suggestions, repo.suppliers(cur))
    return Forecast(
        today=today, horizon_days=days, first_day=first, last_day=last,
        margin_pct=settings.forecast_margin_pct, history_days=settings.forecast_history_days,
        groups=groups, unsupplied=unsupplied,
        uncomputed=_detailed(cur, need.uncomputed, first, last),
        planned_lines=need.computed_lines,
    )


def forecast_for(store, user, settings: SiteSettings, today: date,
                 horizon_days: int | None = None) -> Forecast:
    """The forecast as the page shows it: the role checked (STOCK_READ), a snapshot active."""
    require(user.role, Permission.STOCK_READ)
    repo.require_snapshot(store)
    return forecast(store.cursor(), settings, today, horizon_days)
