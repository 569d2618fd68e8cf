"""Whatever bytes a table file holds, activation either loads exactly or refuses with a message:
never a traceback, never a partial switch."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from factory import ROWS, csv_text, rewrite_table, write_snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.source import Limits
from chemo_fallback.store import Store

TABLES = ("patients", "drugs", "lab_results", "protocol_lines")
CSV_ALPHABET = st.sampled_from([*"IPP0123456789,;\"\n\r -./:éÉa\x00\xa0FM", "1958-03-14"])


@st.composite
def table_bytes(draw) -> tuple[str, bytes, int]:
    table = draw(st.sampled_from(TABLES))
    valid = csv_text(table, ROWS[table]).encode("utf-8")
    kind = draw(st.sampled_from(["random", "csvish", "mutated"]))
    if kind == "random":
        content = draw(st.binary(max_size=600))
    elif kind == "csvish":
        content = "".join(draw(st.lists(CSV_ALPHABET, max_size=300))).encode(
            draw(st.sampled_from(["utf-8", "cp1252"]))
        )
    else:
        content = bytearray(valid)
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, max(len(content) - 1, 0)))
            op = draw(st.sampled_from(["replace", "insert", "delete"]))
            byte = draw(st.integers(0, 255))
            if op == "replace" and content:
                content[at] = byte
            elif op == "insert":
                content.insert(at, byte)
            elif content:
                del content[at]
        content = bytes(content)
    declared = draw(st.sampled_from([len(ROWS[table]), draw(st.integers(0, 8))]))
    return table, content, declared


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=table_bytes(), lenient=st.booleans())
def test_any_table_content_loads_exactly_or_is_refused(case, lenient: bool) -> None:
    table, content, declared = case
    root = Path(tempfile.mkdtemp(prefix="prop-"))
    try:
        store = Store.open(root / "data")
        previous = activate_snapshot(store, write_snapshot(root / "previous"))
        folder = write_snapshot(root / "next")
        rewrite_table(folder, table, content, rows=declared)
        files_before = sorted(p.name for p in store.reference_dir.iterdir())

        report = activate_snapshot(
            store, folder, limits=Limits(max_reject_ratio=1.0) if lenient else Limits()
        )

        cur = store.cursor()
        if report.status == "activated":
            assert store.active_snapshot().snapshot_id == report.snapshot_id
            for entry in report.tables:
                assert entry.reconciled, entry
                stored = cur.execute(f"SELECT count(*) FROM ref.{entry.table}").fetchone()[0]
                assert stored == entry.rows_loaded
        else:
            assert report.errors and all(e.strip() for e in report.errors)
            assert store.active_snapshot().snapshot_id == previous.snapshot_id
            assert sorted(p.name for p in store.reference_dir.iterdir()) == files_before
            assert cur.execute("SELECT count(*) FROM ref.patients").fetchone() == (3,)
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
