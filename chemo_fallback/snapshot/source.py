"""Opening a snapshot safely: a folder or a zip, files checked before anything is read.

Each file is read once here, in chunks: its SHA-256 is computed and its text encoding checked in
the same pass. Windows-1252 files (and XLSX workbooks) are rewritten once as UTF-8 CSV in a
work folder, so DuckDB's reader only ever sees UTF-8.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chemo_fallback.errors import SnapshotRefused

CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps that protect the server from a wrong or hostile export."""

    max_file_bytes: int = 8 * 1024**3
    max_total_bytes: int = 32 * 1024**3
    max_reject_ratio: float = 0.01  # above this share of rejected rows, a table is refused
    max_listed_rejects: int = 500  # per table, in the report (the count is always exact)
    # An XLSX sheet is read into memory: bound what it may unpack to and its grid (a single cell
    # at the sheet's far corner makes a grid of 17 billion cells).
    max_xlsx_unpacked_bytes: int = 2 * 1024**3
    max_sheet_cells: int = 20_000_000
    max_sheet_columns: int = 1_000


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("o", "Ko", "Mo", "Go"):
        if size < 1024 or unit == "Go":
            return f"{size:.0f} {unit}" if unit == "o" else f"{size:.1f} {unit}".replace(".", ",")
        size /= 1024
    raise AssertionError("unreachable")


def unpack_zip(archive: Path, into: Path, limits: Limits) -> Path:
    """Extract a zip into `into`, refusing any member that would land outside it, links, and
    archives over the size caps (declared sizes are checked first, real sizes while writing)."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SnapshotRefused(
            f"L'archive {archive.name} est illisible ou n'est pas un zip ({exc}). "
            "Vérifiez le fichier ou exportez à nouveau l'instantané."
        ) from exc
    with zf:
        members = zf.infolist()
        total = 0
        for info in members:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or ":" in info.filename:
                raise SnapshotRefused(
                    f"L'archive {archive.name} contient un chemin qui sort de son dossier "
                    f"(« {info.filename} ») : elle est refusée. N'utilisez que l'export officiel."
                )
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise SnapshotRefused(
                    f"L'archive {archive.name} contient un lien symbolique (« {info.filename} ») : "
                    "elle est refusée. N'utilisez que l'export officiel."
                )
            if info.file_size > limits.max_file_bytes:
                raise too_big(info.filename, info.file_size, limits.max_file_bytes)
            total += info.file_size
        if total > limits.max_total_bytes:
            raise too_big(archive.name, total, limits.max_total_bytes)
        into.mkdir(parents=True, exist_ok=True)
        for info in members:
            if info.is_dir():
                continue
            try:
                _extract(zf, info, into, limits)
            except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError,
                    NotImplementedError) as exc:
                # a flipped byte (bad CRC, broken deflate stream), a member lying about its
                # size, an encrypted or unsupported member: the archive is damaged
                raise SnapshotRefused(
                    f"L'archive {archive.name} est endommagée : le fichier « {info.filename} » "
                    f"ne se décompresse pas correctement ({exc}). Copiez à nouveau l'archive "
                    "depuis sa source, ou exportez à nouveau l'instantané."
                ) from exc
    return _snapshot_root(into)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, into: Path, limits: Limits) -> None:
    target = into / PurePosixPath(info.filename.replace("\\", "/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zf.open(info) as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            written += len(chunk)
            if written > limits.max_file_bytes:
                raise too_big(info.filename, written, limits.max_file_bytes)
            dst.write(chunk)
    if written != info.file_size:
        raise zipfile.BadZipFile(
            f"{written} octets lus pour {info.file_size} annoncés"
        )


def _snapshot_root(folder: Path) -> Path:
    """A zip often wraps its files in one folder: the snapshot is where manifest.json is."""
    if (folder / "manifest.json").is_file():
        return folder
    children = [p for p in folder.iterdir() if p.is_dir()]
    if len(children) == 1 and (children[0] / "manifest.json").is_file():
        return children[0]
    return folder


def too_big(name: str, size: int, cap: int) -> SnapshotRefused:
    return SnapshotRefused(
        f"Le fichier {name} fait {human_size(size)}, au-delà de la limite de {human_size(cap)}. "
        "Vérifiez l'export, ou relevez la limite (option --max-file-mb) si le fichier est légitime."
    )


def resolve_member(folder: Path, relative: str) -> Path:
    """The path of a manifest's file, refused if it points outside the snapshot folder."""
    candidate = (folder / relative).resolve()
    root = folder.resolve()
    if root not in candidate.parents:
        raise SnapshotRefused(
            f"Le manifeste désigne le fichier « {relative} » hors du dossier de l'instantané : "
            "refusé. Les fichiers doivent être dans le dossier de l'instantané."
        )
    return candidate


@dataclass(frozen=True)
class CheckedFile:
    sha256: str
    size: int
    encoding: str  # the encoding actually used: "utf-8" or "windows-1252" ("binary": not text)
    utf8_path: Path  # a UTF-8 file with the same content (the original when already UTF-8)


