"""The barometer loader on hand-made exports: NL/FR recoding, frame matching, cleaning, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from barometer.codebook import load_codebook
from barometer.errors import InputError
from barometer.survey import load_survey
from conftest import complete_answers, write_collector


def test_dutch_and_french_answers_recode_to_the_same_codes(collector):
    collector([complete_answers("Gent", respondent_id="1")], "nl")
    collector([complete_answers("Namur", respondent_id="2")], "fr")
    s = load_survey(collector.folder)
    assert list(s.respondents["language"].sort_index()) == ["nl", "fr"]
    nl, fr = s.respondents.loc["1"], s.respondents.loc["2"]
    for q in load_codebook():
        if q.type == "single":
            assert nl[q.name] == fr[q.name] == q.options[0].code
    by = s.ratings.groupby("respondent_id")["value"].apply(list)
    assert by["1"] == by["2"]
    assert set(s.projects["dimension"]) == {"environment", "governance"}


def test_tables_have_ordered_categories_and_frame_columns(collector):
    collector([complete_answers("anvers", respondent_id="7")], "fr")
    s = load_survey(collector.folder)
    r = s.respondents.loc["7"]
    assert r["nis_code"] == "11002" and r["region"] == "flanders" and r["population"] > 500_000
    concerned = s.respondents["concerned"]
    assert concerned.cat.ordered and list(concerned.cat.categories) == load_codebook()["concerned"].codes


def test_personal_data_never_reach_the_tables(collector):
    collector([complete_answers("Liège", respondent_id="9")], "fr")
    s = load_survey(collector.folder)
    everything = "".join(df.to_csv() for df in (s.respondents, s.choices, s.ratings, s.rankings, s.projects,
                                                   s.other_texts, s.log))
    for planted in ("planted.person@example.org", "person@example.org", "192.0.2.10", "Plantedfirst", "Plantedlast"):
        assert planted not in everything
    assert "contact_email" not in s.respondents.columns


def test_every_raw_row_is_kept_or_excluded_with_a_reason(collector):
    incomplete = {"municipality": "Brugge", "respondent_function": "mayor", "views": ["future_of_cities"]}
    rows = [
        complete_answers("Gent", respondent_id="1"),
        complete_answers("Gent", respondent_id="2", comments=None),  # a duplicate, less complete
        complete_answers("Test SCI", respondent_id="3"),
        dict(incomplete, respondent_id="4"),
        complete_answers("Mons", respondent_id="5"),
    ]
    collector(rows, "nl")
    s = load_survey(collector.folder)
    log = s.log.set_index("respondent_id")
    assert log["status"].to_dict() == {"1": "kept", "2": "excluded", "3": "excluded", "4": "excluded", "5": "kept"}
    assert log.loc[["2", "3", "4"], "reason"].tolist() == ["duplicate", "test_response", "incomplete"]
    counts = s.exclusion_counts()
    assert counts.loc["total", "received"] == 5 and counts.loc["total", "kept"] == s.n == 2
    assert (counts.drop(columns="received").sum(axis=1) == counts["received"]).all()


def test_legacy_headers_and_cp1252_load_like_the_current_layout(collector):
    collector([complete_answers("Liège", respondent_id="1")], "fr", header_layout="legacy", encoding="cp1252")
    s = load_survey(collector.folder)
    assert s.respondents.loc["1", "nis_code"] == "62063"


@pytest.mark.parametrize("problem, edit", [
    ("unknown answer label", lambda text: text.replace("Sterk betrokken", "Heel sterk betrokken", 1)),
    ("Likert value out of range", lambda text: text.replace(",5 - Zeer sterk betrokken,", ",7,", 1)),
    ("unknown municipality", lambda text: text.replace("Gent", "Atlantis", 1)),
    ("does not match the codebook", lambda text: text.replace("Een technologische uitdaging", "Technologische uitdaging", 1)),
])
def test_bad_input_names_file_row_column_and_expectation(collector, problem, edit):
    answers = complete_answers("Gent", respondent_id="1", concerned="very_concerned")
    answers["stakeholders_public"] = {**answers["stakeholders_public"], "municipal_council": 5}
    path = collector([answers], "nl")
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_survey(collector.folder)
    message = str(err.value)
    assert problem in message and path.name in message
    if problem != "does not match the codebook":
        assert "row 3" in message and "expected" in message


def test_missing_column_is_named(collector):
    path = collector([complete_answers("Gent")], "nl")
    df = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    col = next(i for i, v in enumerate(df.iloc[1]) if v == "Burgers")  # first 'Burgers' column (q17)
    df.drop(columns=col).to_csv(path, header=False, index=False)
    with pytest.raises(InputError, match="not found"):
        load_survey(collector.folder)


def test_empty_file_and_non_export_are_refused(collector, tmp_path):
    empty = collector.folder / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty.csv"):
        load_survey(empty)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="other.csv"):
        load_survey(other)


def test_same_respondent_in_two_files_is_refused(collector):
    collector([complete_answers("Gent", respondent_id="1")], "nl", name="a.csv")
    collector([complete_answers("Gent", respondent_id="1")], "nl", name="b.csv")
    with pytest.raises(InputError, match="respondent ID appears twice"):
        load_survey(collector.folder)


def test_synthetic_flag_comes_from_the_data_metadata(collector):
    collector([complete_answers("Gent")], "nl")
    assert load_survey(collector.folder).synthetic is False
    (collector.folder / "dataset.yml").write_text("synthetic: true\n", encoding="utf-8")
    assert load_survey(collector.folder).synthetic is True
