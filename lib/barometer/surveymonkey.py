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

Files as researchers pass them on are read too: any of the fixed columns, of either
header generation (``Respondent ID``... or ``RespondentID``...), in any order and
anywhere, or none at all; a fixed column is told from a question by its header alone
(:func:`fixed_name`). Columns appended after the export are questions like the others
(an appended column may have a blank row 2). Trailing columns without a header and
blank rows are dropped. Up to :data:`MAX_TITLE_ROWS` title rows (one filled cell each)
above the header rows are recognised by the header rows below them; a one-cell first
row that cannot be told from a header is refused. A "Numerical value" export's answer
numbers are turned into labels by :func:`answers_as_text`, given the questionnaire's
answer order.

What :func:`read_export` returns
--------------------------------
A :class:`pandas.DataFrame`, one row per respondent, in file order.

* **Columns**: a two-level MultiIndex named ``("question", "row2")``. The fixed
  columns found come first, in canonical order, as ``(canonical_name, "")`` so
  ``df["respondent_id"]`` (or :func:`fixed`) gives a Series; then one
  ``(question text, row-2 text)`` per question column, both texts cleaned by
  :func:`clean_text`.
* **Row numbers**: the index, named ``"row"``, is the spreadsheet row of each
  respondent (1-based, title and header rows count, so the first respondent of an
  export without a title is row 3). It survives filtering and sorting, so error
  messages downstream can always say "row N". The same numbers, in file order, are in
  ``df.attrs["rows"]``. Without a respondent ID column the row number is the
  respondent's identity (``attrs["identity"]``).
* **Empty cells** come back as missing: ``NaN`` in pandas' ``str`` dtype
  (``pd.isna(cell)`` is the test; never ``""``). Non-empty cells are the text as
  exported, untouched (no stripping, no type guessing), except:
  ``respondent_id``/``collector_id`` are validated as digit strings and kept as
  text (``"000123"`` stays ``"000123"``), and ``start_date``/``end_date`` are
  ``datetime64[ns]`` (empty -> ``NaT``).
* **Personal columns** (IP, e-mail, names, custom data) are dropped unless
  ``drop_personal=False`` is asked for explicitly.
* ``df.attrs``: ``source`` (the path as given), ``format`` (``"csv"``/``"xlsx"``),
  ``header_layout`` (``"current"``, ``"legacy"``, ``"mixed"``: names of both,
  ``"unspecified"``: only names common to both, ``"none"``: no fixed column),
  ``rows``, ``title_rows`` (rows above the headers), ``header_rows`` (their
  spreadsheet rows), ``fixed_columns`` (``{canonical name: header as written}`` in
  file order, personal ones included), ``identity`` (``"respondent_id"`` or ``"row"``).

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
from dataclasses import dataclass
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
    "answers_as_text",
    "fixed_name",
    "is_personal",
    "read_export",
    "TEXT_EXPORT",
    "write_export",
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
    return [c for c in df.columns if not (c[1] == "" and (c[0] in CANONICAL_FIXED or is_personal(c[0])))]


# --------------------------------------------------------------------------- reading


#: Header row 2 over a one-column question: its presence tells the second header row.
SUBHEADERS = ("Response", "Open-Ended Response")
#: Rows with at most one filled cell (a title) that may stand above the two header rows.
MAX_TITLE_ROWS = 3
#: Exact names of the fixed columns of either generation -> canonical name.
_FIXED_EXACT = {name: canonical for names in LAYOUTS.values() for name, canonical in zip(names, CANONICAL_FIXED)}
_FIXED_KEYS = {re.sub(r"[^a-z0-9]", "", name.lower()): canonical for name, canonical in _FIXED_EXACT.items()}
_CUSTOM_DATA = re.compile(r"customdata(\d+)")
#: Names that differ between the header generations: which generation a file is.
_GENERATION = {name: layout for layout, names in LAYOUTS.items() for name in names
               if name not in set(FIXED_COLUMNS_CURRENT) & set(FIXED_COLUMNS_LEGACY)}


