"""Exports worded otherwise than the codebook: the proposed mapping, and the load through it.

The exports are the synthetic ones rewritten by ``tests/reworded.py`` (seeded and documented
there: question numbers, asides dropped, typos made and corrected, options reworded, two
questions swapped, one dropped, one the codebook does not know added), which also says the
truth: which block, row-2 text and label stands for each codebook question, column and answer.
"""

from __future__ import annotations

import contextlib
import io
import shutil

import pandas as pd
import pytest
import yaml

from barometer import paths
from barometer.align import (MAPPING_FILE, align, answer_groups, export_blocks, mapping_text, report, text_similarity,
                             write_mapping)
from barometer.cli import main
from barometer.codebook import load_codebook
from barometer.errors import InputError
from barometer.survey import load_survey
from barometer.surveymonkey import read_export
from reworded import reword_exports

CB = load_codebook()
#: Seeds whose dropped question is of another type each: single (q10), matrix (q18), open (q38).
SEEDS = (1, 5, 6)
#: Columns that count the questions asked, not what was answered: one fewer when one is dropped.
COUNTS = ["n_answered", "answered_share"]


@pytest.fixture(scope="module")
def original():
    return load_survey(paths.SYNTHETIC_RAW)


@pytest.fixture(scope="module", params=SEEDS)
def reworded(request, tmp_path_factory):
    """(folder, truth per file, the proposal, survey loaded through the mapping it wrote)."""
    folder = tmp_path_factory.mktemp(f"reworded-{request.param}")
    truth = reword_exports(paths.SYNTHETIC_RAW, folder, CB, request.param)
    alignments = align(sorted(folder.glob("*.csv")), CB)
    write_mapping(folder / MAPPING_FILE, alignments, CB)
    return folder, truth, alignments, load_survey(folder)


def same_answers(original, survey, dropped: list[str]) -> None:
    """Every tidy table as the original's, but for the dropped questions and the counts of questions asked."""
    columns = [c for c in dropped if c in original.respondents] + ["n_answered"]
    pd.testing.assert_frame_equal(survey.respondents.drop(columns=columns), original.respondents.drop(columns=columns))
    for name in ("choices", "ratings", "rankings", "other_texts"):
        mine, theirs = getattr(survey, name), getattr(original, name)
        theirs = theirs[~theirs["question"].isin(dropped)].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), theirs, obj=name)
    if "projects" not in dropped:
        pd.testing.assert_frame_equal(survey.projects, original.projects)
    pd.testing.assert_frame_equal(survey.log.drop(columns=COUNTS), original.log.drop(columns=COUNTS))


def test_wording_similarity_ignores_question_numbers_and_asides():
    text = CB["views"].text["nl"]
    assert "(" in text
    for numbered in (f"5. {text}", f"Q5 {text}", f"Q5. {text}", text.split(" (")[0]):
        assert text_similarity(numbered, text) == 1.0
    assert text_similarity(CB["views"].text["nl"], CB["concerned"].text["nl"]) < 0.75


def test_align_proposes_the_true_block_column_and_label(reworded):
    folder, truth, alignments, _ = reworded
    assert sorted(a.lang for a in alignments) == ["fr", "nl"]
    for a in alignments:
        (source,) = a.sources
        known, df = truth[source], read_export(folder / source)
        assert source.endswith(f"-{a.lang}.csv")
        assert {m.question.id: m.block.text for m in a.matches} == known.texts
        assert [q.id for q in a.missing] == [known.dropped]
        assert [b.text for b in a.unknown] == [known.added]
        for m in a.matches:
            qid = m.question.id
            assert {key: x.export for key, x in m.columns.items()} == known.columns[qid], qid
            cells = {v for col in m.block.columns for v in df[col].dropna()}
            for key, label in known.answers[qid].items():
                proposed = m.answers[key].export
                # a label no respondent gave cannot be seen: proposed as null (the codebook's label accepted)
                assert proposed == (label if label in cells else None), (qid, key)
            assert 0 < m.confidence <= 1


def test_mapping_file_has_a_confidence_per_line_and_lists_the_leftovers(reworded):
    folder, truth, alignments, _ = reworded
    printed = report(alignments)
    mapping = yaml.safe_load((folder / MAPPING_FILE).read_text(encoding="utf-8"))
    for lang, section in mapping["collectors"].items():
        known = truth[section["sources"][0]]
        for qid, entry in section["questions"].items():
            lines = [entry["text"], *entry["columns"].values(), *(entry.get("answers") or {}).values()]
            assert all(0 <= line["confidence"] <= 1 for line in lines), qid
            assert len(lines) == 1 + len(CB[qid].kind.columns(lang)) + sum(len(g) for _, g in answer_groups(CB[qid], lang))
        assert section["missing"] == [known.dropped]
        assert [u["text"] for u in section["unknown"]] == [known.added]
        assert f"not found: {known.dropped} ({CB[known.dropped].name})" in printed
        assert known.added[:60] in printed


