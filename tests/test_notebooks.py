"""The notebooks run through papermill in both languages, on the default data and on other data.

Checks: every published figure is reproduced by the notebooks' findings; the findings agree
with the independent plain-pandas computation; a French run shows no Dutch label of the
codebook (and a Dutch run no French one); the `data` parameter really switches the data,
to a folder of SPSS exports or to one .sav file.
"""

from __future__ import annotations

import json
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
def runs(tmp_path_factory) -> dict[str, Path]:
    """Each notebook run once per language (two at a time), then the reproduction appendix."""
    dirs = {lang: tmp_path_factory.mktemp(f"run-{lang}") for lang in ("nl", "fr")}
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_run, nb, lang, str(d)) for lang, d in dirs.items() for nb in NOTEBOOKS]
        for f in futures:
            f.result()
    for lang, d in dirs.items():
        _run("reproduction", lang, str(d))
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
    for nb in (*NOTEBOOKS, "reproduction"):
        text = _outputs_text(runs[lang] / f"{nb}.ipynb")
        leaked = sorted(label for label in foreign if label in text)
        assert not leaked, (nb, leaked[:10])


def test_outputs_carry_no_warning_or_error(runs):
    for lang, d in runs.items():
        for nb in (*NOTEBOOKS, "reproduction"):
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
