"""The CSV report as a spreadsheet reads it: BOM, UTF-8, `;`, French headers and dates."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime

import pytest

from imprimfip.outputs.report_csv import HEADERS, render
from imprimfip.tracking.letters import Line

DEPOSIT = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def line(**overrides: object) -> Line:
    values: dict[str, object] = {
        "letter_id": 1,
        "flow": "courrier",
        "file": "Relevé d'échéances.pdf",
        "internal_ref": "Releve_03032025100000@demo.pdf",
        "reference": "",
        "sending_type": "LRAR",
        "deposited_at": DEPOSIT,
        "status": "Refusé",
        "status_date": datetime(2025, 3, 7, 16, 45, tzinfo=UTC),
        "message": 'Pli refusé; motif : "destinataire absent"\nsecond ligne',
        "attention": "delivery",
        "followed": False,
    }
    return Line(**{**values, **overrides})  # type: ignore[arg-type]


def read_as_a_spreadsheet(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM tells Excel the file is UTF-8"
    text = data.decode("utf-8-sig")
    return list(csv.reader(text.splitlines(keepends=True), delimiter=";"))


@pytest.fixture
def in_paris(monkeypatch):
    """Dates are shown in the machine's zone: make it France's for the test."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_headers_accents_separators_and_dates_read_back(in_paris):
    rows = read_as_a_spreadsheet(
        render([line(), line(reference="P2", status="Distribué", message="")])
    )
    assert ";".join(rows[0]) == (
        "date de dépôt;fichier;référence IMPRIM'FIP;type d'envoi;statut;date du statut;"
        "message;référence du pli"
    )
    first = rows[1]
    assert first[0] == "03/03/2025 10:00"
    assert first[1] == "Relevé d'échéances.pdf"
    assert first[3] == "Recommandé avec AR"
    assert first[4] == "Refusé"
    assert first[5] == "07/03/2025 17:45"
    assert first[6] == 'Pli refusé; motif : "destinataire absent"\nsecond ligne'
    assert rows[2][4] == "Distribué" and rows[2][7] == "P2"
    assert len(rows) == 3


def test_an_empty_flow_has_its_headers_only():
    assert read_as_a_spreadsheet(render([])) == [list(HEADERS)]
