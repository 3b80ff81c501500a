"""The codebook: complete, bilingual, and covering every concept the published summary reports."""

from __future__ import annotations

import pytest

from barometer.codebook import LANGUAGES, load_codebook
from barometer.errors import InputError


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


def test_forty_questions_in_profile_and_three_research_parts(cb):
    assert len(cb) == 40
    assert [q.id for q in cb] == [f"q{i:02d}" for i in range(1, 41)]
    assert set(cb.parts) == {"profile", "perception", "implementation", "management"}
    assert {q.part for q in cb} == set(cb.parts)
    assert cb.meta["reconstruction"] is True


def test_every_label_exists_in_both_languages_and_differs_where_it_should(cb):
    for q in cb:
        for lang in LANGUAGES:
            assert q.text[lang].strip()
        assert q.text["nl"] != q.text["fr"]
    assert {q.type for q in cb} >= {"single", "multiple", "matrix", "ranking", "number", "open", "project_list"}


# Concept of published_figures.yml -> the question(s) and codes that measure it.
CONCEPTS = {
    "views": ["technological_challenge", "opportunities_for_cities", "future_of_cities"],
    "components": ["technology", "people", "institutions"],
    "concerned": ["not_suitable"],
    "investment_priorities": ["governance_and_e_services", "energy_efficiency", "sustainable_mobility"],
    "stakeholders_public": ["mayor", "municipal_administration", "municipal_council", "regional_government",
                            "federal_government", "provincial_government"],
    "stakeholders_private": ["consultants", "multinationals"],
    "stakeholders_societal": [], "stakeholders_scientific": [], "difficulty": [],
    "obstacles": ["financial_resources", "lack_of_expertise_in_administration", "mobilising_stakeholders",
                  "political_support", "applying_new_technologies", "involving_citizens"],
    "awareness_tools": ["workshops", "information_sessions", "practical_guide"],
    "awareness_audiences": ["local_authorities", "public_organisations", "citizens"],
    "strategy_label": ["living_city", "smart_city", "sustainable_city"],
    "strategy_status": ["has_strategy", "integrated_in_general_strategy", "plans_one"],
    "strategic_management": ["mayor", "college_of_aldermen", "municipal_council"],
    "operational_management": ["administration"],
    "smart_city_manager": ["yes"], "manager_department": ["strategic_department"], "dedicated_department": ["yes"],
    "respondent_function": ["general_director", "head_of_department"], "municipality": [],
}


@pytest.mark.parametrize("question, codes", CONCEPTS.items())
def test_every_published_concept_has_its_question(cb, question, codes):
    q = cb[question]
    known = {o.code for o in (*q.options, *q.items)}
    assert set(codes) <= known


def test_projects_carry_dimension_and_initiator(cb):
    q = cb["projects"]
    assert [o.code for o in q.field("dimension").options] == ["economy", "environment", "governance", "mobility",
                                                              "people", "living"]
    assert {"public", "private", "citizens", "research"} <= {o.code for o in q.field("initiator").options}


def test_a_broken_codebook_fails_loudly(tmp_path):
    text = load_codebook().path.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace('{code: yes_well, nl: "Ja, goed"', "{code: yes_well, nl: Ja, goed", 1),
                      encoding="utf-8")
    with pytest.raises(InputError, match="unknown keys"):
        load_codebook(broken)
    broken.write_text(text.replace("type: ranking", "type: rankin", 1), encoding="utf-8")
    with pytest.raises(InputError, match="unknown type"):
        load_codebook(broken)
