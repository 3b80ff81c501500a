"""Exports as researchers hold them, built from the synthetic exports: each reads to the same answers.

Every variant is made from the files of ``data/raw/synthetic`` as a researcher's spreadsheet
would leave them (fixed columns deleted, reordered or of the other header generation, a
column appended, empty columns and rows at the end, an XLSX with a title row, the
"Numerical value" export), then loaded; its tidy tables must be those of the original. Refusals
must name the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter
import pandas as pd
import pytest

from barometer import cli, layout, paths
from barometer.codebook import load_codebook
from barometer.errors import InputError
from barometer.frame import load_frame
from barometer.qtypes import norm
from barometer.survey import export_files, load_survey
from barometer.surveymonkey import (
    CANONICAL_FIXED,
    FIXED_COLUMNS_CURRENT,
    FIXED_COLUMNS_LEGACY,
    TEXT_EXPORT,
    answer_columns,
    read_export,
)

N_FIXED = len(FIXED_COLUMNS_CURRENT)
LANG = re.compile(r"collector-(nl|fr)")


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def frame(codebook):
    """The 589 municipalities, read once for every load of this module."""
    return load_frame()


@pytest.fixture(scope="module")
def originals() -> dict[str, list[list[str]]]:
    """The synthetic exports as records of cells, by file name."""
    return {path.name: list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
            for path in export_files(paths.SYNTHETIC_RAW)}


def load(data: Path, codebook, frame):
    return load_survey(data, codebook=codebook, frame=frame)


@pytest.fixture(scope="module")
def original(codebook, frame):
    return load(paths.SYNTHETIC_RAW, codebook, frame)


def tidy(survey) -> dict[str, pd.DataFrame]:
    """The survey's answers keyed by municipality (respondent IDs and the file's dates left out)."""
    nis = survey.respondents["nis_code"]
    respondents = survey.respondents.drop(columns=["start_date", "end_date"]).reset_index(drop=True)
    tables = {"respondents": respondents.sort_values("nis_code").reset_index(drop=True)}
    for name in ("choices", "ratings", "rankings", "projects", "other_texts"):
        table = getattr(survey, name).copy()
        table.insert(0, "nis_code", table.pop("respondent_id").map(nis))
        tables[name] = table.sort_values(list(table.columns)).reset_index(drop=True)
    log = survey.log[["source", "row", "status", "reason"]].assign(source=lambda d: d["source"].map(lambda s: Path(s).stem))
    tables["log"] = log.sort_values(["source", "row"]).reset_index(drop=True)
    return tables


def assert_same_answers(survey, original, *, row_shift: int = 0, dates: bool = True):
    got, want = tidy(survey), tidy(original)
    want["log"] = want["log"].assign(row=want["log"]["row"] + row_shift)
    for name in want:
        pd.testing.assert_frame_equal(got[name], want[name], check_dtype=name != "log", obj=name)
    if dates:
        def dates(s):
            return s.respondents.set_index("nis_code")["end_date"].sort_index()

        pd.testing.assert_series_equal(dates(survey), dates(original))


def write_csv(folder: Path, name: str, records: list[list[object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(records)
    (folder / name).write_bytes(buffer.getvalue().encode("utf-8"))
    return folder / name


def write_folder(folder: Path, files: dict[str, list[list[object]]]) -> Path:
    for name, records in files.items():
        write_csv(folder, name, records)
    shutil.copy(paths.SYNTHETIC_RAW / "dataset.yml", folder / "dataset.yml")
    return folder


# --------------------------------------------------------------------------- variants of the fixed columns


def with_fixed(records, keep: list[int], names=FIXED_COLUMNS_CURRENT, *, at_end: bool = False):
    """The export with only the fixed columns ``keep`` (positions in SurveyMonkey's order), in that order."""
    out = []
    for k, record in enumerate(records):
        own = [names[i] if k == 0 else "" if k == 1 else record[i] for i in keep]
        rest = record[N_FIXED:]
        out.append(rest + own if at_end else own + rest)
    return out


FIXED_VARIANTS = {
    "Respondent ID only": ([0], FIXED_COLUMNS_CURRENT, False),
    "RespondentID only (legacy)": ([0], FIXED_COLUMNS_LEGACY, False),
    "none": ([], FIXED_COLUMNS_CURRENT, False),
    "StartDate, EndDate (legacy)": ([2, 3], FIXED_COLUMNS_LEGACY, False),
    "all, legacy generation": (list(range(N_FIXED)), FIXED_COLUMNS_LEGACY, False),
    "all, reversed": (list(reversed(range(N_FIXED))), FIXED_COLUMNS_CURRENT, False),
    "End Date, Respondent ID, Collector ID": ([3, 0, 1], FIXED_COLUMNS_CURRENT, False),
    "personal ones only, legacy": ([4, 5, 6, 7, 8], FIXED_COLUMNS_LEGACY, False),
    "Respondent ID and End Date after the questions": ([0, 3], FIXED_COLUMNS_CURRENT, True),
}


@pytest.mark.parametrize("variant", FIXED_VARIANTS)
def test_any_subset_and_order_of_fixed_columns_reads_the_same_answers(variant, originals, original, codebook,
                                                                     frame, tmp_path):
    keep, names, at_end = FIXED_VARIANTS[variant]
    folder = write_folder(tmp_path, {name: with_fixed(r, keep, names, at_end=at_end) for name, r in originals.items()})
    survey = load(folder, codebook, frame)
    assert_same_answers(survey, original, dates=3 in keep)
    path = next(folder.glob("*.csv"))
    df = read_export(path, drop_personal=False)
    assert df.attrs["fixed_columns"] == {CANONICAL_FIXED[i]: names[i] for i in keep}  # in the file's order
    assert list(df.attrs["fixed_columns"]) == [CANONICAL_FIXED[i] for i in keep]
    assert len(answer_columns(df)) == len(originals[path.name][0]) - N_FIXED
    if 0 in keep:
        assert df.attrs["identity"] == "respondent_id"
        assert set(survey.respondents.index) == set(original.respondents.index)
    else:  # the row number is the identity, and the result says so
        assert df.attrs["identity"] == "row"
        readings = survey.metadata["reading"]
        assert {r["identity"] for r in readings.values()} == {"row number"}
        rows = survey.log.set_index("respondent_id")[["source", "row"]]
        assert all(rid == f"{Path(src).stem}:{row}" for rid, (src, row) in rows.iterrows())


def test_header_generation_is_said(originals, tmp_path):
    name, records = next(iter(originals.items()))
    expected = {"current": ([0, 2], FIXED_COLUMNS_CURRENT), "legacy": ([0, 2], FIXED_COLUMNS_LEGACY),
                "none": ([], FIXED_COLUMNS_CURRENT), "unspecified": ([4, 5], FIXED_COLUMNS_LEGACY)}
    for layout_name, (keep, names) in expected.items():
        path = write_csv(tmp_path / layout_name, name, with_fixed(records, keep, names))
        assert read_export(path).attrs["header_layout"] == layout_name


# --------------------------------------------------------------------------- columns and rows added by hand


def test_an_appended_column_is_kept_as_a_question(originals, original, codebook, frame, tmp_path):
    added = ("Opmerking van de onderzoeker", "")
    files = {}
    for name, records in originals.items():
        files[name] = [records[0] + [added[0]], records[1] + [added[1]]] + \
            [r + [f"nagekeken {k}"] for k, r in enumerate(records[2:])]
    folder = write_folder(tmp_path, files)
    df = read_export(next(folder.glob("*.csv")))
    assert answer_columns(df)[-1] == added
    assert df[added].tolist() == [f"nagekeken {k}" for k in range(len(df))]
    survey = load(folder, codebook, frame)
    assert_same_answers(survey, original)
    assert all(r["unknown"] == [added[0]] for r in survey.metadata["reading"].values())


@pytest.mark.parametrize("columns, rows", [(3, 0), (0, 3), (2, 2)])
def test_trailing_empty_columns_and_rows_are_dropped(columns, rows, originals, original, codebook, frame, tmp_path):
    files = {}
    for name, records in originals.items():
        width = len(records[0]) + columns
        files[name] = [r + [""] * (width - len(r)) for r in records] + [[""] * width] * rows + [[]] * rows
    folder = write_folder(tmp_path, files)
    assert_same_answers(load(folder, codebook, frame), original)


def test_a_cell_under_a_trailing_empty_column_is_refused(originals, tmp_path):
    name, records = next(iter(originals.items()))
    width = len(records[0]) + 2
    padded = [r + [""] * (width - len(r)) for r in records]
    padded[4][-1] = "verdwaald"
    error = refused(write_csv(tmp_path, name, padded))
    assert (error.row, error.column) == (5, get_column_letter(width))
    assert "no header" in str(error)


# --------------------------------------------------------------------------- XLSX with a title row


def write_xlsx(path: Path, records: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r, record in enumerate(records, start=1):
        for c, value in enumerate(record, start=1):
            if value not in (None, ""):
                sheet.cell(row=r, column=c, value=value).data_type = "s"
    workbook.save(path)
    return path


@pytest.mark.parametrize("titles", [1, 2])
def test_xlsx_with_a_title_row_is_read(titles, originals, original, codebook, frame, tmp_path):
    folder = tmp_path / "xlsx"
    folder.mkdir()
    for name, records in originals.items():
        title = [["Smart City barometer 2016 – alle antwoorden"]] + [[]] * (titles - 1)
        write_xlsx(folder / name.replace(".csv", ".xlsx"), title + records)
    shutil.copy(paths.SYNTHETIC_RAW / "dataset.yml", folder / "dataset.yml")
    survey = load(folder, codebook, frame)
    assert_same_answers(survey, original, row_shift=titles)
    assert {r["title_rows"] for r in survey.metadata["reading"].values()} == {titles}


def test_a_title_row_that_cannot_be_told_from_the_header_is_refused(tmp_path):
    """No fixed column and no Response header: one filled cell in row 1 may be a title or a question."""
    records = [["Barometer 2016"], ["Welke thema's?", "", ""], ["Mobiliteit", "Energie", "Water"],
               ["Mobiliteit", "", "Water"]]
    for path in (write_xlsx(tmp_path / "title.xlsx", records), write_csv(tmp_path, "title.csv", records)):
        error = refused(path)
        assert (error.row, error.column) == (1, "A")
        assert "title" in str(error) and "Respondent ID" in str(error)


# --------------------------------------------------------------------------- numerical-value exports


def numeric(records: list[list[str]], codebook, lang: str, *, option_as: str = "position") -> list[list[str]]:
    """The export as SurveyMonkey's "Numerical value" export writes it: choice answers as their numbers."""
    numbers = {}
    for header, by_number in layout.choice_labels(codebook, lang).items():
        first = {}
        for number, label in sorted(by_number.items(), reverse=option_as == "position"):
            first[norm(label)] = str(number)
        numbers[(norm(header[0]), norm(header[1]))] = first
    headers, question = [], ""
    for k in range(len(records[0])):
        question = records[0][k] or question
        headers.append((norm(question), norm(records[1][k] if k < len(records[1]) else "")))
    out = [list(records[0]), list(records[1])]
    for record in records[2:]:
        out.append([numbers[headers[k]].get(norm(cell), cell) if cell and headers[k] in numbers else cell
                    for k, cell in enumerate(record)])
    return out


@pytest.fixture(scope="module")
def numeric_files(originals, codebook):
    return {name: numeric(records, codebook, LANG.search(name).group(1)) for name, records in originals.items()}


@pytest.mark.parametrize("option_as", ["position", "1"])
def test_numerical_value_export_is_read_through_the_codebook(option_as, originals, original, codebook, frame,
                                                            tmp_path):
    files = {name: numeric(records, codebook, LANG.search(name).group(1), option_as=option_as)
             for name, records in originals.items()}
    assert files != originals
    folder = write_folder(tmp_path, files)
    survey = load(folder, codebook, frame)
    assert_same_answers(survey, original)
    assert {r["answers"] for r in survey.metadata["reading"].values()} == {"numeric"}


def test_numerical_value_mixed_with_answer_text_is_refused(originals, numeric_files, tmp_path):
    name = next(iter(originals))
    half = len(originals[name]) // 2
    mixed = originals[name][:2] + numeric_files[name][2:half + 2] + originals[name][half + 2:]
    error = refused_loading(write_folder(tmp_path, {name: mixed}))
    assert error.path.name == name and error.row is not None and " / " in error.column
    assert TEXT_EXPORT in str(error)


def test_numerical_value_without_an_answer_is_refused(originals, numeric_files, codebook, tmp_path):
    name = next(iter(originals))
    records = [list(r) for r in numeric_files[name]]
    lang = LANG.search(name).group(1)
    single = next(q for q in codebook if q.type == "single")
    k = [i for i, c in enumerate(records[0]) if norm(c) == norm(single.text[lang])][0]
    row = next(i for i, r in enumerate(records) if i >= 2 and r[k])
    records[row][k] = str(len(single.options) + 1)
    error = refused_loading(write_folder(tmp_path, {name: records}))
    assert (error.path.name, error.row) == (name, row + 1)
    assert error.column == f"{single.text[lang]} / Response"
    assert TEXT_EXPORT in str(error)


# --------------------------------------------------------------------------- refusals name file, row and column


def refused(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_export(path)
    assert path.name in str(info.value) and info.value.row is not None and info.value.column is not None
    return info.value


def refused_loading(folder: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_survey(folder)
    assert info.value.path is not None and info.value.path.name in str(info.value)
    return info.value


def test_a_fixed_column_twice_is_refused(originals, tmp_path):
    name, records = next(iter(originals.items()))
    path = write_csv(tmp_path, name, with_fixed(records, [0, 2, 0]))
    error = refused(path)
    assert (error.row, error.column) == (1, "Respondent ID") and "columns A and C" in str(error)


def test_a_file_with_neither_fixed_columns_nor_a_second_header_row_is_refused(tmp_path):
    error = refused(write_csv(tmp_path, "gemeenten.csv", [["nis", "naam"], ["11001", "Aartselaar"]]))
    assert error.row == 1 and "not a SurveyMonkey export" in str(error)


def test_a_shifted_row_without_fixed_columns_is_refused(originals, tmp_path):
    name, records = next(iter(originals.items()))
    trimmed = with_fixed(records, [])
    trimmed[3] = ["x"] + trimmed[3] + [""] * (len(trimmed[0]) - len(trimmed[3]))
    error = refused(write_csv(tmp_path, name, trimmed))
    assert error.row == 4 and "shifted" in str(error)


# --------------------------------------------------------------------------- summary --describe


def test_describe_says_how_each_file_was_read(originals, original, codebook, tmp_path, capsys):
    names = sorted(originals)
    folder = write_folder(tmp_path / "mixed", {names[0]: with_fixed(originals[names[0]], [])})
    write_xlsx(folder / names[1].replace(".csv", ".xlsx"),
               [["Barometer"]] + numeric(with_fixed(originals[names[1]], [0, 3], FIXED_COLUMNS_LEGACY), codebook,
                                         LANG.search(names[1]).group(1)))
    assert cli.main(["summary", str(folder), "--describe"]) == 0
    out = capsys.readouterr().out
    first, second = out.split(names[1].replace(".csv", ".xlsx"))
    assert "CSV, no fixed columns; no title row; answer text" in first
    assert "respondent identity: row number" in first
    assert "XLSX, legacy header generation" in second and "1 title row(s)" in second and "numerical values" in second
    assert "fixed columns: RespondentID, EndDate" in second and "respondent identity: respondent ID" in second
    questions = [q for q in codebook if not q.personal]
    for part, name in ((first, names[0]), (second, names[1])):
        lang = LANG.search(name).group(1)
        assert f"language: {lang}" in part
        assert f"questions matched: {len(questions)} of {len(questions)}" in part
        assert "wording: " + ", ".join(q.name for q in questions[:3]) in part
        log = original.log[original.log["source"] == name]
        assert f"respondents: {len(log)} received, {int((log['status'] == 'kept').sum())} kept" in part
        for reason, n in log["reason"].value_counts().items():
            assert f"excluded, {reason}: {n} (" in part


def test_describe_an_spss_export(tmp_path, capsys):
    from conftest import write_as_sav

    folder = write_as_sav(paths.SYNTHETIC_RAW, tmp_path / "sav")
    assert cli.main(["summary", str(folder / next(iter(sorted(p.name for p in folder.glob("*.sav"))))), "--describe"]) == 0
    out = capsys.readouterr().out
    assert "layout: SPSS, variables q0001... in the questionnaire's order" in out
    assert "SPSS variable by position, its labels checked: municipality (q0001), respondent_function (q0002)" in out


def test_describe_takes_how_each_question_matched_from_the_loader(original, codebook):
    """The loader's word on each question (a mapping, or not available) is what --describe prints."""
    import copy

    survey = copy.copy(original)
    source = sorted(original.metadata["reading"])[0]
    reading = copy.deepcopy(original.metadata["reading"][source])
    names = list(reading["questions"])
    reading["questions"].update({names[1]: "mapping", names[2]: "mapping", names[3]: None})
    reading["unknown"] = ["Een vraag die de codebook niet kent"]
    survey.metadata = {**original.metadata, "reading": {source: reading}}
    out = cli.described(survey, source)
    assert f"questions matched: {len(names) - 1} of {len(names)}" in out
    assert f"mapping: {names[1]}, {names[2]}" in out
    assert f"not in the export (not available): {names[3]}" in out
    assert "not in the codebook (listed, not read): Een vraag die de codebook niet kent" in out
