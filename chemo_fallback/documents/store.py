"""Printed documents as records: the data is validated, fixed (with its page header) and stored
first, the PDF is rendered from the stored data, and every print and reprint is traced and
audited in the transaction that records it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
from pydantic import BaseModel, ValidationError

from chemo_fallback import audit
from chemo_fallback.auth.accounts import User
from chemo_fallback.auth.roles import ROLE_LABELS, Role
from chemo_fallback.documents.base import DocumentError, DocumentRenderer, renderer_for
from chemo_fallback.documents.layout import PrintHeader
from chemo_fallback.store import Store

COLUMNS = (
    "document_id, kind, record_type, record_id, data_json, data_sha256, printed_at, printed_by, "
    "printed_by_name, printed_by_role"
)
NO_SITE = "Établissement non renseigné (aucun instantané actif)"


@dataclass(frozen=True)
class PrintedDocument:
    document_id: int
    kind: str
    record_type: str
    record_id: str
    data_json: str
    data_sha256: str
    printed_at: datetime
    printed_by: str
    printed_by_name: str
    printed_by_role: str
    # The bytes rendered when the document was recorded; None when read back from the store.
    pdf: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def header(self) -> PrintHeader:
        return PrintHeader.model_validate(json.loads(self.data_json)["header"])

    @property
    def number(self) -> str:
        return self.header.document_number

    @property
    def filename(self) -> str:
        return renderer_for(self.kind).filename(self.header)

    def content(self) -> BaseModel:
        return _content(renderer_for(self.kind), json.loads(self.data_json)["content"])

    def render(self, *, duplicata: bool = False) -> bytes:
        return render_stored(self.kind, self.data_json, duplicata=duplicata)


@dataclass(frozen=True)
class DocumentPrint:
    print_id: int
    document_id: int
    printed_at: datetime
    username: str
    is_reprint: bool
    reason: str | None


def document_number(document_id: int) -> str:
    return f"{document_id:06d}"


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content(renderer: DocumentRenderer, content: Any) -> BaseModel:
    # Through JSON, as stored: strict models accept dates written as text.
    return renderer.model.model_validate_json(canonical_json(content))


def render_stored(kind: str, data_json: str, *, duplicata: bool = False) -> bytes:
    """The PDF of stored data: the only way a document is ever rendered, first print included.
    `duplicata`: a reprint, the same pages marked DUPLICATA."""
    renderer = renderer_for(kind)
    stored = json.loads(data_json)
    header = PrintHeader.model_validate(stored["header"])
    return renderer.render(header, _content(renderer, stored["content"]), duplicata=duplicata)


def _validated(renderer: DocumentRenderer, data: BaseModel | dict) -> tuple[BaseModel, dict]:
    """The content and its JSON as stored, or DocumentError: refused before anything is
    written."""
    if isinstance(data, BaseModel) and not isinstance(data, renderer.model):
        raise DocumentError(
            f"Données inattendues pour « {renderer.title} » ({type(data).__name__}) : "
            "impression refusée. Prévenez l'administrateur."
        )
    try:
        # Dumped first: a model built without validation (model_construct) is checked too.
        content = renderer.model.model_validate(
            data.model_dump() if isinstance(data, BaseModel) else data
        )
    except (ValidationError, ValueError, TypeError) as exc:
        # pydantic's own messages are English: the pharmacist gets the fields, in French.
        fields = (
            ", ".join(sorted({".".join(map(str, e["loc"])) or "(ensemble)" for e in exc.errors()}))
            if isinstance(exc, ValidationError)
            else "non lisibles"
        )
        raise DocumentError(
            f"Données incomplètes ou invalides pour « {renderer.title} » (champs : {fields}) : "
            "impression refusée, rien n'a été enregistré. Prévenez l'administrateur."
        ) from exc
    stored = content.model_dump(mode="json")
    reread = _content(renderer, stored)
    if reread.model_dump(mode="json") != stored:  # a reprint would not show the same
        raise DocumentError(
            f"Les données de « {renderer.title} » ne se relisent pas à l'identique."
        )
    return reread, stored


def _role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def record_document(
    cur: duckdb.DuckDBPyConnection,
    actor: audit.Actor,
    kind: str,
    record_type: str,
    record_id: str,
    data: BaseModel | dict,
    *,
    rendered_elsewhere: bool = False,
    now: datetime | None = None,
) -> PrintedDocument:
    """Validate, fix and store a document, its first print and its audit record, in the
    caller's open transaction; the returned document carries the rendered `pdf`.

    `rendered_elsewhere`: the same content is printed, and so rendered, within another
    document of the same transaction (a sheet within the day's batch): it is stored for its own
    reprints without being rendered twice (`pdf` is then None)."""
    renderer = renderer_for(kind)
    content, content_json = _validated(renderer, data)
    active = cur.execute(
        "SELECT site, demo FROM snapshot_activations WHERE status = 'active'"
    ).fetchone()
    site, snapshot_demo = active if active else (None, False)
    document_id = cur.execute("SELECT nextval('printed_document_seq')").fetchone()[0]
    head = cur.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    header = PrintHeader(
        audit_head=f"n° {head[0]} · {head[1][:8]}" if head else None,
        document_number=document_number(document_id),
        title=renderer.document_title(content),
        establishment=site or NO_SITE,
        patient_line=renderer.patient_line(content),
        printed_at=(now or datetime.now()).replace(microsecond=0),
        printed_by_name=actor.display_name or actor.username,
        printed_by_role=_role_label(actor.role),
        demo=bool(snapshot_demo) or getattr(content, "demo", False) is True,
    )
    data_json = canonical_json({"header": header.model_dump(mode="json"), "content": content_json})
    # a document that cannot be rendered is never recorded
    pdf = None if rendered_elsewhere else render_stored(kind, data_json)
    row = (
        document_id,
        kind,
        record_type,
        str(record_id),
        data_json,
        sha256(data_json),
        header.printed_at,
        actor.username,
        header.printed_by_name,
        header.printed_by_role,
    )
    cur.execute(
        f"INSERT INTO printed_documents ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row
    )
    print_id = cur.execute(
        "INSERT INTO document_prints (document_id, printed_at, username, is_reprint) "
        "VALUES (?, ?, ?, false) RETURNING print_id",
        [document_id, header.printed_at, actor.username],
    ).fetchone()[0]
    audit.record(
        cur,
        actor,
        "document.printed",
        record_type,
        record_id,
        after={
            "document_id": document_id,
            "kind": kind,
            "title": header.title,
            "sha256": row[5],
            "print_id": print_id,
        },
    )
    return PrintedDocument(*row, pdf=pdf)


def print_document(
    store: Store,
    user: User,
    kind: str,
    record_type: str,
    record_id: str,
    data: BaseModel | dict,
    *,
    now: datetime | None = None,
) -> tuple[PrintedDocument, bytes]:
    """Record and render a document in one transaction of its own."""
    with store.transaction() as cur:
        document = record_document(cur, user.actor, kind, record_type, record_id, data, now=now)
    assert document.pdf is not None
    return document, document.pdf


def _get(cur: duckdb.DuckDBPyConnection, document_id: int) -> PrintedDocument:
    row = cur.execute(
        f"SELECT {COLUMNS} FROM printed_documents WHERE document_id = ?", [document_id]
    ).fetchone()
    if row is None:
        raise DocumentError(f"Le document n° {document_number(document_id)} n'existe pas.")
    return PrintedDocument(*row)


def get_document(store: Store, document_id: int) -> PrintedDocument:
    return _get(store.cursor(), document_id)


def _check_untouched(cur: duckdb.DuckDBPyConnection, document: PrintedDocument) -> None:
    """The stored data still has the digest written, when it was printed, in the hash-chained
    audit trail: a copy of altered data is never handed out as a reprint."""
    rows = cur.execute(
        "SELECT after_json FROM audit_log WHERE action = 'document.printed' "
        "AND record_type = ? AND record_id = ?",
        [document.record_type, document.record_id],
    ).fetchall()
    audited = {after["document_id"]: after["sha256"] for after in (json.loads(r[0]) for r in rows)}
    digest = sha256(document.data_json)
    if audited.get(document.document_id) != digest or document.data_sha256 != digest:
        raise DocumentError(
            f"Le document n° {document_number(document.document_id)} a été modifié après son "
            "impression : réimpression refusée. Prévenez l'administrateur et le pharmacien "
            "responsable."
        )


def reprint(
    store: Store, user: User, document_id: int, reason: str | None = None,
    *, now: datetime | None = None,
) -> bytes:
    """The same PDF again, rendered from the stored data and marked DUPLICATA on every page
    (nothing else differs from the first print), the reprint traced and audited."""
    cur = store.cursor()
    document = _get(cur, document_id)
    _check_untouched(cur, document)
    # outside the transaction: other writers need not wait for it
    pdf = document.render(duplicata=True)
    with store.transaction() as tx:
        print_id = tx.execute(
            "INSERT INTO document_prints (document_id, printed_at, username, is_reprint, reason) "
            "VALUES (?, ?, ?, true, ?) RETURNING print_id",
            [document_id, now or datetime.now(), user.username, reason],
        ).fetchone()[0]
        audit.record(
            tx,
            user.actor,
            "document.reprinted",
            document.record_type,
            document.record_id,
            after={
                "document_id": document_id,
                "kind": document.kind,
                "sha256": document.data_sha256,
                "print_id": print_id,
            },
            reason=reason,
        )
    return pdf


def documents_for(store: Store, record_type: str, record_id: str) -> list[PrintedDocument]:
    """The documents printed for a record, latest first."""
    rows = (
        store.cursor()
        .execute(
            f"SELECT {COLUMNS} FROM printed_documents WHERE record_type = ? AND record_id = ? "
            "ORDER BY printed_at DESC, document_id DESC",
            [record_type, str(record_id)],
        )
        .fetchall()
    )
    return [PrintedDocument(*r) for r in rows]


def prints_of(store: Store, document_id: int) -> list[DocumentPrint]:
    """Every paper copy of a document, first print first."""
    rows = (
        store.cursor()
        .execute(
            "SELECT print_id, document_id, printed_at, username, is_reprint, reason "
            "FROM document_prints WHERE document_id = ? ORDER BY print_id",
            [document_id],
        )
        .fetchall()
    )
    return [DocumentPrint(*r) for r in rows]
