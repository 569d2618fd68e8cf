"""Matching a file's header to a canonical table, through the site's mapping."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot.mapping import TableMapping
from chemo_fallback.snapshot.tables import Table

DELIMITER_CANDIDATES = (";", ",", "\t", "|")


@dataclass(frozen=True)
class ColumnMatch:
    file_columns: tuple[str, ...]
    canonical_by_index: dict[int, str]  # file column index -> our column name
    extras: tuple[str, ...]  # file columns we do not use
    absent_optional: tuple[str, ...]

    def file_name_of(self, canonical: str) -> str:
        for index, name in self.canonical_by_index.items():
            if name == canonical:
                return self.file_columns[index]
        return canonical


def _norm(name: str) -> str:
    # NFC: "DURÉE" typed with a combining accent (E + U+0301) is the same name as "DURÉE"
    return unicodedata.normalize("NFC", name.strip().strip('"')).casefold()


def match_columns(
    table: Table, file_name: str, file_columns: list[str], mapping: TableMapping
) -> ColumnMatch:
    normalized = [_norm(c) for c in file_columns]
    seen: set[str] = set()
    doubles = sorted({c for c in normalized if c in seen or seen.add(c)})
    if doubles:
        raise SnapshotRefused(
            f"{file_name} : l'en-tête contient plusieurs fois la colonne {', '.join(doubles)}. "
            "Corrigez l'export : chaque colonne doit être unique."
        )
    by_index: dict[int, str] = {}
    missing_required: list[str] = []
    missing_optional: list[str] = []
    declared_absent: list[str] = []
    for column in table.columns:
        wanted = _norm(mapping.columns.get(column.name, column.name))
        if wanted in normalized and column.name not in mapping.absent:
            by_index[normalized.index(wanted)] = column.name
        elif column.required:
            missing_required.append(mapping.columns.get(column.name, column.name))
        elif column.name in mapping.absent:
            declared_absent.append(column.name)
        else:
            missing_optional.append(mapping.columns.get(column.name, column.name))
    if missing_required:
        raise SnapshotRefused(
            f"{file_name} : colonne(s) obligatoire(s) absente(s) : {', '.join(missing_required)} "
            f"(colonnes trouvées : {', '.join(file_columns) or 'aucune'}). Vérifiez l'export ou "
            "le fichier de correspondance (mapping.toml)."
        )
    if missing_optional:
        declare = ", ".join(f'"{c.name}"' for c in table.columns
                            if mapping.columns.get(c.name, c.name) in missing_optional)
        raise SnapshotRefused(
            f"{file_name} : colonne(s) absente(s) : {', '.join(missing_optional)} (colonnes "
            f"trouvées : {', '.join(file_columns) or 'aucune'}). Une colonne renommée se "
            "déclare dans mapping.toml (columns) ; si l'export du site ne la fournit vraiment "
            f"pas, déclarez-la absente : [tables.{table.name}] absent = [{declare}]. Elle sera "
            "alors vide et le rapport dira ce que cela désactive."
        )
    extras = tuple(c for i, c in enumerate(file_columns) if i not in by_index)
    return ColumnMatch(tuple(file_columns), by_index, extras, tuple(declared_absent))


def split_header(first: str, display_name: str, delimiter: str | None) -> tuple[list[str], str]:
    """The header's column names and the delimiter (sniffed from the header when not given)."""
    first = (first.splitlines() or [""])[0]  # "\r" alone ends a line too, as for DuckDB
    if not first.strip():
        raise SnapshotRefused(
            f"{display_name} est vide ou sa première ligne est vide : la ligne d'en-tête (noms "
            "des colonnes) est obligatoire. Exportez à nouveau cette table."
        )
    if delimiter is None:
        counts = {d: first.count(d) for d in DELIMITER_CANDIDATES}
        best = max(counts, key=lambda d: counts[d])
        delimiter = best if counts[best] else ","
    try:
        names = next(csv.reader([first], delimiter=delimiter))
    except csv.Error as exc:
        raise SnapshotRefused(
            f"La ligne d'en-tête de {display_name} est illisible ({exc}). Exportez à nouveau "
            "cette table."
        ) from exc
    return names, delimiter
