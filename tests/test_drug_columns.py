"""The drug-level safety columns of the snapshot: lists of codes checked code by code, a site's
own codes mapped code by code, a missing column read as "not given"."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from factory import ROWS, columns_of, csv_text, rewrite_table, write_snapshot

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits

LENIENT = Limits(max_reject_ratio=1.0)


def _drugs_with(**change) -> bytes:
    rows = [dict(r) for r in ROWS["drugs"]]
    rows[0].update(change)
    return csv_text("drugs", rows).encode("utf-8")


def _routes(store) -> dict:
    return dict(store.cursor().execute("SELECT drug_id, routes FROM ref.drugs").fetchall())


def test_site_route_codes_are_mapped_one_by_one(store, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "s")
    rewrite_table(folder, "drugs", _drugs_with(routes="INTRAVEINEUSE| SOUS-CUT"))
    (folder / "mapping.toml").write_text(
        '[tables.drugs.values.routes]\nINTRAVEINEUSE = "IV"\n"SOUS-CUT" = "SC"\n',
        encoding="utf-8",
    )
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.errors
    assert _routes(store)["OXALI"] == "IV|SC"


def test_an_unknown_code_in_a_list_rejects_the_drug(store, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "s")
    rewrite_table(folder, "drugs", _drugs_with(routes="IV|INTRATH"))
    report = activate_snapshot(store, folder, limits=LENIENT)
    [table] = [t for t in report.tables if t.table == "drugs"]
    [reject] = table.rejects
    assert reject.column == "routes" and reject.value == "IV|INTRATH"
    assert reject.reason.startswith("voies autorisées (séparées par |) : code non reconnu")


def _without_routes(folder: Path) -> None:
    kept = [c for c in columns_of("drugs") if c != "routes"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(kept)
    writer.writerows([["" if r.get(c) is None else r[c] for c in kept] for r in ROWS["drugs"]])
    rewrite_table(folder, "drugs", out.getvalue().encode("utf-8"))


def test_a_missing_routes_column_refuses_the_table(store, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "s")
    _without_routes(folder)
    report = activate_snapshot(store, folder)
    assert report.status == "refused"
    assert "drugs.csv : colonne(s) absente(s) : routes" in report.errors[0]
    assert '[tables.drugs] absent = ["routes"]' in report.errors[0]


def test_a_routes_column_declared_absent_reads_as_not_given(store, tmp_path: Path) -> None:
    folder = write_snapshot(tmp_path / "s")
    _without_routes(folder)
    (folder / "mapping.toml").write_text('[tables.drugs]\nabsent = ["routes"]\n', "utf-8")
    report = activate_snapshot(store, folder)
    assert report.status == "activated", report.errors
    [table] = [t for t in report.tables if t.table == "drugs"]
    assert any("routes" in w and "déclarée absente" in w and "refusée" in w
               for w in table.warnings)
    assert _routes(store) == {"OXALI": None, "DOXO": None}