def check_text_file(path: Path, declared: str, work_dir: Path, limits: Limits) -> CheckedFile:
    """Hash the file and check its encoding in one pass; transcode Windows-1252 to UTF-8. A
    UTF-16 file, a NUL byte or text encoded twice ("AurÃ©lie") refuses the file."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise too_big(path.name, size, limits.max_file_bytes)
    refuse_utf16(path)
    if declared in ("auto", "utf-8"):
        digest, bad_offset, scan = _hash_and_validate_utf8(path)
        if bad_offset is None:
            scan.refuse_if_damaged(path.name)
            return CheckedFile(digest, size, "utf-8", path)
        if declared == "utf-8":
            raise SnapshotRefused(
                f"Le fichier {path.name} n'est pas en UTF-8 comme annoncé (octet invalide à la "
                f"position {bad_offset}, {_line_hint(path, bad_offset)}). Indiquez l'encodage "
                "réel (par exemple windows-1252) dans le manifeste ou le fichier de "
                "correspondance."
            )
    else:
        digest = hash_file(path)
    return CheckedFile(digest, size, "windows-1252", _transcode(path, work_dir))


# UTF-8 text decoded once too often (as Windows-1252 or Latin-1, then encoded again): "é" is
# written "Ã©", "è" "Ã¨", "’" "â€™". "Ã" or "Â" followed by a character of U+0080–U+00BF, or
# "â€", never occur in French text.
MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2\u20ac")


class TextScan:
    """What a file's decoded text must not hold, noted as the chunks go by (one pass)."""

    def __init__(self) -> None:
        self.line = 1
        self.nul_line: int | None = None
        self.mojibake: tuple[int, str] | None = None
        self._tail = ""

    def feed(self, text: str) -> None:
        if self.nul_line is None and "\x00" in text:
            self.nul_line = self.line + text[: text.index("\x00")].count("\n")
        if self.mojibake is None:
            joined = self._tail + text
            found = MOJIBAKE.search(joined)
            if found:
                before = joined[: found.start()]
                line = self.line - self._tail.count("\n") + before.count("\n")
                start = before.rfind("\n") + 1
                self.mojibake = (line, joined[start:found.end() + 20].split("\n")[0])
        self.line += text.count("\n")
        self._tail = text[-1:]

    def refuse_if_damaged(self, name: str) -> None:
        if self.nul_line is not None:
            raise SnapshotRefused(
                f"Le fichier {name} contient un caractère nul (octet 0) à la ligne "
                f"{self.nul_line} : il est corrompu ou n'est pas un fichier texte. Copiez-le à "
                "nouveau depuis sa source, ou exportez à nouveau la table."
            )
        if self.mojibake is not None:
            line, sample = self.mojibake
            raise SnapshotRefused(
                f"Le fichier {name} contient du texte encodé deux fois (ligne {line} : "
                f"« {sample.strip()} », où « é » s'écrit « Ã© ») : l'export a converti en UTF-8 "
                "un texte qui l'était déjà. Corrigez l'export (ou, s'il est en réalité en "
                "UTF-8, annoncez utf-8 au lieu de windows-1252) : les noms seraient faux."
            )


def refuse_utf16(path: Path) -> None:
    with path.open("rb") as fh:
        start = fh.read(64)
    bom = start[:2] in (b"\xff\xfe", b"\xfe\xff")
    # without a BOM, ASCII text in UTF-16 has a NUL byte every other byte
    zeros = len(start) >= 8 and (start[1::2].count(0) > len(start) // 4
                                 or start[0::2].count(0) > len(start) // 4)
    if bom or zeros:
        raise SnapshotRefused(
            f"Le fichier {path.name} est en UTF-16 (Unicode « 2 octets ») : seuls UTF-8 et "
            "Windows-1252 sont lus. Exportez à nouveau la table en CSV UTF-8 (dans Excel : "
            "« CSV UTF-8 (délimité par des virgules) »)."
        )


def hash_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            sha.update(chunk)
    return sha.hexdigest()


def _hash_and_validate_utf8(path: Path) -> tuple[str, int | None, TextScan]:
    sha = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    scan = TextScan()
    offset = 0
    bad: int | None = None
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            sha.update(chunk)
            if bad is None:
                try:
                    scan.feed(decoder.decode(chunk))
                except UnicodeDecodeError as exc:
                    bad = offset + exc.start
            offset += len(chunk)
    if bad is None:
        try:
            scan.feed(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            bad = offset - len(exc.object) + exc.start
    return sha.hexdigest(), bad, scan


def _line_hint(path: Path, offset: int) -> str:
    with path.open("rb") as fh:
        line = 1
        remaining = offset
        while remaining > 0 and (chunk := fh.read(min(CHUNK_BYTES, remaining))):
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return f"ligne {line}"


def _transcode(path: Path, work_dir: Path) -> Path:
    work_dir.mkdir(parents=True, exist_ok=True)
    target = work_dir / f"{path.stem}.utf8{path.suffix}"
    decoder = codecs.getincrementaldecoder("cp1252")()
    scan = TextScan()
    offset = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK_BYTES):
            try:
                text = decoder.decode(chunk)
                scan.feed(text)
                dst.write(text)
            except UnicodeDecodeError as exc:
                position = offset + exc.start
                raise SnapshotRefused(
                    f"Le fichier {path.name} n'est lisible ni en UTF-8 ni en Windows-1252 "
                    f"(octet invalide à la position {position}, {_line_hint(path, position)}). "
                    "Vérifiez l'export : le fichier est peut-être corrompu ou d'un autre encodage."
                ) from exc
            offset += len(chunk)
    scan.refuse_if_damaged(path.name)
    return target


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