@dataclass(frozen=True)
class _Header:
    """What the header rows say: where they are, the fixed columns and the question columns."""

    start: int  # records above the two header rows (title rows)
    layout: str  # "current", "legacy", "mixed" (names of both generations), "unspecified" or "none"
    fixed: dict[int, tuple[str, str]]  # spreadsheet column index -> (canonical name, header as written)
    columns: dict[int, tuple[str, str]]  # spreadsheet column index -> (question, row-2) of a question column
    width: int  # columns with a header
    padded: int  # columns of the header rows, trailing blank ones included

    @property
    def first_data_row(self) -> int:
        return self.start + HEADER_ROWS + 1


def fixed_name(header: object, row2: object = "") -> str | None:
    """The canonical fixed column a header names, or None for a question column.

    Told by the header alone: a name of either generation as SurveyMonkey writes it, or the
    same name in another case or spacing (``respondent_id``) over a blank row 2 (a question
    always has a row-2 text). ``Custom Data 2``, ``3``... are ``custom_data_2``...
    """
    name = clean_text(header)
    if name in _FIXED_EXACT:
        return _FIXED_EXACT[name]
    if clean_text(row2):
        return None
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    custom = _CUSTOM_DATA.fullmatch(key)
    if custom and int(custom.group(1)) > 1:
        return f"custom_data_{int(custom.group(1))}"
    return _FIXED_KEYS.get(key)


def is_personal(canonical: str) -> bool:
    """Whether a fixed column holds personal data (IP, e-mail, names, custom data)."""
    return canonical in PERSONAL_COLUMNS or canonical.startswith("custom_data")


def read_export(path: str | Path, *, drop_personal: bool = True) -> pd.DataFrame:
    """Read a SurveyMonkey "All individual responses" export (CSV or XLSX).

    See the module docstring for the shape of the result. The format is told by
    the file's first bytes, not its name (an XLSX is a zip; an old ``.xls`` is
    refused with a message saying to save as XLSX or CSV).
    """
    path = Path(path)
    records = _read_records(path)
    header = _parse_header(path, records)
    df = _build_frame(path, header, _data_rows(path, records, header))
    if drop_personal:
        df = df.drop(columns=[c for c in df.columns if c[1] == "" and is_personal(c[0])])
    df.attrs = {
        "source": str(path), "format": "xlsx" if _is_zip(path) else "csv", "header_layout": header.layout,
        "rows": [int(r) for r in df.index],
        "title_rows": header.start, "header_rows": [header.start + 1, header.start + 2],
        "fixed_columns": {canonical: name for _, (canonical, name) in sorted(header.fixed.items())},
        "identity": "respondent_id" if ("respondent_id", "") in df.columns else "row",
    }
    return df


def _read_records(path: Path) -> list[list[object]]:
    """All records of the file, each a list of cells ("" or None for empty)."""
    data = path.read_bytes()
    if data.startswith(_ZIP):
        return _xlsx_records(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(path, "this is an old Excel .xls workbook", expected="a CSV or XLSX export (save it as XLSX or CSV)")
    text = _decode(path, data)
    if not text.strip():
        raise InputError(path, "the file is empty", expected="a SurveyMonkey export: two header rows, then one row per respondent")
    return _csv_records(path, text)


_ZIP = b"PK\x03\x04"


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(_ZIP)) == _ZIP


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
    """Comma, or semicolon from a European Excel: whichever makes the header rows look like an export.

    Decided on the known header texts, not by guessing from data: the candidate
    whose first records (title rows and the two header rows) hold more fixed column
    names and Response / Open-Ended Response cells wins; if neither has any, the
    one giving more fields; ties go to the comma. A wrong choice can only lead to
    a header error, never to silently misread cells.
    """
    known = set(_FIXED_EXACT) | set(SUBHEADERS)

    def score(delimiter: str) -> tuple[int, int]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            head = [record for _, record in zip(range(MAX_TITLE_ROWS + HEADER_ROWS), reader)]
        except csv.Error:
            return (-1, -1)
        return (sum(clean_text(c) in known for record in head for c in record), max(map(len, head), default=0))

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


