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
    # A CSV export compresses 5 to 30 times; a member of more than 64 Mo unpacking 200 times
    # its size is a zip bomb.
    max_zip_ratio: float = 200.0
    zip_ratio_floor_bytes: int = 64 * 1024**2


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
            _check_ratio(archive, info, limits)
            total += info.file_size
        if total > limits.max_total_bytes:
            raise too_big(archive.name, total, limits.max_total_bytes)
        into.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(into).free
        if total > free:
            raise SnapshotRefused(
                f"L'archive {archive.name} se décompresse en {human_size(total)} et il ne reste "
                f"que {human_size(free)} sur le disque des données : libérez de la place ou "
                "décompressez l'archive ailleurs et activez le dossier."
            )
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


def _check_ratio(archive: Path, info: zipfile.ZipInfo, limits: Limits) -> None:
    """A member that unpacks to far more than an export compresses to is a zip bomb (or a
    damaged header): refused before anything is written."""
    if info.file_size < limits.zip_ratio_floor_bytes:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_zip_ratio:
        raise SnapshotRefused(
            f"L'archive {archive.name} est refusée : « {info.filename} » se décompresserait en "
            f"{human_size(info.file_size)} à partir de {human_size(info.compress_size)} (taux "
            f"{ratio:.0f}:1, invraisemblable pour un export). Archive piégée ou endommagée : "
            "utilisez l'export officiel."
        )


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
            scan.refuse_if_damaged(path, "utf-8")
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
# "â€", never occur in French text. Searched in the raw bytes (a regex over the decoded text
# costs seconds on a large export): in a UTF-8 file those characters are encoded again, in a
# Windows-1252 file they are the UTF-8 bytes themselves (a UTF-8 export announced as 1252).
MOJIBAKE_BYTES = {
    "utf-8": re.compile(rb"\xc3[\x82\x83]\xc2[\x80-\xbf]|\xc3\xa2\xe2\x82\xac"),
    "windows-1252": re.compile(rb"[\xc2\xc3][\x80-\xbf]|\xe2\x80"),
}
OVERLAP = 4  # the longest pattern, less one byte: a match across two chunks is still seen
# Invisible characters that change what a name looks like or how it sorts and compares: zero
# width spaces and joiners (U+200B–U+200F), bidirectional overrides and isolates (U+202A–U+202E,
# U+2066–U+2069: "DUP\u202eTNOD" is displayed "DUPDONT"), and a byte-order mark inside the
# file (U+FEFF). In UTF-8 only: Windows-1252 cannot encode them. Searched with bytes.find on
# their first two bytes (a regular expression over alternatives costs a second per 100 Mo).
INVISIBLE_UTF8 = {
    b"\xe2\x80": frozenset(range(0x8B, 0x90)) | frozenset(range(0xAA, 0xAF)),
    b"\xe2\x81": frozenset(range(0xA6, 0xAA)),
    b"\xef\xbb": frozenset({0xBF}),
}


def first_invisible(buf: bytes) -> int | None:
    """The offset of the first invisible character in UTF-8 bytes, or None."""
    first = None
    for lead, thirds in INVISIBLE_UTF8.items():
        at = buf.find(lead)
        while at != -1 and (first is None or at < first):
            if at + 2 < len(buf) and buf[at + 2] in thirds:
                first = at
                break
            at = buf.find(lead, at + 1)
    return first


class TextScan:
    """What a text file must not hold (a NUL byte, text encoded twice, an invisible
    character), noted in one pass over its raw bytes as the chunks go by."""

    def __init__(self, encoding: str) -> None:
        self.pattern = MOJIBAKE_BYTES[encoding]
        self.utf8 = encoding == "utf-8"
        self.nul_at: int | None = None
        self.mojibake_at: int | None = None
        self.invisible_at: int | None = None
        self._tail = b""
        self._offset = 0  # of the next chunk in the file

    def feed(self, chunk: bytes) -> None:
        if self.nul_at is None and (at := chunk.find(b"\x00")) != -1:
            self.nul_at = self._offset + at
        if self.mojibake_at is None or (self.utf8 and self.invisible_at is None):
            joined = self._tail + chunk
            base = self._offset - len(self._tail)
            if self.mojibake_at is None and (found := self.pattern.search(joined)):
                self.mojibake_at = base + found.start()
            if self.utf8 and self.invisible_at is None:
                # a byte-order mark at the very start is the file's own
                skip = 3 if base == 0 and joined.startswith(b"\xef\xbb\xbf") else 0
                at = first_invisible(joined[skip:] if skip else joined)
                if at is not None:
                    self.invisible_at = base + skip + at
        self._tail = chunk[-OVERLAP:]
        self._offset += len(chunk)

    def refuse_if_damaged(self, path: Path, encoding: str) -> None:
        if self.invisible_at is not None:
            raise SnapshotRefused(
                f"Le fichier {path.name} contient un caractère invisible (espace de largeur "
                "nulle, inversion du sens d'écriture ou marque d'ordre des octets) à la "
                f"{_line_hint(path, self.invisible_at)} : un nom ou un identifiant ne serait "
                "pas ce qu'il paraît à l'écran. Corrigez la valeur dans la base de production "
                "ou l'export, puis exportez à nouveau."
            )
        if self.nul_at is not None:
            raise SnapshotRefused(
                f"Le fichier {path.name} contient un caractère nul (octet 0) à la "
                f"{_line_hint(path, self.nul_at)} : il est corrompu ou n'est pas un fichier "
                "texte. Copiez-le à nouveau depuis sa source, ou exportez à nouveau la table."
            )
        if self.mojibake_at is not None:
            sample = _line_at(path, self.mojibake_at, encoding)
            raise SnapshotRefused(
                f"Le fichier {path.name} contient du texte encodé deux fois "
                f"({_line_hint(path, self.mojibake_at)} : « {sample} », où « é » s'écrit "
                "« Ã© ») : l'export a converti en UTF-8 un texte qui l'était déjà. Corrigez "
                "l'export (ou, s'il est en réalité en UTF-8, annoncez utf-8 au lieu de "
                "windows-1252) : les noms seraient faux."
            )


def _line_at(path: Path, offset: int, encoding: str, width: int = 60) -> str:
    """The start of the line holding `offset`, decoded as the file is read."""
    with path.open("rb") as fh:
        fh.seek(max(0, offset - width))
        before = fh.read(min(offset, width))
        after = fh.read(width)
    line = before.rpartition(b"\n")[2] + after.partition(b"\n")[0]
    return line.decode("cp1252" if encoding == "windows-1252" else "utf-8", "replace").strip()


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
    scan = TextScan("utf-8")
    offset = 0
    bad: int | None = None
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            sha.update(chunk)
            scan.feed(chunk)
            if bad is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    bad = offset + exc.start
            offset += len(chunk)
    if bad is None:
        try:
            decoder.decode(b"", final=True)
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
    scan = TextScan("windows-1252")
    offset = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK_BYTES):
            scan.feed(chunk)
            try:
                dst.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                position = offset + exc.start
                raise SnapshotRefused(
                    f"Le fichier {path.name} n'est lisible ni en UTF-8 ni en Windows-1252 "
                    f"(octet invalide à la position {position}, {_line_hint(path, position)}). "
                    "Vérifiez l'export : le fichier est peut-être corrompu ou d'un autre encodage."
                ) from exc
            offset += len(chunk)
    scan.refuse_if_damaged(path, "windows-1252")
    return target


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
