"""The snapshot manifest: what the export claims to hold, so activation can prove it got it all."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chemo_fallback.errors import SnapshotRefused

MANIFEST_NAME = "manifest.json"
FileFormat = Literal["csv", "parquet", "xlsx"]
Encoding = Literal["auto", "utf-8", "windows-1252"]
FORMAT_BY_SUFFIX = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}


class ReadOptions(BaseModel):
    """How to read one CSV file; every field may be left out and then comes from the mapping
    file's defaults, then from the built-in ones (see `resolve`)."""

    model_config = ConfigDict(extra="forbid")

    format: FileFormat | None = None
    encoding: Encoding | None = None
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    decimal: Literal[".", ","] | None = None
    date_format: str | None = None
    timestamp_format: str | None = None
    sheet: str | None = None  # XLSX only: the sheet name (default: the first sheet)


BUILT_IN_OPTIONS = ReadOptions(
    encoding="auto",
    decimal=".",
    date_format="%Y-%m-%d",
    timestamp_format="%Y-%m-%d %H:%M:%S",
)


class TableEntry(ReadOptions):
    file: str = Field(min_length=1)
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class Source(BaseModel):
    system: str = Field(min_length=1)
    version: str = ""


class Site(BaseModel):
    name: str = Field(min_length=1)
    finess: str = ""


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: Literal[1] = 1
    source: Source
    site: Site
    exported_at: datetime
    tables: dict[str, TableEntry]
    demo: bool = False  # set by the synthetic generator: such a snapshot is never a real one

    @field_validator("exported_at")
    @classmethod
    def _naive_local(cls, value: datetime) -> datetime:
        # Stored as this server's local wall-clock time, as every date in the snapshot is; a
        # date given with its offset is converted, never read as if it were local.
        return value.astimezone().replace(tzinfo=None) if value.tzinfo else value


def resolve(*layers: ReadOptions | None) -> ReadOptions:
    """Merge read options: the first layer that sets a field wins."""
    merged: dict = {}
    for layer in (*layers, BUILT_IN_OPTIONS):
        if layer is None:
            continue
        for name in ReadOptions.model_fields:
            value = getattr(layer, name)
            if merged.get(name) is None and value is not None:
                merged[name] = value
    return ReadOptions(**merged)


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose keys are unique; Python's json keeps the last of two silently."""
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


MAX_MANIFEST_BYTES = 1024 * 1024


def load_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise SnapshotRefused(
            f"Le fichier {MANIFEST_NAME} est absent de l'instantané ({folder}). "
            "Exportez à nouveau l'instantané avec son manifeste."
        )
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise SnapshotRefused(
            f"Le fichier {MANIFEST_NAME} fait {path.stat().st_size} octets : un manifeste tient "
            "en quelques kilo-octets. Ce n'est pas le manifeste d'un export : exportez à "
            "nouveau l'instantané."
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"), object_pairs_hook=_unique_keys)
    except RecursionError as exc:
        raise SnapshotRefused(
            f"Le fichier {MANIFEST_NAME} est illisible (structure imbriquée sans fin). "
            "Exportez à nouveau l'instantané."
        ) from exc
    except DuplicateKey as exc:
        raise SnapshotRefused(
            f"Le fichier {MANIFEST_NAME} nomme deux fois « {exc.key} » : on ne peut pas savoir "
            "laquelle des deux entrées est la bonne (la seconde est souvent un reste d'un export "
            "précédent). Corrigez le manifeste ou exportez à nouveau l'instantané."
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotRefused(
            f"Le fichier {MANIFEST_NAME} est illisible ({exc}). "
            "Il doit être un JSON en UTF-8 : exportez à nouveau l'instantané."
        ) from exc
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])} : {err['msg']}" for err in exc.errors()
        )
        raise SnapshotRefused(
            f"Le fichier {MANIFEST_NAME} est incomplet ou invalide ({problems}). "
            "Corrigez le manifeste ou exportez à nouveau l'instantané."
        ) from exc


def write_manifest(folder: Path, manifest: Manifest) -> None:
    text = manifest.model_dump_json(indent=2, exclude_none=True)
    (folder / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")
