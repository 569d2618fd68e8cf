"""Activating a snapshot: verify, read, check, reconcile, then switch atomically.

The new reference database is built in `reference/<id>.duckdb.partial`, with its own DuckDB
connection, while the live one stays in use. Only a complete, reconciled database is renamed
and made active, in one transaction of the store. Any refusal leaves the previous snapshot
active and is recorded with its report.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot import integrity, readers, source, xlsx
from chemo_fallback.snapshot.columns import match_columns, read_csv_header
from chemo_fallback.snapshot.manifest import (
    FORMAT_BY_SUFFIX,
    Manifest,
    TableEntry,
    load_manifest,
    resolve,
)
from chemo_fallback.snapshot.mapping import Mapping, find_mapping, load_mapping
from chemo_fallback.snapshot.report import ActivationReport, Reject, TableReport
from chemo_fallback.snapshot.source import Limits
from chemo_fallback.snapshot.tables import TABLES, Table
from chemo_fallback.store import Store

Progress = Callable[[str], None]
AGE_WARNING_HOURS = 24


@dataclass
class _Context:
    store: Store
    report: ActivationReport
    limits: Limits
    progress: Progress
    work: Path


def activate_snapshot(
    store: Store,
    path: Path,
    *,
    mapping_path: Path | None = None,
    reanchor_to: date | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> ActivationReport:
    """Activate the snapshot at `path` (folder or .zip). Never raises for a bad snapshot: the
    returned report says `refused` and why. `reanchor_to` shifts every date so the export
    looks made on that day (demo snapshots only)."""
    report = ActivationReport(source_path=str(path), started_at=datetime.now())
    ctx = _Context(
        store,
        report,
        limits or Limits(),
        progress or (lambda _m: None),
        store.work_dir / uuid.uuid4().hex[:12],
    )
    partial: Path | None = None
    try:
        folder = _open_source(ctx, Path(path))
        manifest = load_manifest(folder)
        _describe_source(report, manifest)
        if reanchor_to is not None:
            if not manifest.demo:
                raise SnapshotRefused(
                    "Le recalage des dates est réservé aux instantanés de démonstration : un "
                    "instantané réel n'est jamais modifié."
                )
            report.shift_days = (reanchor_to - manifest.exported_at.date()).days
        mapping = load_mapping(find_mapping(folder, mapping_path))
        files = _prepare_files(ctx, folder, manifest, mapping)
        report.snapshot_id = f"{manifest.exported_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        partial = store.reference_dir / f"{report.snapshot_id}.duckdb.partial"
        _build_reference(ctx, partial, files, manifest)
        final = partial.with_suffix("")  # drops ".partial"
        os.replace(partial, final)
        _fsync_dir(final.parent)
        report.status = "activated"
        report.finished_at = datetime.now()
        ctx.progress("Bascule sur le nouvel instantané…")
        store.switch_to(_activation_values(report), final.name)
        ctx.progress(report.headline())
    except SnapshotRefused as exc:
        report.status = "refused"
        if str(exc) not in report.errors:
            report.errors.append(str(exc))
        report.finished_at = datetime.now()
        store.record_refused(_activation_values(report))
        ctx.progress(report.headline())
    finally:
        if partial is not None:
            for leftover in partial.parent.glob(partial.name + "*"):
                leftover.unlink(missing_ok=True)
        source.remove_tree(ctx.work)
    return report


def _activation_values(report: ActivationReport) -> dict:
    return {
        "snapshot_id": report.snapshot_id,
        "source_path": report.source_path,
        "source_system": report.source_system,
        "site": report.site,
        "exported_at": report.exported_at,
        "demo": report.demo,
        "shift_days": report.shift_days,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "report_json": report.model_dump_json(),
    }


def _open_source(ctx: _Context, path: Path) -> Path:
    if path.is_dir():
        return path
    if path.is_file() and path.suffix.lower() == ".zip":
        ctx.progress(f"Décompression de {path.name}…")
        return source.unpack_zip(path, ctx.work / "unzipped", ctx.limits)
    raise SnapshotRefused(
        f"{path} n'est ni un dossier d'instantané ni une archive .zip. Indiquez le dossier qui "
        "contient manifest.json, ou l'archive .zip de l'export."
    )


def _describe_source(report: ActivationReport, manifest: Manifest) -> None:
    report.source_system = manifest.source.system
    report.source_version = manifest.source.version
    report.site = manifest.site.name
    report.exported_at = manifest.exported_at
    report.demo = manifest.demo
    age_hours = (datetime.now() - manifest.exported_at).total_seconds() / 3600
    if age_hours < -1:
        report.warnings.append(
            f"La date d'export ({manifest.exported_at:%d/%m/%Y %H:%M}) est dans le futur : "
            "vérifiez l'horloge du poste d'export et de ce serveur."
        )
    elif age_hours > AGE_WARNING_HOURS:
        days = f"{age_hours / 24:.1f}".replace(".", ",")
        report.warnings.append(
            f"L'instantané date du {manifest.exported_at:%d/%m/%Y à %H:%M} "
            f"({days} jours) : les prescriptions, préparations et résultats de "
            "biologie postérieurs n'y figurent pas."
        )


def _manifest_entry(table: Table, manifest: Manifest, mapping: Mapping) -> tuple[str, TableEntry]:
    name = mapping.for_table(table.name).source or table.name
    entry = manifest.tables.get(name)
    if entry is None:
        raise SnapshotRefused(
            f"Table « {table.label} » ({name}) absente du manifeste : l'instantané est incomplet. "
            "Exportez-la, ou déclarez son nom dans mapping.toml."
        )
    return name, entry


def _prepare_files(
    ctx: _Context, folder: Path, manifest: Manifest, mapping: Mapping
) -> list[readers.TableFile]:
    """Check every file (presence, size, checksum, encoding, header) and report all problems
    at once before anything is read."""
    problems: list[str] = []
    files: list[readers.TableFile] = []
    total = 0
    for table in TABLES:
        try:
            _, entry = _manifest_entry(table, manifest, mapping)
            prepared = _prepare_file(ctx, folder, table, entry, mapping)
            total += prepared[1]
            files.append(prepared[0])
        except SnapshotRefused as exc:
            problems.append(str(exc))
    if total > ctx.limits.max_total_bytes:
        problems.append(
            f"L'instantané fait {source.human_size(total)}, au-delà de la limite de "
            f"{source.human_size(ctx.limits.max_total_bytes)}."
        )
    if problems:
        ctx.report.errors.extend(problems)
        raise SnapshotRefused(problems[0])
    return files


def _prepare_file(
    ctx: _Context, folder: Path, table: Table, entry: TableEntry, mapping: Mapping
) -> tuple[readers.TableFile, int]:
    table_mapping = mapping.for_table(table.name)
    options = resolve(entry, table_mapping, mapping.defaults)
    path = source.resolve_member(folder, entry.file)
    if not path.is_file():
        raise SnapshotRefused(
            f"Le fichier {entry.file} (table « {table.label} ») est absent de l'instantané."
        )
    fmt = options.format or FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise SnapshotRefused(
            f'{entry.file} : format inconnu. Indiquez "format" (csv, parquet ou xlsx) dans '
            "le manifeste."
        )
    ctx.progress(f"Vérification de {entry.file} ({source.human_size(path.stat().st_size)})…")
    tr = TableReport(
        table=table.name, label=table.label, file=entry.file, format=fmt, rows_declared=entry.rows
    )
    ctx.report.tables.append(tr)
    if fmt == "csv":
        checked = source.check_text_file(path, options.encoding or "auto", ctx.work, ctx.limits)
        read_path = checked.utf8_path
        tr.encoding = checked.encoding
        if options.encoding == "auto" and checked.encoding != "utf-8":
            tr.warnings.append(f"encodage détecté : {checked.encoding}")
        header, delimiter = read_csv_header(read_path, entry.file, options.delimiter)
        options = options.model_copy(update={"delimiter": delimiter})
    else:
        size = path.stat().st_size
        if size > ctx.limits.max_file_bytes:
            raise source.too_big(entry.file, size, ctx.limits.max_file_bytes)
        checked = source.CheckedFile(source.hash_file(path), size, "binary", path)
        read_path = path
    if checked.sha256.lower() != entry.sha256.lower():
        raise SnapshotRefused(
            f"{entry.file} : l'empreinte SHA-256 ne correspond pas au manifeste (fichier modifié, "
            "tronqué ou mal copié). Copiez à nouveau l'export depuis sa source."
        )
    if fmt == "xlsx":
        rows = xlsx.read_sheet(path, entry.file, options.sheet)
        if not rows:
            raise SnapshotRefused(f"{entry.file} est vide : la ligne d'en-tête est obligatoire.")
        header = [str(c) for c in rows[0]]
        ctx.work.mkdir(parents=True, exist_ok=True)
        read_path = ctx.work / f"{table.name}.xlsx.csv"
        xlsx.write_csv(rows, read_path, options)
        options = options.model_copy(update={"delimiter": ","})
        fmt = "csv"
    elif fmt == "parquet":
        header = _parquet_columns(path, entry.file)
    match = match_columns(table, entry.file, header, table_mapping)
    if match.extras:
        tr.warnings.append(f"colonnes ignorées : {', '.join(match.extras)}")
    if match.absent_optional:
        tr.warnings.append(f"colonnes facultatives absentes : {', '.join(match.absent_optional)}")
    tf = readers.TableFile(table, entry.file, read_path, fmt, options, match, table_mapping)
    return tf, checked.size


def _parquet_columns(path: Path, display_name: str) -> list[str]:
    try:
        with duckdb.connect() as con:
            quoted = str(path).replace("'", "''")
            return [
                r[0]
                for r in con.execute(
                    f"SELECT name FROM parquet_schema('{quoted}') WHERE num_children IS NULL "
                    "OR num_children = 0"
                ).fetchall()
            ]
    except duckdb.Error as exc:
        raise SnapshotRefused(
            f"{display_name} n'est pas un fichier Parquet lisible ({readers.first_line(exc)}). "
            "Exportez à nouveau cette table."
        ) from exc


def _build_reference(
    ctx: _Context, partial: Path, files: list[readers.TableFile], manifest: Manifest
) -> None:
    report = ctx.report
    by_table = {t.table: t for t in report.tables}
    export_day = manifest.exported_at.date()
    con = duckdb.connect(str(partial))
    try:
        for step, tf in enumerate(files, 1):
            ctx.progress(f"[{step}/{len(files)}] Lecture de {tf.display_name}…")
            readers.load_table(con, tf)
            integrity.check_table(con, tf, export_day)
            _count(con, tf, by_table[tf.table.name], ctx.limits)
            tr = by_table[tf.table.name]
            ctx.progress(
                f"[{step}/{len(files)}] {tf.table.name} : {tr.rows_loaded} ligne(s) chargée(s), "
                f"{tr.rows_rejected} rejetée(s)"
            )
        _enforce_policy(ctx, files)
        if report.shift_days:
            _shift_dates(con, files, report.shift_days)
            report.exported_at = manifest.exported_at + timedelta(days=report.shift_days)
        con.execute(
            "CREATE TABLE _snapshot AS SELECT ? AS snapshot_id, ? AS manifest_json, "
            "? AS shift_days",
            [report.snapshot_id, manifest.model_dump_json(), report.shift_days],
        )
        con.execute("DROP TABLE IF EXISTS _rejects")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _count(
    con: duckdb.DuckDBPyConnection, tf: readers.TableFile, tr: TableReport, limits: Limits
) -> None:
    name = tf.table.name
    tr.rows_loaded = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    tr.rows_rejected = con.execute(
        "SELECT count(DISTINCT line) FROM _rejects WHERE table_name = ?", [name]
    ).fetchone()[0]
    tr.rows_read = tr.rows_loaded + tr.rows_rejected
    rows = con.execute(
        "SELECT line, column_name, reason, value FROM _rejects WHERE table_name = ? "
        "ORDER BY line, column_name LIMIT ?",
        [name, limits.max_listed_rejects],
    ).fetchall()
    tr.rejects = [
        Reject(file=tf.display_name, line=r[0], column=r[1], reason=r[2], value=r[3]) for r in rows
    ]


def _enforce_policy(ctx: _Context, files: list[readers.TableFile]) -> None:
    """Reconcile every table and refuse what cannot be trusted; all problems listed at once."""
    problems = []
    limit = ctx.limits.max_reject_ratio
    for tf in files:
        tr = next(t for t in ctx.report.tables if t.table == tf.table.name)
        if tr.rows_read != tr.rows_declared:
            problems.append(
                f"{tr.file} : le manifeste annonce {tr.rows_declared} ligne(s), le fichier en "
                f"contient {tr.rows_read}. Le fichier est incomplet ou le manifeste faux : "
                "exportez à nouveau cette table."
            )
        elif tr.rows_declared and tr.rows_rejected / tr.rows_declared > limit:
            problems.append(
                f"{tr.file} : {tr.rows_rejected} ligne(s) rejetée(s) sur {tr.rows_declared} "
                f"(plus de {limit * 100:g} %) : l'export ou sa correspondance semble faux. "
                "Consultez les rejets, corrigez puis relancez."
            )
        if tf.table.must_not_be_empty and tr.rows_loaded == 0:
            problems.append(
                f"{tr.file} : aucune ligne chargée pour « {tr.label} », indispensable au "
                "fonctionnement. Exportez à nouveau cette table."
            )
    if problems:
        ctx.report.errors.extend(problems)
        raise SnapshotRefused(problems[0])


def _shift_dates(con: duckdb.DuckDBPyConnection, files: list[readers.TableFile], days: int) -> None:
    for tf in files:
        cols = [c.name for c in tf.table.columns if c.type in ("DATE", "TIMESTAMP")]
        if cols:
            sets = ", ".join(f"{c} = {c} + INTERVAL ({days}) DAY" for c in cols)
            con.execute(f"UPDATE {tf.table.name} SET {sets}")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
