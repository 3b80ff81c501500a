"""SurveyMonkey SPSS (.sav) exports: read through the codebook exactly as the CSV exports are.

The synthetic collectors rewritten as .sav must give the very same tables; a .sav whose
variables or labels do not fit the codebook is refused with file, variable and expectation;
personal data stay out.
"""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from barometer import paths, spss
from barometer.codebook import load_codebook
from barometer.errors import InputError
from barometer.survey import load_survey
from barometer.surveymonkey import read_sav_responses
from conftest import complete_answers, write_as_sav, write_collector

TABLES = ("respondents", "choices", "ratings", "rankings", "projects", "other_texts")


@pytest.fixture(scope="module")
def synthetic_sav(tmp_path_factory):
    return write_as_sav(paths.SYNTHETIC_RAW, tmp_path_factory.mktemp("sav"))


@pytest.fixture(scope="module")
def from_csv():
    return load_survey()


def _rewrite(path, target, *, rename=None, labels=None, value_labels=None, drop=()):
    """Copy a .sav with some variables renamed, relabelled or dropped (as a hand-edited file would be)."""
    df, meta = pyreadstat.read_sav(path, apply_value_formats=False)
    column_labels = dict(meta.column_names_to_labels)
    value_label_map = dict(meta.variable_value_labels)
    column_labels.update(labels or {})
    value_label_map.update(value_labels or {})
    df = df.drop(columns=list(drop))
    for old, new in (rename or {}).items():
        df = df.rename(columns={old: new})
        column_labels[new] = column_labels.pop(old)
        if old in value_label_map:
            value_label_map[new] = value_label_map.pop(old)
    column_labels = {k: v for k, v in column_labels.items() if k in df.columns}
    value_label_map = {k: v for k, v in value_label_map.items() if k in df.columns}
    pyreadstat.write_sav(df, target, column_labels=column_labels, variable_value_labels=value_label_map)
    return target


def test_variables_follow_the_questionnaire_positions():
    cb = load_codebook()
    names = {v.column.question: [] for v in spss.variables(cb, "nl")}
    for v in spss.variables(cb, "nl"):
        names[v.column.question].append(v.name)
    assert names["municipality"] == ["q0001"]
    assert names["respondent_function"] == ["q0002", "q0002_other"]  # single with "other"
    assert names["views"] == [f"q0005_{i:04d}" for i in range(1, len(cb["views"].options) + 1)]
    assert names["awareness_tools"][-1] == "q0022_other"
    assert len(names["projects"]) == cb["projects"].slots * len(cb["projects"].fields)
    assert [v.name for v in spss.variables(cb, "fr")] == [v.name for v in spss.variables(cb, "nl")]


def test_synthetic_exports_as_sav_give_the_same_tables(synthetic_sav, from_csv):
    from_sav = load_survey(synthetic_sav)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(from_sav, name), getattr(from_csv, name), obj=name)
    # same decisions for every raw row; only the row numbering differs (SPSS case vs spreadsheet row)
    columns = ["collector", "respondent_id", "nis_code", "status", "reason"]
    pd.testing.assert_frame_equal(from_sav.log[columns], from_csv.log[columns])
    assert (from_csv.log["row"] - from_sav.log["row"]).eq(2).all()
    assert set(from_sav.metadata["sources"]) == {p.name for p in synthetic_sav.glob("*.sav")}


def test_one_sav_file_is_one_collector(synthetic_sav, from_csv):
    fr = next(synthetic_sav.glob("*collector-fr.sav"))
    survey = load_survey(fr)
    assert set(survey.respondents["collector"]) == {"fr"}
    expected = from_csv.respondents[from_csv.respondents["collector"] == "fr"]
    assert sorted(survey.respondents.index) == sorted(expected.index)


def test_read_sav_responses_canonical_fixed_variables(synthetic_sav):
    frame, labels = read_sav_responses(next(synthetic_sav.glob("*collector-nl.sav")))
    assert list(frame.columns[:4]) == ["respondent_id", "collector_id", "start_date", "end_date"]
    assert frame["respondent_id"].map(str.isdigit).all()
    assert str(frame["start_date"].dtype) == "datetime64[ns]"
    assert frame.index.name == "row" and frame.index[0] == 1
    assert not {"ip_address", "email_address", "first_name", "last_name"} & set(frame.columns) & set(labels)


def test_personal_data_never_reach_the_frame(tmp_path):
    respondents = [complete_answers("Gent"), complete_answers("Aalst")]
    path = write_collector(tmp_path / "export-nl.sav", respondents, "nl")
    raw, _ = pyreadstat.read_sav(path)
    assert "planted.person@example.org" in set(raw["email_address"])
    assert "person@example.org" in set(raw["q0040"])  # the contact question
    df = spss.map_sav(path, load_codebook())
    text = df.to_string() + repr(df.attrs)
    for planted in ("planted.person@example.org", "person@example.org", "192.0.2.10", "Plantedfirst", "Plantedlast"):
        assert planted not in text
    survey = load_survey(path)
    assert survey.n == 2
    for table in TABLES:
        assert "person@example.org" not in getattr(survey, table).to_string()


def test_language_told_by_the_labels(tmp_path):
    cb = load_codebook()
    for lang in ("nl", "fr"):
        path = write_collector(tmp_path / f"export-{lang}.sav", [complete_answers("Gent")], lang)
        assert spss.recode(path, cb).lang == lang


