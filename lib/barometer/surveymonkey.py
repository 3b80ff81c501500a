"""Read and write SurveyMonkey exports (CSV, XLSX, SPSS) without losing a byte of meaning.

Generic: nothing here knows about the barometer's questions. The layout handled is
SurveyMonkey's "All individual responses" export with expanded columns and actual
answer text:

* row 1: the fixed columns' names, then each question's text over its first column
  and blank over its continuation columns;
* row 2: blank over the fixed columns, then per column ``Response``,
  ``Open-Ended Response``, an option text (multi-select), a row label (matrix), an
  item (ranking) or ``Other (please specify)``;
* from row 3: one respondent per row.

What :func:`read_export` returns
--------------------------------
A :class:`pandas.DataFrame`, one row per respondent, in file order.

* **Columns**: a two-level MultiIndex named ``("question", "row2")``. The fixed
  columns come first as ``(canonical_name, "")`` so ``df["respondent_id"]`` (or
  :func:`fixed`) gives a Series; then one ``(question text, row-2 text)`` per
  question column, both texts cleaned by :func:`clean_text`.
* **Row numbers**: the index, named ``"row"``, is the spreadsheet row of each
  respondent (1-based, the two header rows count, so the first respondent is row
  3). It survives filtering and sorting, so error messages downstream can always
  say "row N". The same numbers, in file order, are in ``df.attrs["rows"]``.
* **Empty cells** come back as missing: ``NaN`` in pandas' ``str`` dtype
  (``pd.isna(cell)`` is the test; never ``""``). Non-empty cells are the text as
  exported, untouched (no stripping, no type guessing), except:
  ``respondent_id``/``collector_id`` are validated as digit strings and kept as
  text (``"000123"`` stays ``"000123"``), and ``start_date``/``end_date`` are
  ``datetime64[ns]`` (empty -> ``NaT``).
* **Personal columns** (IP, e-mail, names, custom data) are dropped unless
  ``drop_personal=False`` is asked for explicitly.
* ``df.attrs``: ``source`` (the path as given), ``header_layout``
  (``"current"``/``"legacy"``), ``rows``.

Every problem with the file raises :class:`barometer.errors.InputError` naming
the file, the spreadsheet row, the column and what was expected.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import math
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from barometer.errors import InputError

__all__ = [
    "FIXED_COLUMNS_CURRENT",
    "FIXED_COLUMNS_LEGACY",
    "CANONICAL_FIXED",
    "PERSONAL_COLUMNS",
    "DATE_FORMAT",
    "clean_text",
    "fixed",
    "answer_columns",
    "read_export",
    "write_export",
    "write_export_xlsx",
    "read_sav",
    "read_sav_responses",
    "sav_cell_text",
    "write_sav",
    "SAV_FIXED_NAMES",
]

FIXED_COLUMNS_CURRENT = (
    "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
    "Email Address", "First Name", "Last Name", "Custom Data 1",
)
FIXED_COLUMNS_LEGACY = (
    "RespondentID", "CollectorID", "StartDate", "EndDate", "IP Address",
    "Email Address", "First Name", "LastName", "Custom Data",
)
CANONICAL_FIXED = (
    "respondent_id", "collector_id", "start_date", "end_date", "ip_address",
    "email_address", "first_name", "last_name", "custom_data",
)
PERSONAL_COLUMNS = ("ip_address", "email_address", "first_name", "last_name", "custom_data")

LAYOUTS = {"current": FIXED_COLUMNS_CURRENT, "legacy": FIXED_COLUMNS_LEGACY}
ID_COLUMNS = ("respondent_id", "collector_id")
DATE_COLUMNS = ("start_date", "end_date")
LEVEL_NAMES = ("question", "row2")
HEADER_ROWS = 2

#: How SurveyMonkey writes dates, and how :func:`write_export` writes them.
DATE_FORMAT = "%m/%d/%Y %I:%M:%S %p"
#: Also accepted on reading: 24-hour clock, and the same without seconds (what a
#: pass through Excel leaves). Month first always: SurveyMonkey's order.
_DATE_FORMATS = (
    DATE_FORMAT,
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
)
_EXPECTED_DATE = "a date like 11/07/2016 02:35:10 PM (MM/DD/YYYY hh:mm:ss AM/PM), 24-hour or ISO 8601"

_STR = "str"  # pandas' string dtype: missing values are NaN


# --------------------------------------------------------------------------- text


_BREAKING_TAG = re.compile(r"<\s*/?\s*(br|p|div|li|ul|ol|tr|td|th|h[1-6])\b[^<>]*>", re.I)
_ANY_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>")
_WHITESPACE = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """Header text as a person reads it, so the same question matches across exports.

    SurveyMonkey puts the question's rich text in the header: HTML tags, entities
    (``&amp;``, ``&nbsp;``) and non-breaking spaces. Block tags (``<br>``, ``<p>``...)
    become a space so words do not merge; other tags vanish; entities are unescaped
    *after* the tags are removed, so an escaped ``&lt;b&gt;`` stays visible text.
    Every run of whitespace (including U+00A0 and U+202F) becomes one space.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = _BREAKING_TAG.sub(" ", str(value))
    text = _ANY_TAG.sub("", text)
    text = html.unescape(text)
    return _WHITESPACE.sub(" ", text).strip()


