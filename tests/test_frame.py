"""The sampling frame and the municipality matcher, on the real 2016 frame.

The expected counts are those the published summary and the reference README state
(589 municipalities; 308/262/19; 9 over 100,000 and 31 over 50,000 inhabitants).
"""

from __future__ import annotations

import pandas as pd
import pytest

from barometer import paths
from barometer.errors import InputError
from barometer.frame import (
    SIZE_CLASSES,
    MunicipalityMatcher,
    load_frame,
    normalise_name,
)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return load_frame()


@pytest.fixture(scope="module")
def matcher(frame) -> MunicipalityMatcher:
    return MunicipalityMatcher(frame)


# --- the frame -------------------------------------------------------------------------


def test_589_unique_five_digit_codes(frame):
    assert len(frame) == 589
    assert frame["nis_code"].is_unique
    assert frame["nis_code"].str.fullmatch(r"\d{5}").all()
    assert frame["nis_code"].is_monotonic_increasing


def test_region_counts(frame):
    counts = frame["region"].value_counts()
    assert counts.to_dict() == {"flanders": 308, "wallonia": 262, "brussels": 19}
    assert list(frame["region"].cat.categories) == ["flanders", "wallonia", "brussels"]
    # The English label of the file is kept beside the code.
    assert set(frame.loc[frame["region"] == "brussels", "region_label"]) == {"Brussels-Capital"}


def test_brussels_has_no_province(frame):
    brussels = frame["region"] == "brussels"
    assert frame.loc[brussels, "province_nl"].isna().all()
    assert frame.loc[~brussels, "province_nl"].notna().all()
    assert frame.loc[~brussels, "province_nl"].nunique() == 10


def test_population_is_integer_and_sums_to_statbel_total(frame):
    assert frame["population"].dtype == "int64"
    assert frame["population"].sum() == 11_267_910


def test_size_classes_match_the_published_counts(frame):
    assert frame["size_class"].cat.ordered
    assert list(frame["size_class"].cat.categories) == list(SIZE_CLASSES)
    # The published totals: "... van de 9 gemeenten met meer dan 100.000 inwoners" and
    # "... van de 31 gemeenten met meer dan 50.000 inwoners".
    assert (frame["population"] > 100_000).sum() == 9
    assert (frame["population"] > 50_000).sum() == 31
    assert (frame["size_class"] == "gt100k").sum() == 9
    assert frame["size_class"].isin(["50k_100k", "gt100k"]).sum() == 31
    assert set(frame.loc[frame["size_class"] == "gt100k", "name_nl"]) == {
        "Antwerpen", "Gent", "Charleroi", "Luik", "Brussel", "Schaarbeek", "Brugge",
        "Anderlecht", "Namen",
    }
    assert frame["size_class"].notna().all()


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (89, "lt10k"),
        (9_999, "lt10k"),
        (10_000, "10k_20k"),
        (19_999, "10k_20k"),
        (20_000, "20k_50k"),
        (50_000, "20k_50k"),
        (50_001, "50k_100k"),
        (100_000, "50k_100k"),
        (100_001, "gt100k"),
    ],
)
def test_size_class_bounds(population, expected):
    from barometer.frame import size_class

    assert size_class(pd.Series([population]))[0] == expected


def test_urbanity_follows_degurba(frame):
    assert frame["urbanity"].cat.ordered
    assert list(frame["urbanity"].cat.categories) == ["urban", "rural"]
    # Reference README: 36 cities + 339 towns and suburbs = 375 urban; 214 rural.
    assert frame["degurba"].value_counts().to_dict() == {1: 36, 2: 339, 3: 214}
    assert frame["urbanity"].value_counts().to_dict() == {"urban": 375, "rural": 214}
    assert (frame.loc[frame["degurba"] == 3, "urbanity"] == "rural").all()
    assert (frame.loc[frame["degurba"] < 3, "urbanity"] == "urban").all()
    # All 19 Brussels municipalities are cities.
    assert (frame.loc[frame["region"] == "brussels", "degurba"] == 1).all()


# --- malformed frame files -----------------------------------------------------------


def _write_frame(tmp_path, edit):
    text = paths.FRAME_CSV.read_text(encoding="utf-8")
    path = tmp_path / "frame.csv"
    path.write_text(edit(text), encoding="utf-8")
    return path


def test_missing_column_is_named(tmp_path):
    path = _write_frame(tmp_path, lambda t: t.replace("degurba_2014,", "dgurba,", 1))
    with pytest.raises(InputError) as error:
        load_frame(path)
    assert "frame.csv" in str(error.value)
    assert "degurba_2014" in str(error.value)


def test_bad_code_names_file_row_and_column(tmp_path):
    # Data row 2 (spreadsheet row 3) is Antwerpen, 11002.
    path = _write_frame(tmp_path, lambda t: t.replace("\n11002,", "\n1102,", 1))
    with pytest.raises(InputError) as error:
        load_frame(path)
    message = str(error.value)
    assert "frame.csv" in message and "row 3" in message and "'nis_code'" in message
    assert "'1102'" in message


