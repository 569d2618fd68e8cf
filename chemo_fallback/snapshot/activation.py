"""Activating a snapshot: verify, read, check, reconcile, then switch atomically.

The new reference database is built in `reference/<id>.duckdb.partial`, with its own DuckDB
connection, while the live one stays in use. Only a complete, reconciled database is renamed
and made active, in one transaction of the store. Any refusal leaves the previous snapshot
active and is recorded with its report.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from chemo_fallback.audit import Actor, command_line_actor
from chemo_fallback.errors import SnapshotRefused
from chemo_fallback.snapshot import files, integrity, readers, source
from chemo_fallback.snapshot.manifest import Manifest, TableEntry, load_manifest
from chemo_fallback.snapshot.mapping import Mapping, find_mapping, load_mapping
from chemo_fallback.snapshot.report import ActivationReport, Reject, TableReport
from chemo_fallback.snapshot.source import Limits
from chemo_fallback.snapshot.tables import TABLES, Table
from chemo_fallback.store import Store

Progress = Callable[[str], None]
AGE_WARNING_HOURS = 24


@dataclass
class _Context:
    reference_dir: Path
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
    actor: Actor | None = None,
    refuse_demo: bool = False,
) -> ActivationReport:
    """Activate the snapshot at `path` (folder or .zip). Never raises for a bad snapshot: the
    returned report says `refused` and why. `reanchor_to` shifts every date so the export
    looks made on that day (demo snapshots only). `actor` is who asked for it (the audit
    trail's), by default the command line's system account. `refuse_demo` keeps synthetic
    snapshots out of a real installation. The reading runs in this process; `isolated.py`
    runs it in a child process, so that a reader crashing cannot take the app down."""
    request = PrepareRequest(
        reference_dir=store.reference_dir,
        work_dir=store.work_dir,
        path=Path(path),
        mapping_path=mapping_path,
        reanchor_to=reanchor_to,
        limits=limits or Limits(),
        refuse_demo=refuse_demo,
    )
    report, reference_file = prepare_snapshot(request, progress or (lambda _m: None))
    return record_activation(store, report, reference_file, actor, progress)


@dataclass(frozen=True)
class PrepareRequest:
    """What building a reference database needs: paths and options only, no store (it may run
    in a child process)."""

    reference_dir: Path
    work_dir: Path
    path: Path
    mapping_path: Path | None = None
    reanchor_to: date | None = None
    limits: Limits = field(default_factory=Limits)
    refuse_demo: bool = False


def prepare_snapshot(
    request: PrepareRequest, progress: Progress
) -> tuple[ActivationReport, str | None]:
    """Verify, read, check and reconcile the export into a complete reference database in
    `reference_dir`; return the report and the database's file name (None: refused, nothing
    left behind). Nothing is recorded: `record_activation` does it."""
    report = ActivationReport(source_path=str(request.path), started_at=datetime.now())
    ctx = _Context(
        request.reference_dir, report, request.limits, progress,
        request.work_dir / uuid.uuid4().hex[:12],
    )
    partial: Path | None = None
    try:
        folder = _open_source(ctx, request.path)
        manifest = load_manifest(folder)
        if request.refuse_demo and manifest.demo:
            raise SnapshotRefused(
                "Instantané de démonstration (données fictives) : il ne s'active qu'en mode "
                "démonstration. Choisissez l'export de la base de production."
            )
        if request.reanchor_to is not None:
            if not manifest.demo:
                raise SnapshotRefused(
                    "Le recalage des dates est réservé aux instantanés de démonstration : un "
                    "instantané réel n'est jamais modifié."
                )
            report.shift_days = (request.reanchor_to - manifest.exported_at.date()).days
        _describe_source(report, manifest)
        mapping = load_mapping(find_mapping(folder, request.mapping_path))
        inspected = _inspect_all(ctx, folder, manifest, mapping)
        report.snapshot_id = f"{manifest.exported_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        partial = request.reference_dir / f"{report.snapshot_id}.duckdb.partial"
        _build_reference(ctx, partial, inspected, manifest)
        final = partial.with_suffix("")  # drops ".partial"
        os.replace(partial, final)
        _fsync_dir(final.parent)
        report.status = "activated"
        return report, final.name
    except (SnapshotRefused, duckdb.Error, OSError, MemoryError) as exc:
        refuse(report, technical_message(exc) if not isinstance(exc, SnapshotRefused)
               else str(exc))
        return report, None
    finally:
        if partial is not None:
            for leftover in partial.parent.glob(partial.name + "*"):
                leftover.unlink(missing_ok=True)
        source.remove_tree(ctx.work)


def technical_message(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return (
            "Mémoire insuffisante pendant la lecture de l'export : un fichier est bien plus "
            "grand qu'une table exportée ne peut l'être. Vérifiez l'export (ou exportez la "
            "table en CSV), puis relancez."
        )
    return (
        f"Erreur technique pendant l'activation ({type(exc).__name__} : "
        f"{readers.first_line(exc)}). Vérifiez l'espace disque et les droits du dossier "
        "de données, puis relancez."
    )


def refuse(report: ActivationReport, message: str) -> None:
    report.status = "refused"
    if message not in report.errors:
        report.errors.append(message)


def record_activation(
    store: Store,
    report: ActivationReport,
    reference_file: str | None,
    actor: Actor | None = None,
    progress: Progress | None = None,
) -> ActivationReport:
    """Switch to the prepared reference database, or record the refusal; audited."""
    actor = actor or command_line_actor()
    progress = progress or (lambda _m: None)
    report.finished_at = datetime.now()
    if reference_file is not None and report.status == "activated":
        try:
            progress("Bascule sur le nouvel instantané…")
            store.switch_to(_activation_values(report), reference_file, actor)
            progress(report.headline())
            return report
        except (duckdb.Error, OSError) as exc:
            # a file never switched to is removed by the store's clean-up of old references
            refuse(report, technical_message(exc))
    report.status = "refused"
    store.record_refused(_activation_values(report), actor, report.errors[0])
    progress(report.headline())
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


FUTURE_REFUSED_HOURS = 24


def _describe_source(report: ActivationReport, manifest: Manifest) -> None:
    report.source_system = manifest.source.system
    report.source_version = manifest.source.version
    report.site = manifest.site.name
    report.exported_at = manifest.exported_at + timedelta(days=report.shift_days)
    report.demo = manifest.demo
    age_hours = (datetime.now() - report.exported_at).total_seconds() / 3600
    # (a demo re-anchored to a day ahead is what re-anchoring is for)
    if age_hours < -FUTURE_REFUSED_HOURS and not report.shift_days:
        # every age-based check (a weight older than 14 days, a result of the day) would be
        # computed from a wrong "now" of the data
        raise SnapshotRefused(
            f"La date d'export ({report.exported_at:%d/%m/%Y %H:%M}) est dans le futur de "
            f"plus de {FUTURE_REFUSED_HOURS} heures : l'horloge du poste d'export ou de ce "
            "serveur est fausse, ou le manifeste est erroné. Corrigez l'horloge ou le "
            "manifeste, puis activez à nouveau."
        )
    if age_hours < -1:
        report.warnings.append(
            f"La date d'export ({report.exported_at:%d/%m/%Y %H:%M}) est dans le futur : "
            "vérifiez l'horloge du poste d'export et de ce serveur."
        )
    elif age_hours > AGE_WARNING_HOURS:
        days = f"{age_hours / 24:.1f}".replace(".", ",")
        report.warnings.append(
            f"L'instantané date du {report.exported_at:%d/%m/%Y à %H:%M} "
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


def _inspect_all(
    ctx: _Context, folder: Path, manifest: Manifest, mapping: Mapping
) -> list[files.InspectedFile]:
    """Inspect every file before anything is read, and report all problems at once."""
    problems: list[str] = []
    inspected: list[files.InspectedFile] = []
    expected = set()
    for table in TABLES:
        try:
            name, entry = _manifest_entry(table, manifest, mapping)
            expected.add(name)
            inspected.append(files.inspect(folder, table, entry, mapping, ctx.limits))
        except SnapshotRefused as exc:
            problems.append(str(exc))
    for name in sorted(set(manifest.tables) - expected):
        ctx.report.warnings.append(
            f"Table « {name} » du manifeste inconnue de l'application : elle n'est pas lue. "
            "Si c'est une table attendue sous un autre nom, déclarez-la dans mapping.toml."
        )
    total = sum(f.size for f in inspected)
    if total > ctx.limits.max_total_bytes:
        problems.append(
            f"L'instantané fait {source.human_size(total)}, au-delà de la limite de "
            f"{source.human_size(ctx.limits.max_total_bytes)}."
        )
    ctx.report.tables = [f.report for f in inspected]
    if problems:  # the refusal lists the other files' problems too, checksums included
        for f in inspected:
            try:
                files.verify(f, ctx.work, ctx.limits)
            except SnapshotRefused as exc:
                problems.append(str(exc))
    _refuse_if(ctx, problems)
    return inspected


def _refuse_if(ctx: _Context, problems: list[str]) -> None:
    if problems:
        ctx.report.errors.extend(problems)
        raise SnapshotRefused(problems[0])


def _verify_ahead(ctx: _Context, inspected: list[files.InspectedFile]) -> Iterator:
    """Yield each file verified, while the next ones are verified in a background thread.
    A file that fails stops the reading; every file's verification problem is then reported."""

    def verify(f: files.InspectedFile) -> readers.TableFile:
        ctx.progress(f"Vérification de {f.entry.file} ({source.human_size(f.size)})…")
        return files.verify(f, ctx.work, ctx.limits)

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify")
    try:
        futures = [pool.submit(verify, f) for f in inspected]
        for future in futures:
            try:
                yield future.result()
            except SnapshotRefused:
                _refuse_if(ctx, [str(e) for e in (f.exception() for f in futures) if e])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _build_reference(
    ctx: _Context, partial: Path, inspected: list[files.InspectedFile], manifest: Manifest
) -> None:
    report = ctx.report
    export_day = manifest.exported_at.date()
    count = len(inspected)
    con = duckdb.connect(str(partial))
    try:
        loaded: list[readers.TableFile] = []
        for step, tf in enumerate(_verify_ahead(ctx, inspected), 1):
            f = inspected[step - 1]
            ctx.progress(f"[{step}/{count}] Lecture de {tf.display_name}…")
            readers.load_table(con, tf)
            integrity.check_table(con, tf, export_day)
            _count(con, tf, f.report, ctx.limits)
            ctx.progress(
                f"[{step}/{count}] {tf.table.name} : {f.report.rows_loaded} ligne(s) chargée(s), "
                f"{f.report.rows_rejected} rejetée(s)"
            )
            loaded.append(tf)
        _enforce_policy(ctx, con, loaded)
        _warn_incomplete_protocols(con, report)
        if report.shift_days:
            _shift_dates(con, loaded, report.shift_days)
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