# --------------------------------------------------------------------------- frame helpers


def fixed(df: pd.DataFrame, name: str) -> pd.Series:
    """One fixed column by canonical name (``"respondent_id"``...), as a Series."""
    if name not in CANONICAL_FIXED:
        raise KeyError(f"{name!r} is not a fixed column; expected one of {CANONICAL_FIXED}")
    if (name, "") not in df.columns:
        raise KeyError(f"fixed column {name!r} is not in this frame (personal columns are dropped by default)")
    return df[(name, "")]


def answer_columns(df: pd.DataFrame) -> list[tuple[str, str]]:
    """The (question, row-2) columns, in file order, without the fixed columns."""
    return [c for c in df.columns if not (c[1] == "" and c[0] in CANONICAL_FIXED)]


# --------------------------------------------------------------------------- reading


def read_export(path: str | Path, *, drop_personal: bool = True) -> pd.DataFrame:
    """Read a SurveyMonkey "All individual responses" export (CSV or XLSX).

    See the module docstring for the shape of the result. The format is told by
    the file's first bytes, not its name (an XLSX is a zip; an old ``.xls`` is
    refused with a message saying to save as XLSX or CSV).
    """
    path = Path(path)
    records = _read_records(path)
    layout, columns, width = _parse_header(path, records)
    data_rows = _data_rows(path, records, width, header_names=LAYOUTS[layout])
    df = _build_frame(path, layout, columns, data_rows)
    if drop_personal:
        df = df.drop(columns=[(name, "") for name in PERSONAL_COLUMNS])
    df.attrs = {"source": str(path), "header_layout": layout, "rows": [int(r) for r in df.index]}
    return df


def _read_records(path: Path) -> list[list[object]]:
    """All records of the file, each a list of cells ("" or None for empty)."""
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_records(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(path, "this is an old Excel .xls workbook", expected="a CSV or XLSX export (save it as XLSX or CSV)")
    text = _decode(path, data)
    if not text.strip():
        raise InputError(path, "the file is empty", expected="a SurveyMonkey export: two header rows, then one row per respondent")
    return _csv_records(path, text)


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (with or without BOM) as SurveyMonkey writes; cp1252 after Excel saved it.

    A cp1252 file whose accented letters happen to form valid UTF-8 sequences
    (e.g. "Ã©") would be read as UTF-8: no byte-level test can tell them apart,
    and such sequences do not occur in real Dutch or French text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "the file is UTF-16 (Excel's 'Unicode text')", expected="UTF-8 or Windows-1252 CSV")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1  # a text line, not a row: cells may hold line breaks
        raise InputError(path, f"byte {data[err.start]:#04x} on text line {line} (offset {err.start}) is neither UTF-8 nor Windows-1252",
                         expected="a UTF-8 or Windows-1252 text file") from None


def _csv_records(path: Path, text: str) -> list[list[str]]:
    """Split into records with the csv module, so LF or CRLF inside quoted cells survive.

    The text is not newline-translated (``newline=""``): a record ends at CRLF or
    LF outside quotes, and a line break inside a quoted cell stays in the cell.
    Record number k (1-based) is spreadsheet row k, whatever the line count.
    """
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as err:
        raise InputError(path, f"the CSV cannot be parsed ({err})", row=len(_records_before_error(text, delimiter)) + 1,
                         expected="well-formed CSV: a cell with a quote, delimiter or line break wholly in double quotes") from None
    _check_runaway_quotes(path, records, delimiter)
    return records