def test_variable_missing_or_unknown_is_refused(tmp_path):
    good = write_collector(tmp_path / "good.sav", [complete_answers("Gent")], "nl")
    missing = _rewrite(good, tmp_path / "missing.sav", drop=["q0009"])
    with pytest.raises(InputError) as info:
        load_survey(missing)
    message = str(info.value)
    assert "missing.sav" in message and "'q0009'" in message and "q09 (concerned)" in message
    renamed = _rewrite(good, tmp_path / "renamed.sav", rename={"q0039": "q0041"})
    with pytest.raises(InputError, match=r"renamed.sav, column 'q0039': .*q39 \(comments\) not found"):
        load_survey(renamed)
    df, meta = pyreadstat.read_sav(good, apply_value_formats=False)
    df["q0041"] = ["an extra question"]
    extra = tmp_path / "extra.sav"
    pyreadstat.write_sav(df, extra, column_labels={**meta.column_names_to_labels, "q0041": "Extra"},
                         variable_value_labels=meta.variable_value_labels)
    with pytest.raises(InputError) as info:
        load_survey(extra)
    assert "extra.sav" in str(info.value) and "'q0041'" in str(info.value) and "not in the codebook" in str(info.value)


def test_questions_in_another_order_are_refused_by_their_labels(tmp_path):
    cb = load_codebook()
    good = write_collector(tmp_path / "good.sav", [complete_answers("Gent")], "nl")
    # q0003 carries the wording of q0004: a survey whose questions are not in the codebook's order
    swapped = _rewrite(good, tmp_path / "swapped.sav", labels={"q0003": cb["heard_of_concept"].text["nl"]})
    with pytest.raises(InputError) as info:
        load_survey(swapped)
    message = str(info.value)
    assert "swapped.sav" in message and "'q0003'" in message and "labelled for something else" in message
    # a label cut at SPSS's 256 bytes, or naming only the option, still names the question
    cut = _rewrite(good, tmp_path / "cut.sav", labels={"q0003": cb["respondent_department"].text["nl"][:20],
                                                       "q0005_0001": cb["views"].options[0].labels["nl"]})
    assert load_survey(cut).n == 1


def test_unknown_value_label_names_variable_row_and_expectation(tmp_path):
    cb = load_codebook()
    good = write_collector(tmp_path / "good.sav", [complete_answers("Gent"), complete_answers("Aalst")], "nl")
    labels = {i: o.labels["nl"] for i, o in enumerate(cb["heard_of_concept"].options, start=1)}
    labels[1] = labels[1] + " (typo)"
    typo = _rewrite(good, tmp_path / "typo.sav", value_labels={"q0004": labels})
    with pytest.raises(InputError) as info:
        load_survey(typo)
    message = str(info.value)
    assert "typo.sav" in message and "row 1" in message and "q0004" in message
    assert "unknown answer label" in message and cb["heard_of_concept"].options[0].labels["nl"] in message


def test_unmatched_or_missing_municipality_names_the_variable(tmp_path):
    path = write_collector(tmp_path / "export-nl.sav", [complete_answers("Gent"), complete_answers("Nergensdorp")], "nl")
    with pytest.raises(InputError) as info:
        load_survey(path)
    assert "row 2" in str(info.value) and "'q0001'" in str(info.value) and "Nergensdorp" in str(info.value)
    path = write_collector(tmp_path / "blank-nl.sav", [complete_answers("Gent"), complete_answers(None)], "nl")
    with pytest.raises(InputError, match=r"blank-nl.sav, row 2, column 'q0001': municipality not given"):
        load_survey(path)


def test_unreadable_labels_are_refused(tmp_path):
    good = write_collector(tmp_path / "good.sav", [complete_answers("Gent")], "nl")
    df, _ = pyreadstat.read_sav(good, apply_value_formats=False)
    bare = tmp_path / "bare.sav"
    pyreadstat.write_sav(df, bare)  # no variable or value labels at all
    with pytest.raises(InputError, match="bare.sav.*cannot tell the collector's language"):
        load_survey(bare)


def test_same_respondent_in_csv_and_sav_is_refused(tmp_path, synthetic_sav):
    folder = tmp_path / "both"
    folder.mkdir()
    for path in list(synthetic_sav.glob("*nl.sav")) + list(paths.SYNTHETIC_RAW.glob("*nl.csv")):
        (folder / path.name).write_bytes(path.read_bytes())
    with pytest.raises(InputError, match="the same respondent ID appears twice"):
        load_survey(folder)


def test_fixed_variables_are_checked(tmp_path):
    def write(name, **columns):
        path = tmp_path / name
        pyreadstat.write_sav(pd.DataFrame(columns), path)
        return path

    ok, _ = read_sav_responses(write("ok.sav", RespondentID=["0042", "43"], date_created=["06/01/2016 09:00:00 AM", ""]))
    assert ok["respondent_id"].tolist() == ["0042", "43"]
    assert ok["start_date"].iloc[0] == pd.Timestamp(2016, 6, 1, 9) and pd.isna(ok["start_date"].iloc[1])
    with pytest.raises(InputError, match=r"twice.sav, row 2, column 'respondent_id': .* also on row 1"):
        read_sav_responses(write("twice.sav", respondent_id=[7.0, 7.0]))
    with pytest.raises(InputError, match=r"no_id.sav: no respondent ID variable"):
        read_sav_responses(write("no_id.sav", q0001=["Gent"]))
    with pytest.raises(InputError, match=r"bad_date.sav, row 1, column 'date_modified'"):
        read_sav_responses(write("bad_date.sav", respondent_id=[1.0], date_modified=["yesterday"]))
