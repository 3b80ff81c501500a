"""The synthetic raw exports: deterministic, up to date, marked SYNTHETIC, shaped like SurveyMonkey's,
with the planted mess, and reproducing every published figure when read back."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from barometer import layout, paths
from barometer.codebook import load_codebook
from barometer.frame import MunicipalityMatcher, load_frame
from barometer.surveymonkey import FIXED_COLUMNS_CURRENT, answer_columns, read_export
from barometer_synth import generate
from barometer_synth.check import clean, decode_export, verify
from barometer_synth.targets import load_targets

DATA = paths.SYNTHETIC_RAW
LANGS = ("nl", "fr")
GERMAN_COMMUNITY = {"63001", "63012", "63013", "63023", "63040", "63048", "63061", "63067", "63087"}
LANGUAGE_FACILITIES_FLANDERS = {"23098", "23099", "23100", "23101", "23102", "23103", "33016", "34043", "45041",
                                "73028", "73109"}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    generate(out, seed=2016)
    return out


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def frame():
    return load_frame()


@pytest.fixture(scope="module")
def meta() -> dict:
    return yaml.safe_load((DATA / "dataset.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exports(meta) -> dict:
    return {lang: read_export(DATA / meta["collectors"][lang], drop_personal=False) for lang in LANGS}


@pytest.fixture(scope="module")
def decoded(exports, codebook) -> list:
    return [row for lang in LANGS for row in decode_export(exports[lang], codebook, lang)]


# (1) determinism and up-to-date check --------------------------------------------------


def test_regeneration_is_byte_identical(regenerated):
    committed = sorted(p.name for p in DATA.iterdir() if p.is_file())
    fresh = sorted(p.name for p in regenerated.iterdir() if p.is_file())
    assert fresh == committed, "the folder holds files the generator does not write (or misses some)"
    for name in fresh:
        assert (regenerated / name).read_bytes() == (DATA / name).read_bytes(), (
            f"{name} differs from a fresh run: rerun `make data` (python -m barometer_synth)")


# (2) marked synthetic -------------------------------------------------------------------


def test_files_say_synthetic(meta):
    data_files = [p.name for p in DATA.iterdir() if p.name not in ("dataset.yml", "README.md")]
    assert data_files and all("SYNTHETIC" in name for name in data_files)
    assert meta["synthetic"] is True
    assert meta["generator"] == "barometer_synth" and meta["seed"] == 2016
    assert set(meta["collectors"]) == set(LANGS)
    assert all("SYNTHETIC" in name for name in meta["collectors"].values())
    assert "NIS" in meta["municipality_note"]
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# SYNTHETIC")
    assert "make data" in readme and "python -m barometer_synth" in readme
    assert "no table may list municipalities individually" in readme


# (3) SurveyMonkey layout ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_surveymonkey_layout(lang, meta, exports, codebook):
    path = DATA / meta["collectors"][lang]
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "UTF-8 without BOM"
    raw.decode("utf-8")
    assert raw.count(b"\r\n") >= 3 and b"\n" not in raw.replace(b"\r\n", b""), "CRLF records, no bare LF"
    first_line = raw.split(b"\r\n", 1)[0].decode("utf-8")
    assert first_line.startswith(",".join(FIXED_COLUMNS_CURRENT) + ",")
    df = exports[lang]
    assert df.attrs["header_layout"] == "current"
    assert answer_columns(df) == [c.header for c in layout.export_columns(codebook, lang)]
    ids = df[("respondent_id", "")]
    assert ids.str.fullmatch(r"\d{10,11}").all() and ids.is_unique
    assert df[("collector_id", "")].nunique() == 1
    start, end = df[("start_date", "")], df[("end_date", "")]
    minutes = (end - start).dt.total_seconds() / 60
    assert minutes.between(5, 40).all()
    assert start.min() >= pd.Timestamp("2016-05-02")
    assert end.max() < pd.Timestamp("2016-10-29")


def test_respondent_ids_unique_across_collectors(exports):
    ids = [i for lang in LANGS for i in exports[lang][("respondent_id", "")]]
    assert len(ids) == len(set(ids))


# (4) the planted mess --------------------------------------------------------------------


def test_planted_mess(decoded, codebook, frame):
    matcher = MunicipalityMatcher(frame)
    kept, nis_of, reasons = clean(decoded, codebook, matcher)
    assert len(kept) == 113
    assert sorted(reasons.values()) == ["duplicate", "incomplete", "test_response"]
    by_id = {r.respondent_id: r for r in decoded}
    test = by_id[next(i for i, why in reasons.items() if why == "test_response")]
    assert re.match(r"^\s*(test|essai|proef)\b", test.answers["municipality"], re.IGNORECASE)
    abandoned = by_id[next(i for i, why in reasons.items() if why == "incomplete")]
    assert set(abandoned.answers) <= {"municipality", "respondent_function", "respondent_function__other",
                                      "respondent_department", "heard_of_concept", "views"}
    assert matcher.match(abandoned.answers["municipality"]) not in set(nis_of.values())
    dup = by_id[next(i for i, why in reasons.items() if why == "duplicate")]
    dup_nis = matcher.match(dup.answers["municipality"])
    assert dup_nis in set(nis_of.values()), "the duplicate names a kept municipality"
    winner = next(r for r in kept if nis_of[r.respondent_id] == dup_nis)
    assert dup.end > winner.end, "the duplicate is later, so only completeness makes it lose"
    assert len(dup.answers) < len(winner.answers)


def test_cross_language_respondents(decoded, codebook, frame):
    kept, nis_of, _ = clean(decoded, codebook, MunicipalityMatcher(frame))
    region = frame.set_index("nis_code")["region"].astype(str)
    pairs = [(r.collector, nis_of[r.respondent_id]) for r in kept]
    assert any(lang == "nl" and region[nis] == "brussels" for lang, nis in pairs)
    assert sum(lang == "fr" and region[nis] == "brussels" for lang, nis in pairs) > sum(
        lang == "nl" and region[nis] == "brussels" for lang, nis in pairs), "Brussels mostly in French"
    assert any(lang == "fr" and nis in LANGUAGE_FACILITIES_FLANDERS for lang, nis in pairs)
    assert any(lang == "fr" and nis in GERMAN_COMMUNITY for lang, nis in pairs)


def test_municipality_names_typed_as_people_do(decoded, frame):
    matcher = MunicipalityMatcher(frame)
    typed = [r.answers["municipality"] for r in decoded if r.answers.get("municipality") != "Test SCI"]
    official = set(frame["name_nl"]) | set(frame["name_fr"]) | set(frame["name_de"])
    assert all(matcher.match(t) is not None for t in typed)
    assert any(re.fullmatch(r"\d{5}", t) for t in typed), "a NIS code"
    assert any(t != t.strip() for t in typed), "stray spaces"
    assert any(t.islower() for t in typed) and any(t.isupper() for t in typed)
    assert any("(" in t for t in typed), "a Statbel qualifier"
    assert any(t not in official and t.strip() not in official and not t.isdigit() for t in typed)


def test_personal_data_invented(exports):
    for lang in LANGS:
        df = exports[lang]
        for value in df[("ip_address", "")]:
            addr = ipaddress.ip_address(value)
            assert any(addr in ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
        emails = df[("email_address", "")].dropna()
        assert len(emails) and emails.str.fullmatch(r"[a-z.]+@example\.(org|be)").all()
        assert df[("custom_data", "")].isna().all()
    dropped = read_export(DATA / "smartcity-barometer-2016_SYNTHETIC_collector-nl.csv")
    assert "email_address" not in dropped.columns.get_level_values(0)


def test_other_texts_and_applies_if(decoded):
    others = {k for r in decoded for k in r.answers if k.endswith("__other")}
    assert {"respondent_function__other", "awareness_tools__other", "strategy_label__other",
            "manager_department__other"} <= others
    for r in decoded:
        a = r.answers
        if "manager_department" in a or "manager_fte" in a:
            assert a.get("smart_city_manager") == "yes"
        if "strategy_document" in a:
            assert a.get("strategy_status") in ("has_strategy", "integrated_in_general_strategy")


# the figures, from the files read back -----------------------------------------------------


def test_files_reproduce_every_published_figure(decoded, codebook, frame):
    verify(decoded, frame, codebook, load_targets())


def test_project_loader_agrees():
    """The compendium's own loader keeps the same 113 and logs one exclusion per reason."""
    survey_mod = pytest.importorskip("barometer.survey")
    survey = survey_mod.load_survey(DATA)
    assert survey.n == 113 and survey.synthetic
    reasons = survey.log["reason"].dropna().value_counts().to_dict()
    assert reasons == {"test_response": 1, "incomplete": 1, "duplicate": 1}


# (5) the analysis never depends on the generator ------------------------------------------------


def test_barometer_does_not_import_the_generator():
    offenders = [str(p.relative_to(paths.ROOT)) for p in (paths.ROOT / "lib" / "barometer").rglob("*.py")
                 if "barometer_synth" in p.read_text(encoding="utf-8")]
    assert not offenders, f"lib/barometer must not use barometer_synth: {offenders}"