def _check_runaway_quotes(path: Path, records: list[list[str]], delimiter: str) -> None:
    """A quoted cell whose closing quote is lost must not swallow the rows after it.

    The open quote runs over the line break into the next respondent's row and may close
    at a quote there, leaving a well-formed record that can even line up with the header:
    that respondent would vanish without an error. A cell holding a line break followed
    by a respondent ID, a collector ID and a date (how every data row starts) is such a
    runaway cell; no typed answer looks like that.
    """
    d = re.escape(delimiter)
    row_start = re.compile(rf"[\r\n]\d+{d}\d+{d}(\d{{1,2}}/\d{{1,2}}/\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})")
    for number, record in enumerate(records[HEADER_ROWS:], start=HEADER_ROWS + 1):
        for index, cell in enumerate(record):
            if ("\n" in cell or "\r" in cell) and row_start.search(cell):
                raise InputError(
                    path, f"the quoted cell in spreadsheet column {_letter(index)} runs on over a line break into "
                          "what looks like the next respondent's row (IDs and a date): is its closing quote missing?",
                    row=number, column=_letter(index), found=cell if len(cell) <= 60 else cell[:60] + "...",
                    expected="each quoted cell closed by a double quote before the end of its row",
                )


def _records_before_error(text: str, delimiter: str) -> list[list[str]]:
    """The records that parse before a csv.Error, to tell which row is broken."""
    good: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            good.append(record)
    except csv.Error:
        pass
    return good


def _detect_delimiter(text: str) -> str:
    """Comma, or semicolon from a European Excel: whichever makes row 1 look like an export.

    Decided on the known fixed column names, not by guessing from data: the
    candidate whose first record matches more fixed names wins; if neither
    matches, the one giving more fields; ties go to the comma. A wrong choice
    can only lead to the header error, never to silently misread cells.
    """
    known = set(FIXED_COLUMNS_CURRENT) | set(FIXED_COLUMNS_LEGACY)

    def score(delimiter: str) -> tuple[int, int]:
        try:
            first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            return (-1, -1)
        return (sum(clean_text(c) in known for c in first), len(first))

    return max((",", ";"), key=score)  # max keeps the first of equals: the comma