@pytest.mark.parametrize("reworded", SEEDS[:1], indirect=True)
def test_align_command_writes_the_mapping_and_prints_the_report(reworded, tmp_path):
    folder, _, alignments, _ = reworded
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["align", str(folder), "--out", str(tmp_path / "proposed.yml")]) == 0
    assert (tmp_path / "proposed.yml").read_text(encoding="utf-8") == mapping_text(alignments, CB)
    assert out.getvalue().startswith(report(alignments)) and "written:" in out.getvalue()


def test_aligned_load_gives_the_original_answers_and_reports_the_leftovers(reworded, original):
    folder, truth, _, survey = reworded
    dropped = {t.dropped for t in truth.values()}
    assert len(dropped) == 1
    name = CB[dropped.pop()].name
    assert survey.missing_questions == [name]
    assert sorted((u["source"], u["text"]) for u in survey.unknown_questions) == \
        sorted((source, t.added) for source, t in truth.items())
    same_answers(original, survey, [name])
    if name in original.respondents:
        assert survey.respondents[name].isna().all()
    for table in (survey.choices, survey.ratings, survey.rankings, survey.other_texts):
        assert name not in set(table["question"])
    for source, reading in survey.metadata["reading"].items():
        assert reading["questions"][name] is None
        assert {how for q, how in reading["questions"].items() if q != name} == {"mapping"}


def test_without_mapping_a_missing_question_is_reported_and_an_unknown_one_listed(tmp_path, original):
    """Exact wording, as without a mapping, but one question dropped and one added: read, both reported."""
    truth = reword_exports(paths.SYNTHETIC_RAW, tmp_path, CB, SEEDS[0], wording=False)
    survey = load_survey(tmp_path)
    name = CB[truth[next(iter(truth))].dropped].name
    assert survey.missing_questions == [name]
    assert sorted(u["text"] for u in survey.unknown_questions) == sorted(t.added for t in truth.values())
    same_answers(original, survey, [name])


def test_a_required_question_missing_is_refused(tmp_path):
    reword_exports(paths.SYNTHETIC_RAW, tmp_path, CB, SEEDS[0], wording=False)
    path = next(tmp_path.glob("*-nl.csv"))
    text = CB["municipality"].text["nl"]
    path.write_text(path.read_text(encoding="utf-8").replace(text, "Gemeente", 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_survey(tmp_path)
    assert path.name in str(err.value) and "q01" in str(err.value) and "align" in str(err.value)


def _first_reworded_single(folder, truth):
    """(file, question id, option code, its export label) of a single question whose labels were reworded."""
    for source, known in truth.items():
        df = read_export(folder / source)
        for qid, answers in known.answers.items():
            q = CB[qid]
            lang = "nl" if source.endswith("-nl.csv") else "fr"
            if q.type != "single":
                continue
            cells = set(df[(known.texts[qid], known.columns[qid]["response"])].dropna())
            for code, label in answers.items():
                if label != q.option(code).labels[lang] and label in cells:
                    return source, qid, code, label
    raise AssertionError("no reworded single question")


@pytest.mark.parametrize("reworded", SEEDS[:1], indirect=True)
def test_a_label_the_mapping_does_not_know_is_refused_naming_the_export_row_and_column(reworded, tmp_path):
    folder, truth, _, _ = reworded
    shutil.copytree(folder, tmp_path / "data")
    data = tmp_path / "data"
    source, qid, code, label = _first_reworded_single(data, truth)
    mapping = yaml.safe_load((data / MAPPING_FILE).read_text(encoding="utf-8"))
    lang = "nl" if source.endswith("-nl.csv") else "fr"
    mapping["collectors"][lang]["questions"][qid]["answers"][code] = {"export": "Iets anders", "confidence": 1.0}
    (data / MAPPING_FILE).write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_survey(data)
    message = str(err.value)
    df = read_export(data / source)
    column = (truth[source].texts[qid], truth[source].columns[qid]["response"])
    first_row = int(df.index[df[column] == label][0])
    assert err.value.path.name == source and err.value.row == first_row
    assert err.value.column == f"{column[0]} / {column[1]}" and label in message and MAPPING_FILE in message


@pytest.mark.parametrize("reworded", SEEDS[:1], indirect=True)
def test_a_mapping_naming_what_the_codebook_lacks_is_refused(reworded, tmp_path):
    folder, _, _, _ = reworded
    data = tmp_path / "data"
    shutil.copytree(folder, data)
    mapping = yaml.safe_load((data / MAPPING_FILE).read_text(encoding="utf-8"))
    mapping["collectors"]["nl"]["questions"]["q99"] = {"text": "Een vraag"}
    (data / MAPPING_FILE).write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_survey(data)
    assert err.value.path.name == MAPPING_FILE and "q99" in str(err.value)


def test_blocks_are_the_export_questions_in_file_order():
    df = read_export(next(paths.SYNTHETIC_RAW.glob("*-nl.csv")))
    blocks = export_blocks(df)
    assert [b.text for b in blocks] == [q.text["nl"] for q in CB]
    assert [b.row2 for b in blocks] == [[c.header[1] for c in q.kind.columns("nl")] for q in CB]
