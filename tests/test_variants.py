"""Every chapter runs on variants of the default data: empty groups, groups of one or two, missing questions.

Two datasets are cut from the synthetic exports, keeping a response by its municipality's region and
degree of urbanisation in the reference frame (data/reference/municipalities_2016.csv):

- ``flemish_urban`` (read in Dutch): the NL collector's file alone, urban municipalities only, one
  Brussels respondent. Wallonia and the rural municipalities have no respondents, Brussels one.
- ``wallonia_only`` (read in French): both collectors' files, Walloon municipalities only, two of them
  rural. Flanders and Brussels have no respondents (the NL file keeps only its test response), the
  rural municipalities two.

Each also lacks some codebook questions: the survey loaded from it is left as the loader leaves a question
that no export holds (an empty column or no rows, listed in ``missing_questions``) by a cell placed after
the chapter's parameters. Every chapter runs once per dataset with papermill (the research chapters,
then the readers of their findings), both datasets side by side.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from barometer import analysis, chapters, design, paths
from barometer.codebook import load_codebook
from barometer.findings import read_tests
from barometer.i18n import t
from barometer.survey import load_survey

#: Per variant: the language of its run, the collectors' files kept, which responses are kept (by region
#: and urban or not), at most how many respondents a group keeps, the codebook questions the data lack,
#: the groups left without respondents, the chapters run (one variant leaves out the reproduction
#: appendix, which only compares the findings with the published figures, to keep the file fast) and
#: whether they run as the book runs them (figures and tables published as numbered MyST blocks).
VARIANTS = {
    "flemish_urban": {
        "lang": "nl", "collectors": ("nl",), "keep": lambda region, urban: urban, "at_most": {"brussels": 1},
        "missing": ("respondent_function", "views", "projects", "investment_priorities", "stakeholders_private",
                    "obstacles", "strategy_label", "strategy_status", "manager_department", "participation_tools"),
        "empty": ("rural", "wallonia"), "chapters": chapters.ALL, "book_mode": False,
    },
    "wallonia_only": {
        "lang": "fr", "collectors": ("nl", "fr"), "keep": lambda region, urban: region == "wallonia",
        "at_most": {"rural": 2},
        "missing": ("heard_of_concept", "dimensions_importance", "concerned", "has_projects", "stakeholders_public",
                    "difficulty", "awareness_needed", "awareness_tools", "strategy_document", "dedicated_department",
                    "open_data"),
        "empty": ("flanders", "brussels"), "chapters": tuple(c for c in chapters.ALL if c != "reproduction"),
        "book_mode": True,
    },
}

#: The cell placed after a chapter's parameters: the survey it loads lacks these questions.
DROP_QUESTIONS = '''# The data lack these codebook questions (tests/test_variants.py).
from pathlib import Path as _Path

from barometer import notebook as _notebook
from barometer.survey import load_survey as _load_survey

_survey = _load_survey(data)
for _name in {missing!r}:  # as the loader leaves a question no export holds: an empty column, no rows
    _table = _survey.codebook[_name].kind.table
    if _table == "respondents":
        _survey.respondents[_name] = None
    elif _table == "projects":
        _survey.projects = _survey.projects.iloc[:0]
    else:
        setattr(_survey, _table, getattr(_survey, _table).query("question != @_name"))
_survey.missing_questions = list({missing!r})
_notebook._SURVEYS[str(_Path(data).resolve())] = _survey
'''


def _frame_classes() -> dict[str, tuple[str, bool]]:
    """NIS code -> (region, urban) as the reference file gives them (urban: DEGURBA 1 or 2)."""
    ref = pd.read_csv(paths.FRAME_CSV, dtype=str)
    region = ref["region"].str.lower().str.split("-").str[0]  # Flanders, Wallonia, Brussels-Capital
    return {nis: (r, d != "3") for nis, r, d in zip(ref["nis_code"], region, ref["degurba_2014"])}


def write_variant(name: str, folder: Path, nis_of: dict[str, str]) -> Path:
    """The synthetic exports with only the responses the variant keeps (header rows and test rows stay).

    ``nis_of``: each respondent ID's municipality, as the loader matched it.
    """
    spec = VARIANTS[name]
    classes = _frame_classes()
    folder.mkdir(parents=True)
    shutil.copy(paths.SYNTHETIC_RAW / "dataset.yml", folder)  # the data still say they are synthetic
    counts: dict[str, int] = {}
    for path in sorted(paths.SYNTHETIC_RAW.glob("*.csv")):
        if not path.stem.endswith(spec["collectors"]):
            continue
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        id_column = rows[0].index("Respondent ID")
        kept = rows[:2]
        for row in rows[2:]:
            nis = nis_of.get(row[id_column])
            if not isinstance(nis, str):  # a test response: no municipality, excluded by the loader
                kept.append(row)
                continue
            region, urban = classes[nis]
            if not spec["keep"](region, urban):
                continue
            group = region if region in spec["at_most"] else "rural" if not urban else ""
            counts[group] = counts.get(group, 0) + 1
            if counts[group] <= spec["at_most"].get(group, math.inf):
                kept.append(row)
        with open(folder / path.name, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\r\n").writerows(kept)
    return folder


def _run_chapters(name: str, data: str, out: str) -> dict[str, str]:
    """Each chapter on one variant, in reading order; chapter -> its error ("" when it ran)."""
    import papermill as pm

    spec, out = VARIANTS[name], Path(out)
    out.mkdir(parents=True, exist_ok=True)
    errors = {}
    for chapter in spec["chapters"]:
        nb = nbformat.read(paths.NOTEBOOKS / f"{chapter}.ipynb", as_version=4)
        at = next(i for i, cell in enumerate(nb.cells) if "parameters" in cell.metadata.get("tags", []))
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(DROP_QUESTIONS.format(missing=spec["missing"])))
        try:
            pm.execute_notebook(nb, out / f"{chapter}.ipynb", kernel_name="python3", cwd=str(paths.NOTEBOOKS),
                                parameters={"lang": spec["lang"], "data": data, "book_mode": spec["book_mode"],
                                            "findings_dir": str(out / "findings"), "figures_dir": str(out / "figures")},
                                progress_bar=False, log_output=False)
            errors[chapter] = ""
        except Exception as error:  # noqa: BLE001 - every chapter runs; the test names each failure
            errors[chapter] = str(error)[-1500:]
    return errors


@pytest.fixture(scope="session")
def variants(tmp_path_factory) -> dict[str, dict]:
    """Each variant's data folder, its chapters' outputs and errors (both variants side by side)."""
    root = tmp_path_factory.mktemp("variants")
    log = load_survey(paths.SYNTHETIC_RAW).log
    nis_of = dict(zip(log["respondent_id"].astype(str), log["nis_code"]))
    result = {name: {"data": write_variant(name, root / name / "data", nis_of), "out": root / name / "out"}
              for name in VARIANTS}
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run_chapters, name, str(v["data"]), str(v["out"])) for name, v in result.items()}
        for name, future in futures.items():
            result[name]["errors"] = future.result()
    for v in result.values():
        v["survey"] = load_survey(v["data"])  # as the chapters loaded it, all its questions
    return result


def _outputs(path: Path) -> tuple[list[str], list[str]]:
    """A run notebook's sentences and the plain-text twins of its tables and figures.

    A sentence is published as the same Markdown and plain text; a table or a figure has a plain-text
    twin of another content (HTML in a notebook, a MyST block in the book).
    """
    sentences, tables = [], []
    if not path.exists():
        return sentences, tables
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if "text/markdown" in data and data["text/markdown"] == data.get("text/plain"):
                sentences.append(data["text/markdown"])
            elif "text/plain" in data and ("text/html" in data or "text/markdown" in data):
                tables.append(data["text/plain"])
    return sentences, tables


def _lang(name: str) -> str:
    return VARIANTS[name]["lang"]


@pytest.mark.parametrize("name", VARIANTS)
def test_every_chapter_runs(variants, name):
    failed = {chapter: error for chapter, error in variants[name]["errors"].items() if error}
    assert not failed, failed


@pytest.mark.parametrize("name", VARIANTS)
def test_no_sentence_shows_a_missing_number(variants, name):
    for chapter in VARIANTS[name]["chapters"]:
        sentences, _ = _outputs(variants[name]["out"] / f"{chapter}.ipynb")
        assert sentences, chapter
        odd = [s for s in sentences if re.search(r"\b(nan|NaN|None|inf)\b", s)]
        assert not odd, (chapter, odd)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_group_without_respondents_is_named_as_such(variants, name):
    lang = _lang(name)
    lead = t("common.empty_groups", lang, groups="\0").split("\0")[0]
    sentences, _ = _outputs(variants[name]["out"] / "perception.ipynb")
    named = [s for s in sentences if s.startswith(lead)]
    assert named
    for group in VARIANTS[name]["empty"]:
        assert all(t(f"common.groups.{group}", lang) in s for s in named), group


@pytest.mark.parametrize("name", VARIANTS)
def test_tables_show_a_dash_with_the_reason(variants, name):
    lang = _lang(name)
    no_one = t("common.estimate.beside", lang, figure="–",
               estimate=t("common.estimate.none", lang, reason=t("common.reasons.no_respondents", lang)))
    shown = [("management", [g for g in VARIANTS[name]["empty"] if g != "rural"])]  # its table: the regions
    if "concerned" not in VARIANTS[name]["missing"]:  # the table of q09 by group
        shown.append(("perception", VARIANTS[name]["empty"]))
    for chapter, groups in shown:
        _, tables = _outputs(variants[name]["out"] / f"{chapter}.ipynb")
        for group in groups:
            rows = [line for table in tables for line in table.splitlines()
                    if line.startswith(t(f"common.groups.{group}", lang))]
            assert any(no_one in row for row in rows), (chapter, group)


def test_a_group_of_one_has_no_interval_and_says_why(variants):
    lang = _lang("flemish_urban")
    why = t("common.reasons.one_respondent", lang)
    _, tables = _outputs(variants["flemish_urban"]["out"] / "management.ipynb")
    rows = [line for table in tables for line in table.splitlines()
            if line.startswith(t("common.groups.brussels", lang))]
    assert rows and all(why in row for row in rows)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_test_that_cannot_be_computed_says_so(variants, name):
    """A difference between a group without respondents and the others: not testable, for that reason."""
    lang = _lang(name)
    tests = read_tests(variants[name]["out"] / "findings")
    empty, missing = set(VARIANTS[name]["empty"]), set(VARIANTS[name]["missing"])
    against_empty = [key for key in tests.index if str(tests.loc[key, "by"]).split("=")[-1] in empty
                     and str(tests.loc[key, "question"]).split(".")[0] not in missing]
    assert against_empty
    for key in against_empty:
        assert tests.loc[key, "verdict"] == "not_testable" and tests.loc[key, "reason"] == "empty_group", key
    said = f"{t('common.verdicts.not_testable', lang)}: {t('common.reasons.empty_group', lang)}"
    _, tables = _outputs(variants[name]["out"] / "perception.ipynb")
    assert any(said in table for table in tables)


@pytest.mark.parametrize("name", VARIANTS)
def test_a_missing_question_is_said_not_available(variants, name):
    lang = _lang(name)
    codebook = load_codebook()
    said = "\n".join(s for chapter in chapters.RESEARCH
                     for s in _outputs(variants[name]["out"] / f"{chapter}.ipynb")[0])
    for question in VARIANTS[name]["missing"]:
        q = codebook[question]
        assert t("common.not_available_figure", lang, id=q.id, question=q.label(lang)) in said, question
    tests = read_tests(variants[name]["out"] / "findings")
    on_missing = tests[tests["question"].str.split(".").str[0].isin(VARIANTS[name]["missing"])]
    assert len(on_missing)
    assert (on_missing["verdict"] == "not_testable").all() and (on_missing["reason"] == "not_available").all()


@pytest.mark.parametrize("name", VARIANTS)
def test_the_weights_are_computed_without_a_class_or_a_region(variants, name):
    """Raking still gives every respondent a weight: classes below MIN_CELL merged, a margin of one class dropped."""
    survey = variants[name]["survey"]
    d = analysis.design(survey)
    assert d.converged and len(d.weights) == survey.n
    assert (d.weights > 0).all() and d.weights.sum() == pytest.approx(len(survey.frame))
    respondents = survey.respondents
    for margin in design.MARGINS:
        present = respondents[margin].astype(str).value_counts()
        if (present >= design.MIN_CELL).sum() <= 1:  # every class but one (at most) merges away
            assert margin in d.dropped, margin
    for margin, classes in d.raking:  # each raked class weighs what its municipalities count in the frame
        weighted = d.weights.groupby(d.raking_class[margin].to_numpy(), observed=False).sum()
        for cls in classes:
            assert weighted[cls] == pytest.approx(d.targets[margin][cls]), (margin, cls)
    if name == "wallonia_only":  # two rural respondents: their class stays, raked to the frame's rural count
        assert (respondents["urbanity"] == "rural").sum() == 2 and "urbanity" not in d.dropped
        rural = d.weights[(respondents["urbanity"] == "rural").to_numpy()].sum()
        assert rural == pytest.approx((survey.frame["urbanity"] == "rural").sum())


def test_the_variants_have_the_groups_they_claim(variants):
    """The cut really empties the groups (and leaves one Brussels respondent, two rural ones)."""
    groups = {name: v["survey"].respondents for name, v in variants.items()}
    for name, r in groups.items():
        for group in VARIANTS[name]["empty"]:
            assert not (r[analysis.GROUP_COLUMN[group]] == group).any(), (name, group)
    assert (groups["flemish_urban"]["region"] == "brussels").sum() == 1
    assert set(groups["flemish_urban"]["collector"]) == {"nl"}
    assert (groups["wallonia_only"]["urbanity"] == "rural").sum() == 2