def _parse_header(path: Path, records: list[list[object]]) -> _Header:
    """Find the two header rows (below any title row); tell the fixed columns from the questions."""
    start = _header_start(path, records)
    row1 = records[start]
    if len(records) < start + HEADER_ROWS and any(fixed_name(cell) for cell in row1):
        raise InputError(path, "the second header row is missing", row=start + 2,
                         expected="a second header row (Response, Open-Ended Response, option texts...)")
    row2 = records[start + 1] if len(records) > start + 1 else []
    padded = max(len(row1), len(row2))
    width = padded
    while width and not _header_cell(row1, width - 1) and not _header_cell(row2, width - 1):
        width -= 1  # trailing columns with no header at all (Excel pads rows)
    fixed: dict[int, tuple[str, str]] = {}
    columns: dict[int, tuple[str, str]] = {}
    question = ""
    for index in range(width):
        name, sub = _header_cell(row1, index), _header_cell(row2, index)
        canonical = fixed_name(name, sub)
        if canonical is not None:
            _check_fixed_column(path, start, index, canonical, name, sub, fixed)
            fixed[index] = (canonical, name)
            question = ""  # a question's continuation columns never run over a fixed column
            continue
        question = name or question
        if not question:
            raise InputError(path, f"spreadsheet column {_letter(index)} has no question text, and there is none to its left to continue",
                             row=start + 1, column=_letter(index), expected="the question text over the first column of each question")
        columns[index] = (question, sub)
    if not fixed and not any(sub in SUBHEADERS for _, sub in columns.values()):
        raise InputError(
            path, f"row {start + 1} has none of SurveyMonkey's fixed columns and row {start + 2} no "
                  f"{' or '.join(map(repr, SUBHEADERS))}: this is not a SurveyMonkey export",
            row=start + 1, column=_letter(0), found=", ".join(_header_cell(row1, i) for i in range(min(4, len(row1)))),
            expected=f"the current fixed columns {', '.join(FIXED_COLUMNS_CURRENT)} or the legacy ones "
                     f"{', '.join(FIXED_COLUMNS_LEGACY)} (any of them, in any order), or a second header row "
                     "with Response / Open-Ended Response",
        )
    _check_duplicates(path, start, columns)
    return _Header(start, _generation(fixed), fixed, columns, width, padded)


def _header_start(path: Path, records: list[list[object]]) -> int:
    """How many title rows stand above the two header rows (0 in SurveyMonkey's own CSV).

    The header rows are told by a fixed column's name in the first or a Response /
    Open-Ended Response in the second; a title row has one filled cell at most. Where
    neither tells them apart, a one-cell first row is refused rather than guessed at.
    """
    def headers_at(i: int) -> bool:
        first = records[i]
        second = records[i + 1] if i + 1 < len(records) else []
        return any(fixed_name(_header_cell(first, k), _header_cell(second, k)) for k in range(len(first))) or \
            any(_header_cell(second, k) in SUBHEADERS for k in range(len(second)))

    if headers_at(0):
        return 0
    for start in range(1, min(MAX_TITLE_ROWS, len(records) - 1) + 1):
        if _filled(records[start - 1]) > 1:
            break
        if headers_at(start):
            return start
    if _filled(records[0]) == 1 and len(records) > 1:
        raise InputError(
            path, "row 1 has a single filled cell, and neither a fixed column nor a Response / Open-Ended Response "
                  "header tells whether it is a title above the header rows or the header itself",
            row=1, column="A", found=next(_cell_text(c) for c in records[0] if not _is_empty(c)),
            expected="the export's two header rows at the top (delete the title row), or a fixed column such as "
                     "Respondent ID in the first header row",
        )
    return 0


def _filled(record: Sequence[object]) -> int:
    return sum(not _is_empty(cell) and clean_text(cell) != "" for cell in record)


def _check_fixed_column(path: Path, start: int, index: int, canonical: str, name: str, sub: str,
                        seen: dict[int, tuple[str, str]]) -> None:
    """A fixed column is blank in row 2, and there once."""
    if sub:
        raise InputError(
            path, f"the second header row is not blank over the fixed column in spreadsheet column {_letter(index)}; "
                  "is the second header row missing?",
            row=start + 2, column=name, found=sub, expected="a blank cell over each fixed column in row 2",
        )
    twice = next((k for k, (c, _) in seen.items() if c == canonical), None)
    if twice is not None:
        raise InputError(path, f"spreadsheet columns {_letter(twice)} and {_letter(index)} both hold the {canonical}",
                         row=start + 1, column=name, found=seen[twice][1], expected="each fixed column once")


