"""Activation in a child process: whatever a reader does with a hostile file (a native crash,
an allocation of 512 GB, a runaway), the app stays up and the failure is recorded.

The child builds the reference database (activation.prepare_snapshot: paths and options only,
it never opens the store) under an address-space limit, and sends its progress lines and its
report back through a pipe (written at once: the line before a crash still arrives). The
parent records the outcome in the store (activation.record_activation), as for an activation
run in-process: a child that dies without a report becomes a refused activation saying so.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path

from chemo_fallback.audit import Actor
from chemo_fallback.snapshot.activation import (
    PrepareRequest,
    Progress,
    prepare_snapshot,
    record_activation,
    refuse,
)
from chemo_fallback.snapshot.report import ActivationReport
from chemo_fallback.snapshot.source import Limits, remove_tree
from chemo_fallback.store import Store

# Share of the machine's memory the child may address: a reader that tries to allocate more
# fails inside the child instead of making the workstation swap or the kernel kill the app.
MEMORY_SHARE = 0.75


def memory_cap_bytes() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * MEMORY_SHARE)
    except (ValueError, OSError, AttributeError):
        return None


def _child(request: PrepareRequest, messages: Connection, memory_cap: int | None) -> None:
    if memory_cap:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
        except (ImportError, ValueError, OSError):
            pass  # no limit where the system offers none; the reading still runs apart
    try:
        report, reference_file = prepare_snapshot(
            request, lambda line: messages.send(("progress", line))
        )
        messages.send(("done", report.model_dump_json(), reference_file))
    except BaseException as exc:  # anything at all must reach the parent as a refusal
        messages.send(("failed", f"{type(exc).__name__} : {str(exc)[:300]}", None))
    finally:
        messages.close()


# What the child runs (a test replaces it by a reader that crashes).
CHILD_TARGET = _child


def activate_isolated(
    store: Store,
    path: Path,
    *,
    actor: Actor | None = None,
    progress: Progress | None = None,
    refuse_demo: bool = False,
    mapping_path: Path | None = None,
    limits: Limits | None = None,
) -> ActivationReport:
    """activation.activate_snapshot, with the reading in a child process."""
    progress = progress or (lambda _m: None)
    request = PrepareRequest(
        reference_dir=store.reference_dir,
        work_dir=store.work_dir,
        path=Path(path),
        mapping_path=mapping_path,
        limits=limits or Limits(),
        refuse_demo=refuse_demo,
    )
    started = datetime.now()
    started_clock = time.time()
    context = multiprocessing.get_context("spawn")  # never fork a process holding the store
    received, sent = context.Pipe(duplex=False)
    child = context.Process(
        target=CHILD_TARGET, args=(request, sent, memory_cap_bytes()), daemon=True
    )
    child.start()
    sent.close()  # the child's end: once the child is gone, reading ends with EOFError
    try:
        outcome = _follow(received, progress)
    finally:
        received.close()
    child.join(timeout=30)
    if outcome is not None and outcome[0] == "done":
        report = ActivationReport.model_validate_json(outcome[1])
        return record_activation(store, report, outcome[2], actor, progress)
    report = ActivationReport(source_path=str(path), started_at=started)
    detail = outcome[1] if outcome else f"code de sortie {child.exitcode}"
    refuse(
        report,
        "La lecture de l'export s'est arrêtée brutalement "
        f"({detail}) : un fichier de l'export est probablement corrompu ou démesuré (une "
        "cellule de classeur très loin des données, une archive endommagée…). L'instantané "
        "précédent reste actif et l'application continue. Vérifiez l'export, exportez à "
        "nouveau (de préférence en CSV), puis relancez.",
    )
    _remove_leftovers(store, started_clock)
    return record_activation(store, report, None, actor, progress)


def _follow(received: Connection, progress: Progress) -> tuple | None:
    """Pass the child's progress lines on until its report arrives or it dies (None)."""
    while True:
        try:
            item = received.recv()
        except (EOFError, OSError):
            return None
        if item[0] == "progress":
            progress(item[1])
            continue
        return item


def _remove_leftovers(store: Store, since: float) -> None:
    """What a child killed in the middle left: its partial database and its work folder."""
    for folder, pattern in ((store.reference_dir, "*.partial*"), (store.work_dir, "*")):
        if not folder.is_dir():
            continue
        for path in folder.glob(pattern):
            try:
                if path.stat().st_mtime >= since - 1:
                    if path.is_dir():
                        remove_tree(path)
                    else:
                        path.unlink(missing_ok=True)
            except OSError:
                continue
