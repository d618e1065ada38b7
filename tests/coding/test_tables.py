"""CSV and XLSX files of result tables read back with independent readers."""

import csv
import io

import openpyxl

from buoy.coding.domain.tables import Table, to_csv, to_xlsx


def sample():
    rows: list[list] = [["希望 Hope", 3, 0], ["=cmd()", None, 2.5]]
    return Table("Codes × cases", ["Code", "C-1", "C-2"], rows)


def test_csv_starts_with_a_bom_and_reads_back():
    data = to_csv(sample())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Code", "C-1", "C-2"], ["希望 Hope", "3", "0"], ["'=cmd()", "", "2.5"]]


def test_xlsx_keeps_numbers_and_defuses_formulas():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([sample(), sample()])))
    assert book.sheetnames == ["Codes × cases", "Codes × cases-2"]
    sheet = book["Codes × cases"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1] == ["希望 Hope", 3, 0]
    assert values[2] == ["'=cmd()", None, 2.5]
    assert sheet["A3"].data_type == "s"
