"""The site's clinical settings: limits and defaults a unit sets once, shown wherever applied.

Read from `site-settings.toml` in the data directory when it exists (every key is optional;
docs/site-settings.md documents each one), else the defaults below. A protocol's own value in the
snapshot (BSA formula, BSA cap) wins over the site's default. Pure: no database, no UI.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chemo_fallback.errors import ChemoFallbackError

SETTINGS_FILE = "site-settings.toml"


class SettingsError(ChemoFallbackError):
    """The settings file cannot be used; the message says which key and what to write."""


class RoundingStep(BaseModel):
    """Doses strictly below `below` are rounded to `step` (in the dose's unit, mg or UI)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    below: float = Field(gt=0)
    step: float = Field(gt=0)


class SiteSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weight_max_age_days: int = Field(default=14, ge=0, le=365)
    bsa_formula: str = Field(default="mosteller", pattern="^(mosteller|dubois)$")
    bsa_cap_m2: float | None = Field(default=None, ge=1, le=3)
    gfr_cap_ml_min: float | None = Field(default=125.0, ge=30, le=250)
    rounding: tuple[RoundingStep, ...] = (
        RoundingStep(below=10, step=0.1),
        RoundingStep(below=1000, step=1),
        RoundingStep(below=1e12, step=10),
    )
    upcoming_days: int = Field(default=7, ge=1, le=60)
    # Pharmaceutical validation (thresholds a protocol or a product does not give)
    # At least 0,5 %: the printed precision of a dose (0,001 mg below 10 mg) keeps every dose
    # of 0,1 mg or more within it; at 0 % a dose like 1/3 mg could not be recorded as printed.
    dose_tolerance_pct: float = Field(default=5.0, ge=0.5, le=50)
    weight_change_pct: float = Field(default=10.0, ge=1, le=50)
    bsa_change_pct: float = Field(default=10.0, ge=1, le=50)
    interval_tolerance_days: int = Field(default=2, ge=0, le=14)
    lab_max_age_days: int = Field(default=7, ge=1, le=60)
    cumulative_warning_pct: float = Field(default=90.0, ge=50, le=100)
    anc_min_g_l: float | None = Field(default=1.5, ge=0, le=20)
    platelets_min_g_l: float | None = Field(default=100.0, ge=0, le=1000)
    platinum_clearance_min_ml_min: float | None = Field(default=60.0, ge=0, le=200)
    validation_double_check: bool = False
    # Clinical safety (issue 9): fail closed on stale or implausible inputs
    weight_change_block_pct: float = Field(default=20.0, ge=1, le=80)
    creatinine_max_age_days: int = Field(default=7, ge=0, le=90)
    cockcroft_gault_weight: str = Field(default="actual", pattern="^(actual|ideal|adjusted)$")
    single_pharmacist_allowed: bool = False
    # Fabrication (issue 12)
    max_vials: int = Field(default=4, ge=1, le=20)
    gravimetric_tolerance_pct: float = Field(default=5.0, ge=0.5, le=20)
    # Drugs (drug_id) whose preparation waits for the ward's feu vert; the others can be made
    # ahead. Costly drugs, so a dose not given the day is not wasted.
    costly_drugs_wait_go_ahead: tuple[str, ...] = (
        "TRASTUZUMAB",
        "PEMBROLIZUMAB",
        "NIVOLUMAB",
        "BEVACIZUMAB",
        "RITUXIMAB",
        "PERTUZUMAB",
    )
    label_width_mm: float = Field(default=100.0, ge=40, le=210)
    label_height_mm: float = Field(default=50.0, ge=25, le=150)
    pharmacy_name: str = Field(default="Pharmacie à usage intérieur — Unité de préparation des "
                               "anticancéreux", min_length=1, max_length=200)
    pharmacy_address: str = Field(default="Adresse de la PUI à paramétrer (site-settings.toml)",
                                  min_length=1, max_length=300)
    # What the site's keyboard-wedge scanner types for the GS1 group separator (FNC1), when it
    # cannot type the real character (0x1D): e.g. "|" or "^". Empty: only the real character.
    gs1_separator_substitute: str = Field(default="", max_length=3)
    # Ordering (issue 14)
    forecast_horizon_days: int = Field(default=7, ge=1, le=60)
    # About one planned protocol in five changes the day before: the planned need is raised by
    # this margin.
    forecast_margin_pct: float = Field(default=20.0, ge=0, le=200)
    # The days of consumption history whose daily average covers the products nothing planned
    # uses in the horizon.
    forecast_history_days: int = Field(default=28, ge=1, le=365)
    # Minimum stock in vials per product (product_id = vials): alert below it, and the
    # forecast orders enough to keep it at the end of the horizon.
    stock_minimums: dict[str, float] = Field(default_factory=dict)
    # A lot expiring within this many days is flagged on the stock page.
    stock_expiry_alert_days: int = Field(default=60, ge=1, le=730)
    # Minimum number of packs per order line, per supplier (supplier_id = packs).
    order_minimum_packs: dict[str, int] = Field(default_factory=dict)
    # Printed on purchase orders; empty: the pharmacy's address.
    delivery_address: str = Field(default="", max_length=300)
    pharmacy_phone: str = Field(default="", max_length=40)
    pharmacy_email: str = Field(default="", max_length=120)

    @model_validator(mode="after")
    def _ordering_values_positive(self) -> SiteSettings:
        for name, values in (("stock_minimums", self.stock_minimums),
                             ("order_minimum_packs", self.order_minimum_packs)):
            for key, value in values.items():
                if value < 0 or (name == "order_minimum_packs" and value < 1):
                    raise ValueError(
                        f"{name}.{key} = {value} : une valeur positive est attendue"
                    )
        return self

    @property
    def order_delivery_address(self) -> str:
        return self.delivery_address or self.pharmacy_address

    @model_validator(mode="after")
    def _separator_substitute_not_in_lots(self) -> SiteSettings:
        # a character that may appear in a lot or a serial (GS1 character set 82) would be
        # replaced inside them and corrupt them
        gs1_chars = set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            "!\"%&'()*+,-./:;<=>?_ "
        )
        used = sorted(set(self.gs1_separator_substitute) & gs1_chars)
        if used:
            raise ValueError(
                "gs1_separator_substitute ne peut pas contenir "
                f"« {''.join(used)} » : ce caractère peut figurer dans un lot ou un numéro de "
                "série. Choisissez par exemple « | », « ^ » ou « ~ »"
            )
        return self

    @model_validator(mode="after")
    def _rounding_in_order(self) -> SiteSettings:
        limits = [r.below for r in self.rounding]
        if limits != sorted(limits):
            raise ValueError("les paliers d'arrondi doivent être rangés par « below » croissant")
        return self

    def rounding_step_for(self, dose: float) -> float | None:
        """The practical step for a dose of this size (None: no rounding)."""
        for rule in self.rounding:
            if dose < rule.below:
                return rule.step
        return None


def load_site_settings(data_dir: Path) -> SiteSettings:
    path = data_dir / SETTINGS_FILE
    if not path.is_file():
        return SiteSettings()
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
        return SiteSettings(**values)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"Le fichier {path} est illisible ({exc}). Corrigez-le ou supprimez-le pour revenir "
            "aux valeurs par défaut (docs/site-settings.md)."
        ) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'fichier'} : {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(
            f"Paramètres du site refusés ({path}) : {problems}. Voir docs/site-settings.md."
        ) from exc