def _generation(fixed: dict[int, tuple[str, str]]) -> str:
    """The header generation the fixed columns' names belong to."""
    if not fixed:
        return "none"
    found = {_GENERATION[name] for _, name in fixed.values() if name in _GENERATION}
    if len(found) == 1:
        return found.pop()
    return "mixed" if found else "unspecified"


def _check_duplicates(path: Path, start: int, columns: dict[int, tuple[str, str]]) -> None:
    """Two columns with the same (question, row-2) pair could not be told apart: refuse."""
    seen: dict[tuple[str, str], int] = {}
    for index, column in columns.items():
        if column in seen:
            raise InputError(
                path, f"spreadsheet columns {_letter(seen[column])} and {_letter(index)} have the same headers "
                      f"(question {column[0]!r}, row 2 {column[1]!r})",
                row=start + 1, column=f"{column[0]} / {column[1]}",
                expected="a distinct (question, row-2) pair per column",
            )
        seen[column] = index


# --- data rows


def _data_rows(path: Path, records: list[list[object]], header: _Header) -> list[tuple[int, list[object]]]:
    """(spreadsheet row, cells padded to the width) per respondent; blank rows skipped.

    A row shorter than the header is a partial response whose trailing empty
    cells were trimmed: padded with empties. Cells beyond the header's last
    heading must be empty, and a row longer than the header rows themselves is a
    shifted or broken row: an error naming it, never a silent misalignment.
    """
    rows: list[tuple[int, list[object]]] = []
    width = header.width
    for row_number, record in enumerate(records[header.start + HEADER_ROWS:], start=header.first_data_row):
        if all(_is_empty(cell) for cell in record):
            continue
        if len(record) > header.padded:
            raise InputError(
                path, f"the row has {len(record)} cells but the header has {header.padded} "
                      f"(extra cell in spreadsheet column {_letter(header.padded)}): a shifted or broken row",
                row=row_number, column=_letter(header.padded), found=record[header.padded],
                expected=f"at most {header.padded} cells, as many as the header",
            )
        stray = next((i for i in range(width, len(record)) if not _is_empty(record[i])), None)
        if stray is not None:
            raise InputError(path, f"a cell in spreadsheet column {_letter(stray)}, which has no header",
                             row=row_number, column=_letter(stray), found=record[stray],
                             expected=f"cells only under the {width} headed columns")
        rows.append((row_number, list(record[:width]) + [None] * (width - len(record))))
    return rows


def _is_empty(cell: object) -> bool:
    return cell is None or cell == ""


def _build_frame(path: Path, header: _Header, rows: list[tuple[int, list[object]]]) -> pd.DataFrame:
    """Assemble the frame: typed fixed columns (canonical order), text question columns, row numbers as index."""
    numbers = [number for number, _ in rows]
    data: dict[tuple[str, str], pd.Series] = {}
    order = {name: k for k, name in enumerate(CANONICAL_FIXED)}
    for index, (canonical, name) in sorted(header.fixed.items(), key=lambda item: (order.get(item[1][0], 99), item[1][0])):
        data[(canonical, "")] = _fixed_series(path, canonical, name, [cells[index] for _, cells in rows], numbers)
    for index, column in header.columns.items():
        data[column] = pd.Series([_cell_text(cells[index]) for _, cells in rows], dtype=_STR)
    if ("respondent_id", "") in data:
        id_header = next(name for canonical, name in header.fixed.values() if canonical == "respondent_id")
        _check_unique_ids(path, data[("respondent_id", "")], numbers, id_header)
    index = pd.Index(numbers, name="row", dtype="int64")
    frame = pd.DataFrame({i: s.set_axis(index) for i, s in enumerate(data.values())}, index=index)
    frame.columns = pd.MultiIndex.from_tuples(list(data), names=LEVEL_NAMES) if data else \
        pd.MultiIndex.from_tuples([], names=LEVEL_NAMES)
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


# --------------------------------------------------------------------------- numerical-value exports


#: The export to choose when the answers cannot be read as they are.
TEXT_EXPORT = '"All individual responses" with "Actual answer text" (not "Numerical value")'
_CODE = re.compile(r"[0-9]+")