def _enforce_policy(
    ctx: _Context, con: duckdb.DuckDBPyConnection, loaded: list[readers.TableFile]
) -> None:
    """Reconcile every table and refuse what cannot be trusted; all problems listed at once."""
    problems = []
    limit = ctx.limits.max_reject_ratio
    for tf in loaded:
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
        for rule in tf.table.table_rules:
            bad, figures = con.execute(
                f"SELECT coalesce(({rule.bad_when}), false), {rule.figures} "
                f"FROM {tf.table.name}"
            ).fetchone()
            if bad:
                problems.append(f"{tr.file} : {rule.reason} ({figures}).")
        if tf.table.must_not_be_empty and tr.rows_loaded == 0:
            problems.append(
                f"{tr.file} : aucune ligne chargée pour « {tr.label} », indispensable au "
                "fonctionnement. Exportez à nouveau cette table."
            )
    if problems:
        ctx.report.errors.extend(problems)
        raise SnapshotRefused(problems[0])


def _warn_incomplete_protocols(con: duckdb.DuckDBPyConnection, report: ActivationReport) -> None:
    """A protocol with a rejected line stays in the thesaurus (history refers to it) but is not
    prescribable: the report says which line and why (the prescription refuses it the same
    way, from the kept `protocol_line_rejects`)."""
    rows = con.execute(
        """SELECT p.protocol_id, p.name, r.line_no, r.reason
           FROM protocol_line_rejects r JOIN protocols p ON p.protocol_id = r.protocol_id
           ORDER BY p.protocol_id, TRY_CAST(r.line_no AS BIGINT) NULLS LAST"""
    ).fetchall()
    for protocol_id, name, line_no, reason in rows:
        report.warnings.append(
            f"Protocole {name} ({protocol_id}) non prescriptible : ligne {line_no or '?'} "
            f"rejetée ({reason}). Faites corriger le thésaurus dans l'export de production."
        )


def _shift_dates(
    con: duckdb.DuckDBPyConnection, loaded: list[readers.TableFile], days: int
) -> None:
    for tf in loaded:
        cols = [c.name for c in tf.table.columns if c.type in ("DATE", "TIMESTAMP")]
        if cols:
            sets = ", ".join(f"{c} = {c} + INTERVAL ({days}) DAY" for c in cols)
            con.execute(f"UPDATE {tf.table.name} SET {sets}")
        kept = tf.table.kept_rejects
        # A kept reject's readable date moves with the others (it is compared with them); its
        # text stays as the export wrote it.
        dated = [
            c.name + readers.PARSED
            for c in readers.parsed_columns(tf.table)
            if c.type in ("DATE", "TIMESTAMP")
        ]
        if kept and dated:
            sets = ", ".join(f"{c} = {c} + INTERVAL ({days}) DAY" for c in dated)
            con.execute(f"UPDATE {kept} SET {sets}")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
