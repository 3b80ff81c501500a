"""The notebooks as the book runs them in both languages (the run's shared build), and through
papermill on other data.

Checks: every published figure is reproduced by the notebooks' findings; the findings agree
with the independent plain-pandas computation; a French run shows no Dutch label of the
codebook (and a Dutch run no French one); the `data` parameter really switches the data,
to a folder of SPSS exports or to one .sav file.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from barometer import chapters, paths, reproduction
from barometer.codebook import load_codebook
from barometer.findings import read_findings
from barometer.survey import load_survey
from conftest import write_as_sav
from test_published_figures import compute

NOTEBOOKS = chapters.RESEARCH


def _run(notebook: str, lang: str, out: str, data: str = "") -> str:
    import papermill as pm

    out_dir = Path(out)
    params = {"lang": lang, "findings_dir": str(out_dir / "findings"), "figures_dir": str(out_dir / "figures")}
    if data:
        params["data"] = data
    target = out_dir / f"{notebook}.ipynb"
    pm.execute_notebook(paths.NOTEBOOKS / f"{notebook}.ipynb", target, parameters=params, kernel_name="python3",
                        cwd=str(paths.NOTEBOOKS), progress_bar=False, log_output=False)
    return str(target)


@pytest.fixture(scope="session")
def runs(site, tmp_path_factory) -> dict[str, Path]:
    """The chapters as the book ran them (conftest's shared build, book mode): per language a folder
    with each executed notebook and ``findings`` (every chapter's findings, estimates and tests)."""
    dirs = {}
    for lang in ("nl", "fr"):
        folder = dirs[lang] = tmp_path_factory.mktemp(f"run-{lang}")
        (folder / "findings").symlink_to(site.work / "site-src" / lang / "_findings")
        for nb in chapters.ALL:
            (folder / f"{nb}.ipynb").symlink_to(site.work / "runs" / lang / nb / f"{nb}.ipynb")
    return dirs


def _outputs_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    chunks = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            chunks.append(out.get("text", ""))
            for mime in ("text/plain", "text/markdown", "text/html"):
                chunks.append(str(out.get("data", {}).get(mime, "")))
    return "\n".join(chunks)


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_every_published_figure_is_reproduced_by_the_notebooks(runs, lang):
    findings = read_findings(runs[lang] / "findings")
    table = reproduction.table(findings)
    assert table["match"].all(), table.loc[~table["match"], ["key", "published", "reproduced"]].to_dict("records")


def test_notebook_findings_agree_with_the_plain_pandas_check(runs):
    findings = read_findings(runs["nl"] / "findings")
    independent = compute(load_survey())
    for key, value in independent.items():
        assert reproduction.matches(key, value, findings.get(key, {}).get("value")), key


def test_findings_do_not_depend_on_the_language(runs):
    nl, fr = (read_findings(runs[lang] / "findings") for lang in ("nl", "fr"))
    assert {k: v["value"] for k, v in nl.items()} == {k: v["value"] for k, v in fr.items()}


@pytest.mark.parametrize("lang, other", [("fr", "nl"), ("nl", "fr")])
def test_no_label_of_the_other_language_in_the_outputs(runs, lang, other):
    cb = load_codebook()
    foreign = {label for label in cb.labels(other) - cb.labels(lang) if len(label) > 3}
    for nb in chapters.ALL:
        text = _outputs_text(runs[lang] / f"{nb}.ipynb")
        leaked = sorted(label for label in foreign if label in text)
        assert not leaked, (nb, leaked[:10])


def test_outputs_carry_no_warning_or_error(runs):
    for lang, d in runs.items():
        for nb in chapters.ALL:
            book = nbformat.read(d / f"{nb}.ipynb", as_version=4)
            for cell in book.cells:
                for out in cell.get("outputs", []):
                    assert out.get("output_type") != "error", (lang, nb)
                    assert out.get("name") != "stderr", (lang, nb, out.get("text", "")[:300])


@pytest.fixture(scope="session")
def sav_runs(tmp_path_factory) -> dict[str, Path]:
    """The notebooks on the synthetic data rewritten as SPSS exports; the sample on the French .sav alone."""
    sav = write_as_sav(paths.SYNTHETIC_RAW, tmp_path_factory.mktemp("sav-data"))
    dirs = {"folder": tmp_path_factory.mktemp("run-sav"), "fr_only": tmp_path_factory.mktemp("run-sav-fr")}
    fr_only = next(sav.glob("*collector-fr.sav"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_run, nb, "nl", str(dirs["folder"]), str(sav)) for nb in NOTEBOOKS]
        futures.append(pool.submit(_run, "sample", "fr", str(dirs["fr_only"]), str(fr_only)))
        for f in futures:
            f.result()
    return dirs


def test_spss_exports_give_the_same_findings(runs, sav_runs):
    from_csv = read_findings(runs["nl"] / "findings")
    from_sav = read_findings(sav_runs["folder"] / "findings")
    assert from_sav == from_csv


def test_data_parameter_switches_to_one_sav_file(sav_runs):
    findings = read_findings(sav_runs["fr_only"] / "findings")
    french = load_survey().respondents["collector"].eq("fr").sum()
    assert findings["sample.respondents"]["value"] == french
    assert french < load_survey().n


# --- the derived data and the R cross-check -----------------------------------------------------

CROSSCHECK = Path(__file__).with_name("r") / "crosscheck.R"


@pytest.fixture(scope="session")
def exported(runs, tmp_path_factory) -> Path:
    """``cli export`` of the default data with the Dutch run's estimates and tests, recomputed by R."""
    import subprocess

    from barometer import cli

    out = tmp_path_factory.mktemp("export")
    assert cli.main(["export", str(paths.SYNTHETIC_RAW), "--out", str(out),
                     "--findings", str(runs["nl"] / "findings")]) == 0
    for name, requests in (("r", "estimates.csv"), ("r-tests", "tests.csv")):
        folder = out / name
        folder.mkdir()
        for data in ("respondents.csv", "margins.csv"):
            (folder / data).write_bytes((out / data).read_bytes())
        (folder / "requests.csv").write_bytes((out / requests).read_bytes())
        done = subprocess.run(["Rscript", str(CROSSCHECK), str(folder)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_every_chapter_writes_its_estimates(exported):
    """estimates.csv holds estimates of every part of the questionnaire the chapters analyse."""
    import pandas as pd

    estimates = pd.read_csv(exported / "estimates.csv", dtype={"code": str})
    assert len(estimates) and estimates["key"].is_unique
    assert set(estimates["method"]) <= {"svyciprop-logit", "svymean-t", "svytotal", "svycontrast", "svyglm-difference"}
    part = {q.name: q.part for q in load_codebook()}
    parts = {part.get(question.split(".")[0]) for question in estimates["question"]}
    assert {"perception", "implementation", "management"} <= parts


def test_r_survey_recomputes_every_estimate(exported):
    """Every estimate of the book equals R survey's on the exported data: 1e-6 estimates, 1e-4 SE and bounds."""
    import numpy as np
    import pandas as pd

    ours = pd.read_csv(exported / "estimates.csv", dtype={"code": str}).set_index("key")
    r = pd.read_csv(exported / "r" / "results.csv").set_index("key")
    assert r.index.equals(ours.index)
    missing = r.index[r["estimate"].isna() & ours["estimate"].notna()]
    assert not len(missing), f"R could not recompute {list(missing)[:10]}"
    both = ours["estimate"].notna()
    assert np.allclose(ours.loc[both, "estimate"], r.loc[both, "estimate"], atol=1e-6, rtol=0)
    assert np.allclose(ours.loc[both, "se"], r.loc[both, "se"], atol=1e-4, rtol=0, equal_nan=True)
    # the book cuts a share's interval to the no-assumption bounds; R's interval is cut alike to compare
    share = (ours["method"] == "svyciprop-logit").to_numpy()
    low = np.where(share, np.fmax(r["low"], ours["bound_low"]), r["low"])  # no bounds (NaN): no cut
    high = np.where(share, np.fmin(r["high"], ours["bound_high"]), r["high"])
    collapsed = (ours["low"] == ours["high"]).to_numpy()  # p = 0 or 1: R's interval is the point too
    # where R's logit fit fails it gives no interval (the point and SE are still compared above);
    # such rows are rare: a small domain with heavy weights
    no_r_interval = r["low"].isna().to_numpy() & share
    assert no_r_interval.sum() <= 0.02 * len(ours), list(ours.index[no_r_interval])
    ok = both.to_numpy() & ~collapsed & ~no_r_interval
    assert np.allclose(ours["low"].to_numpy()[ok], low[ok], atol=1e-4, rtol=0, equal_nan=True)
    assert np.allclose(ours["high"].to_numpy()[ok], high[ok], atol=1e-4, rtol=0, equal_nan=True)
    assert (ours.loc[both, "n"].to_numpy() == r.loc[both, "n"].to_numpy()).all()


def test_r_survey_recomputes_every_test_behind_a_claim(exported):
    """Every design-based test of tests.csv equals R's (1e-4); Monte Carlo p-values within their error.

    Tests against the frame (goodness of fit, response by class) are not survey tests: R's
    survey package has no counterpart, and they are checked against worked examples instead.
    """
    import numpy as np
    import pandas as pd

    ours = pd.read_csv(exported / "tests.csv", dtype={"code": str, "by": str}).set_index("key")
    r = pd.read_csv(exported / "r-tests" / "results.csv").set_index("key")
    assert r.index.equals(ours.index) and len(ours)
    survey_tests = r["statistic"] != "skip"
    assert survey_tests.sum() >= len(ours) - ours["by"].eq("frame").sum() - ours["test"].str.startswith("gof").sum()
    for key in r.index[survey_tests]:
        mine, theirs = ours.loc[key], r.loc[key]
        if np.isnan(mine["p"]):  # not testable here: R must not find a result either
            assert np.isnan(theirs["p"]) or mine["reason"], key
            continue
        assert not np.isnan(theirs["p"]), f"R could not recompute {key}"
        tolerance = 1e-4
        if mine["test"] == "fisher-monte-carlo":
            tolerance = 4 * np.sqrt(theirs["p"] * (1 - theirs["p"]) / 100_000) + 1e-5
        assert abs(mine["p"] - theirs["p"]) <= tolerance, (key, mine["p"], theirs["p"])
        if not np.isnan(mine["stat"]):
            assert mine["stat"] == pytest.approx(theirs["stat"], abs=1e-4), key
            assert mine["df2"] == pytest.approx(theirs["df2"], abs=1e-4), key


def test_the_public_download_is_disclosure_controlled(tmp_path):
    import pandas as pd

    from barometer import export
    from barometer.survey import load_survey

    survey = load_survey()
    export.write(survey, tmp_path, public=True)
    public = pd.read_csv(tmp_path / "respondents.csv", dtype=str)
    assert not {"nis_code", "province", "inhabitants", "respondent_function"} & set(public.columns)
    open_questions = {q.name for q in survey.codebook if q.type == "open"}
    assert not open_questions & set(public.columns)
    for column in ("region", "urbanity", "size_class"):
        counts = public[column].value_counts()
        assert (counts >= export.MIN_PUBLIC_CLASS).all(), (column, counts.to_dict())
    names = set(survey.frame["name_nl"]) | set(survey.frame["name_fr"])
    assert not any(public[c].isin(names).any() for c in public.columns)
    from barometer.i18n import t

    assert survey.synthetic and t("common.synthetic_notice", "nl") in (tmp_path / "README.txt").read_text()


def test_claims_are_judged_alike_in_both_languages(runs):
    """Every sentence's verdict comes from the same test in Dutch and French (tests.csv per language)."""
    from barometer.findings import read_tests

    nl, fr = (read_tests(runs[lang] / "findings", chapters.ALL) for lang in ("nl", "fr"))
    assert len(nl) and list(nl.index) == list(fr.index)
    assert nl["verdict"].to_dict() == fr["verdict"].to_dict()
    assert nl["p"].fillna(-1).to_dict() == fr["p"].fillna(-1).to_dict()
