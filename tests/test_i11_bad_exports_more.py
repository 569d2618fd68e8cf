"""Issue 11, more hostile exports found by probing `snapshot activate`: a manifest nested
without end or far too big, an export dated in the future, a date with its offset, a zip bomb,
a table the application does not know."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta

import pytest
from factory import edit_manifest, rewrite_table, write_snapshot
from test_i11_bad_exports import _refused_and_kept

from chemo_fallback.snapshot.activation import activate_snapshot
from chemo_fallback.snapshot.manifest import load_manifest


def test_a_manifest_nested_without_end_is_a_french_refusal(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    (folder / "manifest.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    text = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "structure imbriquée sans fin" in text


def test_a_manifest_of_several_megabytes_is_refused_unread(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    (folder / "manifest.json").write_text(" " * (2 * 1024 * 1024) + "{}", encoding="utf-8")
    text = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "un manifeste tient en quelques kilo-octets" in text


def test_an_export_dated_in_the_future_is_refused(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    edit_manifest(folder, lambda m: m.update(exported_at="2099-01-01T00:00:00"))
    text = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "dans le futur de plus de 24 heures" in text


def test_an_export_date_with_its_offset_is_converted_to_local_time(tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    edit_manifest(folder, lambda m: m.update(exported_at="2026-11-20T02:00:00+05:00"))
    expected = datetime.fromisoformat("2026-11-20T02:00:00+05:00").astimezone().replace(
        tzinfo=None)
    assert load_manifest(folder).exported_at == expected


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(store, previous, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            data = path.read_bytes()
            if path.name == "wards.csv":
                data += b"\n" * (80 * 1024 * 1024)
            zf.writestr(path.name, data)
    text = _refused_and_kept(store, previous, activate_snapshot(store, archive))
    assert "invraisemblable pour un export" in text
    assert not list((store.data_dir / "work").glob("**/wards.csv"))


def test_a_table_the_application_does_not_know_is_named_in_a_warning(store, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")

    def add(manifest: dict) -> None:
        manifest["tables"]["evil"] = dict(manifest["tables"]["wards"])

    edit_manifest(folder, add)
    report = activate_snapshot(store, folder)
    assert report.status == "activated"
    assert any("Table « evil » du manifeste inconnue" in w for w in report.warnings)


def test_an_export_a_few_hours_ahead_is_only_a_warning(store, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    ahead = (datetime.now() + timedelta(hours=3)).replace(microsecond=0).isoformat()
    edit_manifest(folder, lambda m: m.update(exported_at=ahead))
    report = activate_snapshot(store, folder)
    assert report.status == "activated"
    assert any("dans le futur" in w for w in report.warnings)


@pytest.mark.parametrize("invisible", ["\u202e", "\u200b", "\u2066", "\ufeff"])
def test_an_invisible_character_in_a_text_value_refuses_the_file(
    store, previous, tmp_path, invisible
) -> None:
    folder = write_snapshot(tmp_path / "snap")
    lines = (folder / "patients.csv").read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("Dupont", f"Dup{invisible}ont", 1)
    assert invisible in lines[1]
    rewrite_table(folder, "patients", "\n".join(lines).encode("utf-8"))
    text = _refused_and_kept(store, previous, activate_snapshot(store, folder))
    assert "caractère invisible" in text and "ligne 2" in text


def test_a_byte_order_mark_at_the_start_still_loads(store, tmp_path) -> None:
    folder = write_snapshot(tmp_path / "snap")
    content = (folder / "patients.csv").read_bytes()
    rewrite_table(folder, "patients", b"\xef\xbb\xbf" + content)
    assert activate_snapshot(store, folder).status == "activated"