def test_duplicate_code_is_refused(tmp_path):
    path = _write_frame(tmp_path, lambda t: t.replace("\n11004,", "\n11002,", 1))
    with pytest.raises(InputError, match="duplicate NIS code"):
        load_frame(path)


def test_bad_population_is_refused(tmp_path):
    path = _write_frame(tmp_path, lambda t: t.replace(",517042,", ",517 042,", 1))
    with pytest.raises(InputError, match=r"row 3, column 'population_2016_01_01'"):
        load_frame(path)


def test_missing_municipality_is_refused(tmp_path):
    def drop_last(text: str) -> str:
        lines = text.rstrip("\n").split("\n")
        return "\n".join(lines[:-1]) + "\n"

    with pytest.raises(InputError, match="wrong number of municipalities"):
        load_frame(_write_frame(tmp_path, drop_last))


# --- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Liège", "liege"),
        ("LIEGE", "liege"),
        ("Sint Jans-Molenbeek", "sintjansmolenbeek"),
        ("'s Gravenbrakel", "sgravenbrakel"),
        ("Braine-l\u2019Alleud", "brainelalleud"),
        ("  Hove (Antwerpen) ", "hove"),
        ("Vorst (Brussel-Hoofdstad)", "vorst"),
        ("Aalst (Aalst)", "aalst"),
    ],
)
def test_normalise_name(text, key):
    assert normalise_name(text) == key


def test_qualified_names_in_the_frame(frame):
    """The 17 names Statbel qualifies, so the matcher tests below use real ones."""
    qualified = frame.loc[frame["name_nl"].str.contains("(", regex=False), "nis_code"]
    assert len(qualified) == 17
    assert {"11021", "21007", "41002", "46021", "62093"} <= set(qualified)


# --- matcher ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Antwerpen", "11002"),
        ("ANVERS", "11002"),
        ("anvers", "11002"),
        ("Liège", "62063"),
        ("liege", "62063"),
        ("Lüttich", "62063"),
        ("Luik", "62063"),
        ("Bruxelles", "21004"),
        ("Brussel", "21004"),
        ("Brüssel", "21004"),
        ("Sint-Jans-Molenbeek", "21012"),
        ("Molenbeek-Saint-Jean", "21012"),
        ("molenbeek saint jean", "21012"),
        ("Hove (Antwerpen)", "11021"),
        ("Hove", "11021"),
        ("Hove (Anvers)", "11021"),
        ("Vorst (Brussel-Hoofdstad)", "21007"),
        ("Forest", "21007"),
        ("Aalst (Aalst)", "41002"),
        ("Alost", "41002"),
        ("Halle", "23027"),
        ("Hal (Hal-Vilvorde)", "23027"),
        ("'s Gravenbrakel", "55004"),
        ("Braine-le-Comte", "55004"),
        ("Sankt Vith", "63067"),
        ("11002", "11002"),
        (" 11002 ", "11002"),
        (11002, "11002"),
    ],
)
def test_match(matcher, text, code):
    assert matcher.match(text) == code


def test_shared_name_needs_a_qualifier(matcher):
    # "Saint-Nicolas" is the French name of Sint-Niklaas (46021) and the name of
    # Saint-Nicolas in the province of Liège (62093): refused without a qualifier.
    assert matcher.match("Saint-Nicolas") is None
    assert matcher.match("Saint-Nicolas (Liège)") == "62093"
    assert matcher.match("Saint-Nicolas (Luik)") == "62093"
    assert matcher.match("Saint-Nicolas (Lüttich)") == "62093"
    assert matcher.match("Saint-Nicolas (Saint-Nicolas)") == "46021"
    assert matcher.match("Sint-Niklaas (Sint-Niklaas)") == "46021"
    assert matcher.match("Sint-Niklaas") == "46021"
    # A qualifier that matches neither leaves it ambiguous.
    assert matcher.match("Saint-Nicolas (Namur)") is None


@pytest.mark.parametrize("text", ["Atlantis", "", "   ", "99999", "1100", None, float("nan")])
def test_no_match(matcher, text):
    assert matcher.match(text) is None


def test_match_or_raise_names_file_row_and_column(matcher):
    with pytest.raises(InputError) as error:
        matcher.match_or_raise("Atlantis", paths.RAW / "responses_nl.csv", 7, "Gemeente")
    message = str(error.value)
    assert "responses_nl.csv" in message
    assert "row 7" in message
    assert "'Gemeente'" in message
    assert "unknown municipality" in message
    assert "'Atlantis'" in message
    assert error.value.expected.startswith("a NIS code or a Dutch/French/German name")
    assert matcher.match_or_raise("Anvers", "x.csv", 3, "Q1") == "11002"


def test_every_name_in_the_frame_matches_its_own_code(frame, matcher):
    """Each municipality is found by each of its names, except the one shared name."""
    for row in frame.itertuples(index=False):
        for name in (row.name_nl, row.name_fr, row.name_de):
            assert matcher.match(name) == row.nis_code, name
            base = name.split(" (")[0]
            if normalise_name(base) != "saintnicolas":
                assert matcher.match(base) == row.nis_code, base
        assert matcher.match(row.nis_code) == row.nis_code
