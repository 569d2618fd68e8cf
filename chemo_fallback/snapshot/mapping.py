"""A site's mapping file (TOML): its export's table, column and code names mapped to ours.

No code change is needed to activate another site's export: see docs/snapshot-format.md.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot.manifest import ReadOptions
from chemo_fallback.snapshot.tables import TABLES_BY_NAME

MAPPING_NAME = "mapping.toml"


class TableMapping(ReadOptions):
    model_config = ConfigDict(extra="forbid")

    source: str | None = None  # the table's name in the site's manifest
    columns: dict[str, str] = Field(default_factory=dict)  # our column -> the site's column
    values: dict[str, dict[str, str]] = Field(default_factory=dict)  # our column -> codes
    # Optional columns the site's export truly does not have: declared, they load empty and the
    # report says what that disables; undeclared, a missing column refuses the table (a renamed
    # or forgotten column must never empty every patient's weight with a mere warning).
    absent: list[str] = Field(default_factory=list)


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: ReadOptions = Field(default_factory=ReadOptions)
    tables: dict[str, TableMapping] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_names(self) -> Mapping:
        for table, spec in self.tables.items():
            if table not in TABLES_BY_NAME:
                raise ValueError(f"table inconnue « {table} »")
            known = set(TABLES_BY_NAME[table].column_names)
            for column in (*spec.columns, *spec.values, *spec.absent):
                if column not in known:
                    raise ValueError(f"colonne inconnue « {column} » dans la table « {table} »")
            for column in spec.absent:
                if TABLES_BY_NAME[table].column(column).required:
                    raise ValueError(
                        f"la colonne « {column} » de la table « {table} » est obligatoire : "
                        "elle ne peut pas être déclarée absente"
                    )
                if column in spec.columns:
                    raise ValueError(
                        f"la colonne « {column} » de la table « {table} » est à la fois "
                        "renommée (columns) et déclarée absente (absent)"
                    )
        return self

    def for_table(self, table: str) -> TableMapping:
        return self.tables.get(table, TableMapping())


def find_mapping(snapshot_folder: Path, explicit: Path | None) -> Path | None:
    """The explicit mapping file if given, else the snapshot's own mapping.toml if any."""
    if explicit is not None:
        return explicit
    bundled = snapshot_folder / MAPPING_NAME
    return bundled if bundled.is_file() else None


def load_mapping(path: Path | None) -> Mapping:
    if path is None:
        return Mapping()
    if not path.is_file():
        raise SnapshotRefused(
            f"Le fichier de correspondance {path} est introuvable. Vérifiez son chemin."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SnapshotRefused(
            f"Le fichier de correspondance {path.name} est illisible ({exc}). "
            "Corrigez sa syntaxe TOML (voir docs/snapshot-format.md)."
        ) from exc
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])} : {err['msg']}" for err in exc.errors()
        )
        raise SnapshotRefused(
            f"Le fichier de correspondance {path.name} est invalide ({problems}). "
            "Corrigez-le (voir docs/snapshot-format.md)."
        ) from exc
