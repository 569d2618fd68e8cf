"""Issue 15 item 2, the status report for the crisis cell: one A4 page in French with the
dashboard's numbers and the moment they were read (pdftotext), stored as the Situation itself
(the screen's numbers), audited, reprinted identically but for the DUPLICATA mark."""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest
from i15_dashboard_helpers import day_at_every_stage, moment
from prescription_helpers import audit_rows
from test_i13_dispensing_helpers import SETTINGS, account

from chemo_fallback.dashboard import reads, status_report
from chemo_fallback.dashboard.models import Situation
from chemo_fallback.documents import get_document


def text_of(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True, check=True)
    return " ".join(done.stdout.split())


@pytest.fixture
def printed(store):
    made = day_at_every_stage(store)
    nurse = account(store, "nurse")
    situation = reads.situation(store, nurse, SETTINGS, moment(19.25))
    return store, nurse, situation, status_report.print_status_report(store, nurse, situation), \
        made["preps"]


def test_the_report_prints_the_numbers_and_when_they_were_read(printed, tmp_path) -> None:
    store, _nurse, situation, document, preps = printed
    text = text_of(document.pdf, tmp_path, "first")
    for expected in (
        "Rapport de situation du 23/11/2026",
        "Chiffres lus le 23/11/2026 à 19:15 — journée du 23/11/2026",
        "Prescriptions du jour 1", "Préparations du jour 4", "Libérées aujourd'hui 3",
        "Administrées aujourd'hui 1 sur 7 étape(s) prévue(s)",
        "Commandes en cours 0 dont 0 en retard",
        "Données du 23/11/2026 à 02:00 (il y a 17 h, à jour)",
        "Aucun export de réintégration n'a encore été fait.",
        preps["folinic"], preps["pump"],
        "Prescriptions du jour (par statut)", "Préparations du jour (chaîne)",
        "refusée par la pharmacie", "administrée en partie", "incident à l'administration",
        "écart : stock négatif", "Administrations du jour (7 étapes prévues)",
        "Administrations du jour non enregistrées", "à partir de 18 h",
    ):
        assert expected in text, expected
    assert f"En retard {situation.late_total} (" in text
    # stored as the Situation the screen showed: the same numbers, exactly
    stored = get_document(store, document.document_id)
    assert stored.content() == situation
    assert json.loads(stored.data_json)["content"] == situation.model_dump(mode="json")
    assert stored.kind == status_report.KIND and stored.record_id == "2026-11-23"
    [row] = audit_rows(store, "document.printed")[-1:]
    assert (row["record_type"], row["record_id"]) == ("crisis_day", "2026-11-23")


def test_a_reprint_is_the_same_page_marked_duplicata(printed, tmp_path) -> None:
    store, nurse, _situation, document, _preps = printed
    first = text_of(document.pdf, tmp_path, "first")
    again = text_of(status_report.reprint_report(store, nurse, document.document_id), tmp_path,
                    "again")
    assert "DUPLICATA" in again and "DUPLICATA" not in first
    assert not Counter(first.split()) - Counter(again.split())  # every word printed again
    assert [d.document_id for d in status_report.reports_of_day(store, nurse, _situation)] == [
        document.document_id]
    assert audit_rows(store, "document.reprinted")[-1]["record_id"] == "2026-11-23"


def test_the_report_is_the_situation_model() -> None:
    assert status_report.StatusReportRenderer.model is Situation
