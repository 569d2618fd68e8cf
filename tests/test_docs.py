"""The snapshot format documentation names every table and column the code expects."""

from pathlib import Path

from chemo_fallback.snapshot.tables import TABLES

DOC = Path(__file__).parent.parent / "docs" / "snapshot-format.md"


def test_every_table_and_column_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for table in TABLES:
        assert f"### `{table.name}`" in text, table.name
        section = text.split(f"### `{table.name}`")[1].split("\n### ")[0]
        for column in table.columns:
            assert f"| `{column.name}` |" in section, f"{table.name}.{column.name}"
