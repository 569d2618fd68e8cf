"""The re-integration export (issue 15): everything the fallback recorded in a period, as one
package (docs/reintegration-format.md) — CSV files with their manifest, one FHIR R4B Bundle,
and a reconciliation report (PDF + CSV).

The export changes no record: it reads in one read transaction (every file sees the same
moment), writes the package to a new folder, and only then records the export run (exp_runs,
audited "reintegration.exported"). If that record cannot be written the folder is removed, so
no package leaves that `--since-last` does not know of. Deterministic: the files depend only on
the data and on the period [since, until]; only the manifest's `exported_at` tells two exports
of the same period apart.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chemo_fallback import __version__, audit, french
from chemo_fallback.auth import roles
from chemo_fallback.auth.roles import Permission
from chemo_fallback.reintegration import fhir_bundle, reconciliation, runs
from chemo_fallback.reintegration.collect import collect
from chemo_fallback.reintegration.flat_files import ExportRefused, check_options, csv_bytes
from chemo_fallback.store import Store

FORMAT = "chemo-fallback-reintegration"
FORMAT_VERSION = "1"
MANIFEST = "manifest.json"
BUNDLE = "fhir/bundle.json"


@dataclass(frozen=True)
class ExportResult:
    run_id: int
    out_dir: Path
    manifest: dict
    manifest_sha256: str
    counts: dict[str, int]  # rows per CSV file
    report: reconciliation.Report

    def summary(self) -> str:
        total = sum(self.counts.values())
        text = (f"Export n° {self.run_id} écrit dans {self.out_dir} : {len(self.counts)} "
                f"fichiers CSV, {total} ligne(s), lot FHIR et rapport de rapprochement.")
        for problem in self.report.problems:
            text += f"\nATTENTION : {problem}"
        return text


def _actor(user) -> audit.Actor:
    return user.actor if hasattr(user, "actor") else user


def _check_out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir).expanduser().absolute()
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ExportRefused(
            f"Export refusé : le dossier {out_dir} existe déjà et n'est pas vide. Choisissez un "
            "nouveau dossier (un export ne mélange jamais ses fichiers à d'autres).",
            code="export_folder_not_empty")
    if not out_dir.parent.is_dir():
        raise ExportRefused(
            f"Export refusé : le dossier parent {out_dir.parent} n'existe pas.",
            code="export_folder_missing")
    return out_dir


def _check_store(store: Store) -> None:
    checks = [c for c in (store.audit_check, store.anchor_check, store.rows_check)
              if c is not None and not c.ok]
    if checks:
        raise ExportRefused(
            "Export refusé : la piste d'audit ou les enregistrements ne sont pas intègres "
            f"({checks[0].message()}). Un export recopierait des données altérées ; faites "
            "vérifier la base (`chemo-fallback audit verify`).", code="export_store_not_intact")
    if not store.has_reference() or store.active_snapshot() is None:
        raise ExportRefused(
            "Export refusé : aucun instantané actif. Activez l'instantané de la base de "
            "production utilisé pendant la panne, puis recommencez.",
            code="export_no_snapshot")


def _period(store: Store, since: datetime | None, since_last: bool, until: datetime
            ) -> tuple[datetime | None, int | None]:
    if since is not None and since_last:
        raise ExportRefused("Choisissez soit une date de début, soit « depuis le dernier "
                            "export », pas les deux.", code="export_period_invalid")
    previous = None
    if since_last:
        last = runs.last_run(store.cursor())
        if last is None:
            raise ExportRefused(
                "Aucun export précédent : faites d'abord un export complet (sans date de "
                "début).", code="export_no_previous")
        # the services date records to the second: a record written just after the previous
        # export, in the same second, is dated before its end; starting at that second keeps
        # it (such a record may then be in both packages: its key makes that harmless)
        previous, since = last["run_id"], last["until_at"].replace(microsecond=0)
    if since is not None and since >= until:
        raise ExportRefused(
            f"Période vide : le début ({french.moment(since, seconds=True)}) n'est pas avant "
            f"la fin ({french.moment(until, seconds=True)}).", code="export_period_invalid")
    return since, previous


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_files(store: Store, since: datetime | None, until: datetime, encoding: str,
                separator: str) -> tuple[dict[str, bytes], dict[str, int], dict, dict,
                                         reconciliation.Report]:
    """The package's files (relative path → bytes) but the manifest, read in one transaction."""
    cur = store.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        tables = collect(cur, since, until)
        bundle = fhir_bundle.build(cur, tables)
        trail = runs.audit_as_of(cur, until, store.anchor_file)
        report = reconciliation.build(cur, tables, since, until, trail)
        snapshot = runs.snapshot_facts(cur)
    finally:
        cur.execute("ROLLBACK")
        cur.close()
    files = {f"csv/{t.record_type.file}": csv_bytes(t, encoding, separator)
             for t in tables.values()}
    counts = {t.record_type.file: len(t.rows) for t in tables.values()}
    files[BUNDLE] = fhir_bundle.to_json(bundle)
    files.update(reconciliation.files(report))
    return files, counts, trail, snapshot, report


def export_package(store: Store, user, out_dir: Path, *, since: datetime | None = None,
                   since_last: bool = False, encoding: str = "utf-8", separator: str = ",",
                   now: datetime | None = None) -> ExportResult:
    actor = _actor(user)
    roles.require(actor.role, Permission.EXPORT_RUN)
    check_options(encoding, separator)
    out_dir = _check_out_dir(out_dir)
    _check_store(store)
    until = now or datetime.now()
    since, previous = _period(store, since, since_last, until)
    files, counts, trail, snapshot, report = build_files(store, since, until, encoding,
                                                         separator)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "app_version": __version__,
        "exported_at": datetime.now().replace(microsecond=0).isoformat(),
        "exported_by": actor.username,
        "period": {"since": since.isoformat() if since else None, "until": until.isoformat(),
                   "since_last": since_last, "previous_export": previous},
        "snapshot": snapshot, "encoding": encoding, "separator": separator,
        "audit": trail,
        "files": [{"name": name, "rows": counts.get(name.removeprefix("csv/")),
                   "sha256": _sha(data)} for name, data in sorted(files.items())],
    }
    files[MANIFEST] = (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
                       + "\n").encode("utf-8")
    manifest_sha = _sha(files[MANIFEST])
    _write(out_dir, files)
    try:
        run_id = runs.record_run(store, actor, out_dir, since, until, since_last, encoding,
                                 separator, counts, manifest_sha)
    except BaseException:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise
    return ExportResult(run_id, out_dir, manifest, manifest_sha, counts, report)


def _write(out_dir: Path, files: dict[str, bytes]) -> None:
    """All files into a temporary sibling folder, then renamed: a package is whole or absent."""
    temp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        for name, data in files.items():
            path = temp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if out_dir.exists():
            out_dir.rmdir()  # empty: checked before
        temp.rename(out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
