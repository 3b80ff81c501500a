"""Question types (barometer.qtypes): each kind of question is one object, and a new kind is one class.

The 0-10 scale of the 2018 wave (``scale10``) is not in the 2016 codebook: a small codebook
that has one shows that the readers take a new type through its class alone, in CSV and SPSS.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from barometer import layout, qtypes, spss
from barometer.codebook import LANGUAGES, load_codebook
from barometer.errors import InputError
from barometer.survey import load_survey
from barometer.surveymonkey import write_export
from conftest import complete_answers, fixed_columns


def _refuse(column, problem, found, expected):
    raise AssertionError(f"{column.header}: {problem} ({found!r}; expected {expected})")


def test_every_question_has_its_registered_type():
    cb = load_codebook()
    for q in cb:
        assert isinstance(q.kind, qtypes.TYPES[q.type]) and q.kind.q is q
        assert q.kind is q.kind  # bound once
        assert q.kind.table in ("respondents", None, *qtypes.LONG_TABLES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_cells_read_back_as_the_coded_answers(lang):
    """What a type writes in its columns, it reads back as the same answer (projects gain their slot)."""
    cb = load_codebook()
    answers = complete_answers("Gent", respondent_function="other", respondent_function__other=" Archivaris ")
    for q in cb:
        columns = q.kind.columns(lang)
        cells = q.kind.cells(answers, lang)
        assert len(cells) == len(columns) and [c.question for c in columns] == [q.name] * len(columns)
        answer, other = q.kind.read(lang, dict(zip(columns, cells)), _refuse)
        expected = answers[q.name]
        if q.type == "project_list":
            expected = [dict(slot=n, **p) for n, p in enumerate(expected, start=1)]
        assert answer == (expected.strip() if isinstance(expected, str) else expected), q.name
        assert other == (answers[f"{q.name}__other"].strip() if f"{q.name}__other" in answers else None)


def test_spss_values_carry_the_labels_of_the_export_cells():
    """A labelled SPSS value is the label the CSV export writes in the same column."""
    cb = load_codebook()
    answers = complete_answers("Gent")
    for lang in LANGUAGES:
        for q in cb:
            for column, cell in zip(q.kind.columns(lang), q.kind.cells(answers, lang)):
                value, labels = q.kind.sav_value(column, answers), q.kind.value_labels(column, lang)
                if labels and value is not None:
                    assert labels[value] == cell, (q.name, column.header)
                elif not q.kind.sav_text(column) and value is not None:
                    assert float(value) == float(cell), (q.name, column.header)


# --------------------------------------------------------------------------- a new type: scale10

SMALL = {
    "meta": {"questions": 3},
    "parts": [{"id": "profile", "nl": "Profiel", "fr": "Profil"},
              {"id": "perception", "nl": "Perceptie", "fr": "Perception"}],
    "questions": [
        {"id": "q01", "name": "municipality", "part": "profile", "type": "municipality",
         "nl": "Wat is de naam van uw gemeente?", "fr": "Quel est le nom de votre commune ?"},
        {"id": "q02", "name": "smartness", "part": "perception", "type": "scale10",
         "nl": "Hoe slim is uw gemeente, van 0 (helemaal niet) tot 10 (volledig)?",
         "fr": "Votre commune est-elle intelligente, de 0 (pas du tout) à 10 (tout à fait) ?"},
        {"id": "q03", "name": "heard", "part": "perception", "type": "single",
         "nl": "Kent u het begrip smart city?", "fr": "Connaissez-vous le concept de smart city ?",
         "options": [{"code": "yes", "nl": "Ja", "fr": "Oui"}, {"code": "no", "nl": "Nee", "fr": "Non"}]},
    ],
}
RESPONDENTS = [
    {"respondent_id": "1", "municipality": "Gent", "smartness": 0, "heard": "yes"},
    {"respondent_id": "2", "municipality": "Namur", "smartness": 10, "heard": "no"},
    {"respondent_id": "3", "municipality": "Aalst", "smartness": 7},
    {"respondent_id": "4", "municipality": "Mons", "heard": "yes"},
]


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.yml"
    path.write_text(yaml.safe_dump(SMALL, allow_unicode=True), encoding="utf-8")
    return load_codebook(path)


def _write_csv(path, cb, respondents, lang):
    columns = [c.header for c in layout.export_columns(cb, lang)]
    cells = [layout.encode_respondent(cb, r, lang) for r in respondents]
    write_export(path, fixed_columns(respondents), columns, cells)
    return path


def test_scale10_is_one_class():
    kind = qtypes.TYPES["scale10"]
    assert issubclass(kind, qtypes.QuestionType) and kind.table == "respondents" and kind.needs == ()


@pytest.mark.parametrize("suffix", [".csv", ".sav"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_scale10_round_trips_through_the_readers(tmp_path, small, lang, suffix):
    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / f"export-{lang}{suffix}"
    if suffix == ".csv":
        _write_csv(path, small, RESPONDENTS, lang)
        assert "Response" in path.read_text(encoding="utf-8").splitlines()[1]
    else:
        spss.write_coded(path, fixed_columns(RESPONDENTS), small, RESPONDENTS, lang)
    survey = load_survey(folder, codebook=small)
    smartness, heard = survey.respondents["smartness"], survey.respondents["heard"]
    assert smartness.dtype == "Int64"
    assert smartness.loc[["1", "2", "3"]].tolist() == [0, 10, 7] and pd.isna(smartness.loc["4"])
    assert heard.loc[["1", "2", "4"]].tolist() == ["yes", "no", "yes"] and pd.isna(heard.loc["3"])
    assert (survey.log["status"] == "kept").all()


@pytest.mark.parametrize("cell", ["11", "-1", "7.5", "zeven", "\u00b2"])
def test_scale10_refuses_what_is_not_a_point_of_the_scale(tmp_path, small, cell):
    path = _write_csv(tmp_path / "export-nl.csv", small, RESPONDENTS[:1], "nl")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Gent,0,Ja", f"Gent,{cell},Ja"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_survey(path, codebook=small)
    message = str(err.value)
    assert "export-nl.csv, row 3" in message and "scale value out of range" in message
    assert SMALL["questions"][1]["nl"] in message and "a whole number from 0 to 10" in message