def answers_as_text(path: str | Path, df: pd.DataFrame, labels: dict[tuple[str, str], dict[int, str]]) -> pd.DataFrame:
    """The export's answers as text, whether it holds answer text or SurveyMonkey's numerical values.

    A "Numerical value" export writes in a choice column the chosen answer's number (its
    position, 1..n, in the questionnaire's order) instead of its text. ``labels`` gives, per
    choice column (question, row-2 texts, compared as :func:`barometer.qtypes.norm` does),
    the label of each number: the caller's questionnaire order. When the choice columns hold
    numbers and no label, each number is replaced by its label and ``attrs["answers"]`` says
    ``"numeric"``; when they hold labels the frame comes back as it is (``"text"``). Numbers
    in more cells than labels beside them, or a number without a label, are refused with the
    export to choose instead; a cell that is both a label and an answer's number (a scale point
    labelled "3") tells neither. Other columns (free text, numbers, ranks) are never touched.
    """
    from .qtypes import norm

    path = Path(path)
    wanted = {(norm(q), norm(r)): codes for (q, r), codes in labels.items()}
    choice = {column: wanted[(norm(column[0]), norm(column[1]))] for column in answer_columns(df)
              if (norm(column[0]), norm(column[1])) in wanted}
    texts, codes = [], []
    for column, by_number in choice.items():
        names = {norm(label) for label in by_number.values()}
        for row, value in df[column].dropna().items():
            number = _CODE.fullmatch(value.strip())
            if norm(value) not in names:
                if number:
                    codes.append((row, column, value))
            elif not (number and int(value) in by_number):  # a label "3" that is also answer 3 says neither
                texts.append((row, column))
    out = df.copy()
    out.attrs = {**df.attrs, "answers": "text"}
    if not codes:
        return out
    row, column, value = codes[0]
    where = f"{column[0]} / {column[1]}"
    if texts:
        if len(codes) <= len(texts):
            return out  # a few stray numbers in a text export: the recoding names each one
        raise InputError(path, f"answer numbers in {len(codes)} choice cells beside answer text in {len(texts)}: "
                         "a mix of a numerical-value and an answer-text export", row=int(row), column=where,
                         found=value, expected=f"one export, {TEXT_EXPORT}")
    for column, by_number in choice.items():
        out[column] = pd.Series([_answer_label(path, row, column, value, by_number) for row, value in df[column].items()],
                                index=df.index, dtype=_STR)
    out.attrs["answers"] = "numeric"
    return out


def _answer_label(path: Path, row: int, column: tuple[str, str], value: object, by_number: dict[int, str]) -> str | None:
    """The label of one cell of a numerical-value export (None when empty)."""
    if value is None or pd.isna(value):
        return None
    number = int(value.strip()) if _CODE.fullmatch(value.strip()) else None
    if number not in by_number:
        raise InputError(path, "a numerical-value export whose answer number is no answer of this question",
                         row=int(row), column=f"{column[0]} / {column[1]}", found=value,
                         expected=f"a number from {min(by_number)} to {max(by_number)}, or {TEXT_EXPORT}")
    return by_number[number]


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
    """Write an export as SurveyMonkey does: the inverse of :func:`read_export`; XLSX for an ``.xlsx`` path, else CSV.

    For tests and synthetic data. ``fixed`` has the canonical fixed column names
    (missing personal columns are written empty; a frame from :func:`read_export`
    works too); ``columns`` the (question, row-2) pairs; ``cells`` one list per
    respondent, ``None`` or ``""`` for empty. Row 1 carries a question's text
    over its first column only. Same input, same bytes: a cell is quoted when it
    holds the delimiter, a quote, CR or LF (SurveyMonkey's minimal quoting), and
    nothing depends on time or locale. ``encoding="utf-8-sig"`` writes a BOM; an
    unencodable character raises UnicodeEncodeError rather than being replaced.
    A workbook (one sheet) has dates as real date cells and every other cell as
    text, even one starting with ``=``; ``encoding`` and ``newline`` do not apply,
    and its bytes are not deterministic (the workbook's metadata carries a save time).
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, _export_rows(fixed, columns, cells, layout, dates_as_text=False))
        return
    rows = _export_rows(fixed, columns, cells, layout)
    text = "".join(",".join(_csv_field(v) for v in row) + newline for row in rows)
    path.write_bytes(text.encode(encoding))


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    """The rows as the first sheet of a workbook, text as text cells (openpyxl would store "=..." as a formula)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet"
    for r, row in enumerate(rows, start=1):
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