def _xlsx_records(path: Path) -> list[list[object]]:
    """The first sheet's rows, all of them from row 1, so record k is spreadsheet row k.

    openpyxl pads every row to the sheet's widest row with None; those trailing
    Nones are dropped here (unlike in a CSV, where an extra empty cell means a
    shifted row and is an error).
    """
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except Exception as err:  # openpyxl raises many kinds on a broken zip
        raise InputError(path, f"the workbook cannot be opened ({type(err).__name__}: {err})", expected="an XLSX workbook") from None
    try:
        sheet = workbook.worksheets[0]
        records = [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()
    for record in records:
        while record and record[-1] in (None, ""):
            record.pop()
    while records and not records[-1]:
        records.pop()
    if not records:
        raise InputError(path, "the first sheet is empty", expected="a SurveyMonkey export: two header rows, then one row per respondent")
    return records


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_cell(record: Sequence[object], index: int) -> str:
    return clean_text(record[index]) if index < len(record) else ""


# --- header


def _parse_header(path: Path, records: list[list[object]]) -> tuple[str, list[tuple[str, str]], int]:
    """Check the two header rows; return the layout, the question columns and the width."""
    row1 = records[0]
    layout = _detect_layout(path, row1)
    _check_fixed_names(path, row1, LAYOUTS[layout])
    if len(records) < HEADER_ROWS:
        raise InputError(path, "the second header row is missing", row=2,
                         expected="a second header row (Response, Open-Ended Response, option texts...)")
    row2 = records[1]
    _check_row2_blank_over_fixed(path, row2, LAYOUTS[layout])
    width = max(len(row1), len(row2))
    while width > len(LAYOUTS[layout]) and not _header_cell(row1, width - 1) and not _header_cell(row2, width - 1):
        width -= 1  # trailing columns with no header at all (Excel pads rows)
    columns = _question_headers(path, row1, row2, len(LAYOUTS[layout]), width)
    _check_duplicates(path, columns, len(LAYOUTS[layout]))
    return layout, columns, width


def _detect_layout(path: Path, row1: Sequence[object]) -> str:
    """Current (``Respondent ID``) or legacy (``RespondentID``) header layout."""
    names = [_header_cell(row1, i) for i in range(len(row1))]
    matches = {layout: sum(a == b for a, b in zip(names, expected)) for layout, expected in LAYOUTS.items()}
    if names and names[0] in (FIXED_COLUMNS_CURRENT[0], FIXED_COLUMNS_LEGACY[0]):
        return "current" if names[0] == FIXED_COLUMNS_CURRENT[0] else "legacy"
    if max(matches.values()) == 0 and not set(names) & (set(FIXED_COLUMNS_CURRENT) | set(FIXED_COLUMNS_LEGACY)):
        raise InputError(
            path, "row 1 has none of SurveyMonkey's fixed columns: this is not a SurveyMonkey export",
            row=1, found=", ".join(names[:4]),
            expected=f"the current fixed columns {', '.join(FIXED_COLUMNS_CURRENT)} "
                     f"or the legacy ones {', '.join(FIXED_COLUMNS_LEGACY)}",
        )
    return "legacy" if matches["legacy"] > matches["current"] else "current"


def _check_fixed_names(path: Path, row1: Sequence[object], expected: Sequence[str]) -> None:
    """Each fixed column must be in its place, under its exact name."""
    for index, name in enumerate(expected):
        found = _header_cell(row1, index)
        if found == name:
            continue
        names = [_header_cell(row1, i) for i in range(len(row1))]
        where = f" (it is in column {_letter(names.index(name))})" if name in names else ""
        raise InputError(
            path, f"fixed column {name!r} is missing or renamed in spreadsheet column {_letter(index)}{where}",
            row=1, column=name, found=found, expected=f"the fixed columns in this order: {', '.join(expected)}",
        )


def _check_row2_blank_over_fixed(path: Path, row2: Sequence[object], expected: Sequence[str]) -> None:
    """Row 2 is blank over the fixed columns; a value there means the second header row is missing."""
    for index, name in enumerate(expected):
        found = _header_cell(row2, index)
        if found:
            raise InputError(
                path, f"the second header row is not blank over the fixed columns (spreadsheet column {_letter(index)}); "
                      "is the second header row missing?",
                row=2, column=name, found=found, expected="a blank cell over each fixed column in row 2",
            )


def _question_headers(path: Path, row1: Sequence[object], row2: Sequence[object], start: int, width: int) -> list[tuple[str, str]]:
    """(question, row-2) per column: the question text carried over its blank continuation cells."""
    columns: list[tuple[str, str]] = []
    question = ""
    for index in range(start, width):
        question = _header_cell(row1, index) or question
        if not question:
            raise InputError(path, f"spreadsheet column {_letter(index)} has no question text, and there is none to its left to continue",
                             row=1, column=_letter(index), expected="the question text over the first column of each question")
        columns.append((question, _header_cell(row2, index)))
    return columns


def _check_duplicates(path: Path, columns: list[tuple[str, str]], start: int) -> None:
    """Two columns with the same (question, row-2) pair could not be told apart: refuse."""
    seen: dict[tuple[str, str], int] = {}
    for offset, column in enumerate(columns):
        index = start + offset
        if column in seen:
            first = seen[column]
            raise InputError(
                path, f"spreadsheet columns {_letter(first)} and {_letter(index)} have the same headers "
                      f"(question {column[0]!r}, row 2 {column[1]!r})",
                row=1, column=f"{column[0]} / {column[1]}",
                expected="a distinct (question, row-2) pair per column",
            )
        seen[column] = index


# --- data rows


def _data_rows(path: Path, records: list[list[object]], width: int, header_names: Sequence[str]) -> list[tuple[int, list[object]]]:
    """(spreadsheet row, cells padded to the width) per respondent; blank rows skipped.

    A row shorter than the header is a partial response whose trailing empty
    cells were trimmed: padded with empties. A row longer than the header is a
    shifted or broken row: an error naming it, never a silent misalignment.
    """
    rows: list[tuple[int, list[object]]] = []
    for row_number, record in enumerate(records[HEADER_ROWS:], start=HEADER_ROWS + 1):
        if all(_is_empty(cell) for cell in record):
            continue
        if len(record) > width:
            raise InputError(
                path, f"the row has {len(record)} cells but the header has {width} "
                      f"(extra cell in spreadsheet column {_letter(width)}): a shifted or broken row",
                row=row_number, column=_letter(width), found=record[width],
                expected=f"at most {width} cells, as many as the header",
            )
        rows.append((row_number, list(record) + [None] * (width - len(record))))
    return rows


def _is_empty(cell: object) -> bool:
    return cell is None or cell == ""


def _build_frame(path: Path, layout: str, columns: list[tuple[str, str]], rows: list[tuple[int, list[object]]]) -> pd.DataFrame:
    """Assemble the frame: typed fixed columns, text question columns, row numbers as index."""
    names = LAYOUTS[layout]
    numbers = [number for number, _ in rows]
    data: dict[tuple[str, str], pd.Series] = {}
    for index, canonical in enumerate(CANONICAL_FIXED):
        values = [cells[index] for _, cells in rows]
        data[(canonical, "")] = _fixed_series(path, canonical, names[index], values, numbers)
    for offset, column in enumerate(columns):
        values = [_cell_text(cells[len(names) + offset]) for _, cells in rows]
        data[column] = pd.Series(values, dtype=_STR)
    _check_unique_ids(path, data[("respondent_id", "")], numbers, names[0])
    index = pd.Index(numbers, name="row", dtype="int64")
    frame = pd.DataFrame({i: s.set_axis(index) for i, s in enumerate(data.values())}, index=index)
    frame.columns = pd.MultiIndex.from_tuples(list(data), names=LEVEL_NAMES)
    return frame


def _fixed_series(path: Path, canonical: str, header: str, values: list[object], rows: list[int]) -> pd.Series:
    if canonical in ID_COLUMNS:
        return pd.Series([_parse_id(path, v, row, header) for v, row in zip(values, rows)], dtype=_STR)
    if canonical in DATE_COLUMNS:
        parsed = [_parse_date(path, v, row, header) for v, row in zip(values, rows)]
        return pd.Series(pd.to_datetime(parsed), dtype="datetime64[ns]")
    return pd.Series([_cell_text(v) for v in values], dtype=_STR)


def _cell_text(value: object) -> str | None:
    """A cell as text, None when empty. XLSX numbers are written as Excel shows them."""
    if _is_empty(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


def _parse_id(path: Path, value: object, row: int, header: str) -> str:
    """IDs are long digit strings: kept as text, so no float can round them or drop zeros."""
    text = _cell_text(value)
    if text is None or not (text.isascii() and text.isdigit()):
        hint = " (a spreadsheet may have turned it into a number like 1.04836E+10)" if text and "E+" in text.upper() else ""
        raise InputError(path, f"the {header} is not a string of digits{hint}", row=row, column=header,
                         found=text, expected="digits only, e.g. 10483629381")
    return text


def _parse_date(path: Path, value: object, row: int, header: str) -> dt.datetime | None:
    """SurveyMonkey's MM/DD/YYYY hh:mm:ss AM/PM; also 24-hour, ISO and real XLSX dates."""
    if _is_empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        return from_excel(value)
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is not None:
        raise InputError(path, f"the {header} is not a date this reader understands", row=row, column=header,
                         found=value, expected=_EXPECTED_DATE + " without a time zone")
    return parsed


def _check_unique_ids(path: Path, ids: pd.Series, rows: list[int], header: str) -> None:
    """The same respondent twice means two exports were pasted together: refuse."""
    first: dict[str, int] = {}
    for value, row in zip(ids, rows):
        if value in first:
            raise InputError(path, f"the {header} {value} is also on row {first[value]}", row=row, column=header,
                             found=value, expected="one row per respondent (unique IDs)")
        first[value] = row


# --------------------------------------------------------------------------- writing


def write_export(
    path: str | Path,
    fixed: pd.DataFrame,
    columns: list[tuple[str, str]],
    cells: list[list[str | None]],
    *,
    layout: str = "current",
    encoding: str = "utf-8",
    newline: str = "\r\n",
) -> None:
    """Write a CSV export as SurveyMonkey does: the inverse of :func:`read_export`.

    For tests and synthetic data. ``fixed`` has the canonical fixed column names
    (missing personal columns are written empty; a frame from :func:`read_export`
    works too); ``columns`` the (question, row-2) pairs; ``cells`` one list per
    respondent, ``None`` or ``""`` for empty. Row 1 carries a question's text
    over its first column only. Same input, same bytes: a cell is quoted when it
    holds the delimiter, a quote, CR or LF (SurveyMonkey's minimal quoting), and
    nothing depends on time or locale. ``encoding="utf-8-sig"`` writes a BOM; an
    unencodable character raises UnicodeEncodeError rather than being replaced.
    """
    rows = _export_rows(fixed, columns, cells, layout)
    text = "".join(",".join(_csv_field(v) for v in row) + newline for row in rows)
    Path(path).write_bytes(text.encode(encoding))


def write_export_xlsx(
    path: str | Path,
    fixed: pd.DataFrame,
    columns: list[tuple[str, str]],
    cells: list[list[str | None]],
    *,
    layout: str = "current",
) -> None:
    """Write the same export as an XLSX workbook (one sheet), dates as real date cells.

    Every other cell is a text cell, even one starting with ``=`` (openpyxl would
    otherwise store it as a formula). Not byte-for-byte deterministic: the
    workbook's metadata carries a save time.
    """
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet"
    for r, row in enumerate(_export_rows(fixed, columns, cells, layout, dates_as_text=False), start=1):
        for c, value in enumerate(row, start=1):
            if value in (None, ""):
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    workbook.save(path)


def _export_rows(fixed_frame: pd.DataFrame, columns: list[tuple[str, str]], cells: list[list[str | None]],
                 layout: str, *, dates_as_text: bool = True) -> list[list[object]]:
    """The export's rows: two header rows, then the fixed cells and answers per respondent."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, not {layout!r}")
    frame = _canonical_fixed(fixed_frame)
    if len(frame) != len(cells):
        raise ValueError(f"{len(frame)} rows of fixed columns but {len(cells)} rows of cells")
    header1 = list(LAYOUTS[layout]) + _question_row(columns)
    header2 = [""] * len(LAYOUTS[layout]) + [sub for _, sub in columns]
    rows: list[list[object]] = [header1, header2]
    for i, answers in enumerate(cells):
        if len(answers) != len(columns):
            raise ValueError(f"respondent {i} has {len(answers)} cells for {len(columns)} columns")
        own = [_fixed_value(frame[name].iloc[i], name, dates_as_text) for name in CANONICAL_FIXED]
        rows.append(own + ["" if a is None else a for a in answers])
    return rows


def _canonical_fixed(frame: pd.DataFrame) -> pd.DataFrame:
    """The fixed columns by canonical name, missing ones empty; accepts read_export's frame."""
    if isinstance(frame.columns, pd.MultiIndex):
        keep = [c for c in frame.columns if c[1] == "" and c[0] in CANONICAL_FIXED]
        frame = frame[keep].set_axis([c[0] for c in keep], axis=1)
    unknown = set(frame.columns) - set(CANONICAL_FIXED)
    if unknown:
        raise ValueError(f"unknown fixed columns {sorted(unknown)}; expected names from {CANONICAL_FIXED}")
    if "respondent_id" not in frame.columns:
        raise ValueError("the fixed columns need a respondent_id")
    frame = frame.reset_index(drop=True)
    for name in CANONICAL_FIXED:
        if name not in frame.columns:
            frame[name] = None
    return frame


def _question_row(columns: list[tuple[str, str]]) -> list[str]:
    """Row 1 over the questions: the text over a question's first column, blank after."""
    row, previous = [], None
    for question, _ in columns:
        row.append("" if question == previous else question)
        previous = question
    return row


def _fixed_value(value: object, name: str, dates_as_text: bool) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if name in DATE_COLUMNS and not isinstance(value, str):
        stamp = pd.Timestamp(value).to_pydatetime()
        return stamp.strftime(DATE_FORMAT) if dates_as_text else stamp
    if name in ID_COLUMNS and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_field(value: object) -> str:
    """One CSV field with minimal quoting; CR alone is quoted too, so it cannot end a record."""
    text = "" if value is None else str(value)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


# --------------------------------------------------------------------------- SPSS


def read_sav(path: str | Path) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """Read SurveyMonkey's SPSS export: labelled codes as ordered categories, in code order.

    pyreadstat's own conversion sorts categories alphabetically and fails on
    NaN, so codes are mapped through ``meta.variable_value_labels`` here: the
    category order is the code order (1..n: the questionnaire's answer order).
    Unlabelled numeric columns whose values are all whole numbers become
    nullable ``Int64`` (multi-select dummies, counts). User-defined missing
    values come back missing. Personal columns (by variable name or label:
    IP address, e-mail, first/last name, custom data) are dropped. Returns the
    frame and ``{variable: label}`` for the kept variables.
    """
    import pyreadstat

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    try:
        raw, meta = pyreadstat.read_sav(path, apply_value_formats=False, user_missing=False)
    except Exception as err:  # pyreadstat raises ReadstatError / PyreadstatError
        raise InputError(path, f"the file cannot be read as SPSS ({type(err).__name__}: {err})", expected="an SPSS .sav file") from None
    labels = dict(meta.column_names_to_labels)
    personal = [name for name in raw.columns if _is_personal(name) or _is_personal(labels.get(name))]
    frame = raw.drop(columns=personal)
    value_labels = meta.variable_value_labels
    for name in frame.columns:
        if name in value_labels:
            frame[name] = _labelled(path, name, frame[name], value_labels[name])
        elif _whole_numbers(frame[name]):
            frame[name] = frame[name].astype("Int64")
    frame.attrs = {"source": str(path)}
    return frame, {name: labels.get(name) for name in frame.columns}


#: SurveyMonkey's SPSS names for the fixed variables (compared in lower case, letters
#: and digits only), by canonical name. Personal ones are dropped by :func:`read_sav`.
SAV_FIXED_NAMES = {
    "respondent_id": ("respondentid",),
    "collector_id": ("collectorid",),
    "start_date": ("startdate", "datecreated"),
    "end_date": ("enddate", "datemodified"),
}


def read_sav_responses(path: str | Path) -> tuple[pd.DataFrame, dict[str, str | None]]:
    """A SurveyMonkey SPSS export as one row per respondent, fixed variables checked.

    Built on :func:`read_sav` (personal variables dropped, labelled codes as their
    labels). The fixed variables get their canonical names (``respondent_id``,
    ``collector_id``, ``start_date``, ``end_date``; SurveyMonkey's ``date_created``
    and ``date_modified`` are the start and end), IDs become digit strings and dates
    ``datetime64[ns]``, as :func:`read_export` gives them. ``respondent_id`` is
    required and unique. The index, named ``"row"``, is the case number (1-based, as
    SPSS's Data View shows it); the other variables keep their names and values.
    Returns the frame and ``{variable: label}``.
    """
    path = Path(path)
    frame, labels = read_sav(path)
    renamed: dict[str, str] = {}
    for variable in frame.columns:
        key = re.sub(r"[^a-z0-9]", "", str(variable).lower())
        canonical = next((c for c, keys in SAV_FIXED_NAMES.items() if key in keys), None)
        if canonical is None:
            continue
        if canonical in renamed.values():
            other = next(v for v, c in renamed.items() if c == canonical)
            raise InputError(path, f"two variables hold the {canonical}", column=variable, found=other,
                             expected="one variable per fixed field")
        renamed[variable] = canonical
    if "respondent_id" not in renamed.values():
        raise InputError(path, "no respondent ID variable", expected="a variable named respondent_id (or RespondentID)")
    cases = list(range(1, len(frame) + 1))
    result: dict[str, pd.Series] = {}
    for variable, canonical in renamed.items():
        values = [None if pd.isna(v) or v == "" else v for v in frame[variable].astype(object)]
        result[canonical] = _fixed_series(path, canonical, variable, values, cases)
    ordered = [c for c in CANONICAL_FIXED if c in result]
    _check_unique_ids(path, result["respondent_id"], cases, next(v for v, c in renamed.items() if c == "respondent_id"))
    index = pd.Index(cases, name="row", dtype="int64")
    columns = {c: result[c].set_axis(index) for c in ordered}
    columns.update({v: frame[v].set_axis(index) for v in frame.columns if v not in renamed})
    out = pd.DataFrame(columns, index=index)
    out.attrs = {"source": str(path), "rows": cases}
    kept_labels = {renamed.get(v, v): label for v, label in labels.items()}
    return out, kept_labels


def sav_cell_text(value: object) -> str | None:
    """An SPSS value as the text a CSV export would hold: labels as they are, whole numbers without ".0"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: SurveyMonkey's SPSS names for the fixed fields, written in this order.
SAV_FIXED_WRITTEN = {
    "respondent_id": "respondent_id", "collector_id": "collector_id", "start_date": "date_created",
    "end_date": "date_modified", "ip_address": "ip_address", "email_address": "email_address",
    "first_name": "first_name", "last_name": "last_name", "custom_data": "custom_1",
}


def write_sav(path: str | Path, fixed: pd.DataFrame, answers: dict[str, list], *, labels: dict[str, str],
              value_labels: dict[str, dict[int, str]]) -> Path:
    """Write SurveyMonkey's SPSS export: the fixed variables under its names, then ``answers``.

    The inverse of :func:`read_sav_responses`, for tests and synthetic data. ``fixed`` holds
    the canonical fixed columns (IDs as digit strings, dates as datetimes); personal ones are
    written as given (the reader must drop them). IDs are written as numbers, unless a leading
    zero or their size would not survive that: then as text. ``answers`` maps each answer
    variable to its values (text, or numbers with NaN for empty), ``labels`` to its variable
    label and ``value_labels`` to its codes' labels.
    """
    import pyreadstat

    data: dict[str, object] = {}
    for canonical, sav_name in SAV_FIXED_WRITTEN.items():
        if canonical not in fixed:
            continue
        values = fixed[canonical]
        if canonical in ID_COLUMNS:
            values = [str(v) for v in values]
            if all(v == str(int(v)) and int(v) < 2**53 for v in values):  # numeric IDs; the reader takes either
                values = [float(v) for v in values]
        elif canonical in DATE_COLUMNS:
            values = pd.to_datetime(pd.Series(list(values)))
        else:
            values = ["" if v is None or pd.isna(v) else str(v) for v in values]
        data[sav_name] = values
    data.update(answers)
    path = Path(path)
    pyreadstat.write_sav(pd.DataFrame(data), path, column_labels=labels, variable_value_labels=value_labels)
    return path


_PERSONAL_KEYS = re.compile(r"^(ipaddress|emailaddress|email|firstname|lastname|customdata\d*|custom\d*)$")


def _is_personal(name: object) -> bool:
    """Name or label of a personal column, whatever its spelling (IP Address, ip_address, LastName)."""
    if not isinstance(name, str):
        return False
    return bool(_PERSONAL_KEYS.match(re.sub(r"[^a-z0-9]", "", name.lower())))


def _labelled(path: Path, name: str, values: pd.Series, labels: dict) -> pd.Series:
    """Codes -> ordered categorical whose categories follow the codes' order."""
    codes = sorted(labels, key=_code_key)
    categories = [labels[code] for code in codes]
    if len(set(categories)) != len(categories):
        dupes = sorted({c for c in categories if categories.count(c) > 1})
        raise InputError(path, f"two codes share the value label(s) {dupes}", column=name,
                         expected="one distinct label per code")
    mapping = {code: labels[code] for code in codes}
    mapping.update({float(code): labels[code] for code in codes if isinstance(code, (int, float))})
    for position, value in enumerate(values):
        if not pd.isna(value) and value not in mapping:
            raise InputError(path, "a code has no value label", row=position + 1, column=name, found=value,
                             expected=f"one of the labelled codes {codes}")
    mapped = [None if pd.isna(v) else mapping[v] for v in values]
    return pd.Series(pd.Categorical(mapped, categories=categories, ordered=True), index=values.index, name=name)


def _code_key(code: object) -> tuple[int, object]:
    """Numbers in numeric order, then text codes in text order."""
    return (0, float(code)) if isinstance(code, (int, float)) else (1, str(code))


def _whole_numbers(values: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(values):
        return False
    present = values.dropna()
    return bool(((present % 1) == 0).all()) and bool(present.abs().le(2**53).all())

