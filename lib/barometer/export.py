"""Derived data for researchers: the cleaned respondents, the design, and every estimate and test.

``python -m barometer.cli export [DATA] --out DIR`` writes, for a researcher's own machine:

- ``respondents.csv``: one row per kept respondent: identity and frame variables, the raked
  ``weight`` (summing to the frame's N), then one column per answer: ``<question>`` (single
  choice: its code; number), ``<question>.<option>`` (multiple choice: 0/1, empty for a
  respondent who chose nothing), ``<question>.<item>`` (matrix: score; ranking: rank);
- ``projects.csv``: one row per project with its ``respondent_id`` (the municipality is the
  cluster of its projects);
- ``margins.csv``: the frame's counts the weights are raked to (``variable, category, count``);
- ``estimates.csv`` and ``tests.csv``: every calibrated estimate and every test behind a claim
  of the chapters (from the chapters' runs);
- ``respondents.sav`` / ``respondents.dta`` with variable and value labels, ``design.R`` that
  rebuilds the calibrated design with R's ``survey`` package, and ``datapackage.json``.

``public=True`` writes the disclosure-controlled version the site offers: no NIS code, no name,
no respondent's function, no open text, and no frame class with fewer than
:data:`MIN_PUBLIC_CLASS` respondents (such a class is merged into "other").
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import analysis, chapters, claims, design, findings
from .survey import Survey

#: The smallest number of respondents a class of a frame variable may have in the public download.
MIN_PUBLIC_CLASS = 5
#: Frame variables written beside the answers.
IDENTITY = ("respondent_id", "nis_code", "region", "urbanity", "size_class", "province", "inhabitants")
#: What the public download leaves out: identifying columns and free text.
NOT_PUBLIC = ("nis_code", "province", "inhabitants", "respondent_function")
#: How the R cross-check reads estimates and tests: the columns of the two files.
ESTIMATE_FILE_COLUMNS = ("key", "wave", "question", "code", "group", "statistic", "weighted", "estimate", "se",
                         "low", "high", "n", "n_eff", "method", "bound_low", "bound_high")
#: Longest variable label Stata takes (SPSS takes more; one limit keeps the two files alike).
LABEL_LIMIT = 80

DESIGN_R = """# Rebuilds the calibrated design of the barometer with R's survey package (written by barometer.cli export).
library(survey)
respondents <- read.csv("respondents.csv", colClasses = c(respondent_id = "character"))
margins <- read.csv("margins.csv", colClasses = "character")
margins$count <- as.numeric(margins$count)
respondents$N <- {population}
d <- svydesign(ids = ~1, fpc = ~N, data = respondents)
pop <- lapply(split(margins, margins$variable)[c({margins})], function(m) {{
  out <- data.frame(m$category, m$count); names(out) <- c(m$variable[1], "Freq"); out
}})
raked <- rake(d, sample.margins = lapply(c({margins}), function(v) as.formula(paste0("~", v))),
              population.margins = pop, control = list(epsilon = 1e-10, maxit = 500))
# e.g. svyciprop(~I(heard_of_concept == "yes_well"), subset(raked, !is.na(heard_of_concept)), method = "logit")
"""


def respondents_table(survey: Survey) -> pd.DataFrame:
    """One row per kept respondent: identity, frame variables, weight, then the answers."""
    r = survey.respondents
    d = analysis.design(survey)
    out = pd.DataFrame(index=r.index)
    out["respondent_id"] = r.index.astype(str)
    frame = survey.frame.set_index("nis_code")
    out["nis_code"] = r["nis_code"].astype(str) if "nis_code" in r else ""
    for column in ("region", "urbanity", "size_class"):
        out[column] = r[column].astype(str)
    nis = out["nis_code"]
    out["province"] = nis.map(frame["province_nl"]) if "province_nl" in frame else ""
    out["inhabitants"] = nis.map(frame["population"])
    out["weight"] = d.weights.reindex(r.index).to_numpy()
    for margin, merged in d.merged.items():  # the classes raked to, where some were merged
        out[f"rake.{margin}"] = d.raking_class[margin].astype(str).reindex(r.index) if margin in d.raking_class else ""
    return pd.concat([out, answers(survey)], axis=1).reset_index(drop=True)


def answers(survey: Survey) -> pd.DataFrame:
    """One column per answer, named as in ``respondents.csv``, indexed by respondent id."""
    r = survey.respondents
    columns = {name: values.reindex(r.index) for q in survey.codebook.analytic_questions
               for name, values in _answer_columns(survey, q).items()}
    return pd.DataFrame(columns, index=r.index)


def _answer_columns(survey: Survey, q) -> dict[str, pd.Series]:
    """The export columns of one question, each a Series indexed by respondent id, by the tidy table it feeds."""
    table = q.kind.table
    if table == "respondents" and q.name in survey.respondents:
        values = survey.respondents[q.name]
        columns = {q.name: values.astype(object).where(values.notna(), None)}
        scored = {o.code: o.value for o in q.options if o.value is not None}
        if scored:
            columns[f"{q.name}.{analysis.VALUE}"] = values.astype(object).map(scored).astype(float)
        return columns
    if table == "choices":
        flags = analysis.option_flags(survey, q.name)
        return {f"{q.name}.{code}": flags[code] for code in flags.columns}
    if table in ("ratings", "rankings"):
        wide = analysis.item_answers(survey, q.name)
        columns = {f"{q.name}.{item}": wide[item] for item in q.item_codes if wide[item].notna().any()}
        if table == "rankings":
            columns[f"{q.name}.{analysis.FIRST}"] = analysis.first_items(survey, q.name)
        return columns
    return {}  # projects: their own file


def margins_table(survey: Survey) -> pd.DataFrame:
    """The frame's counts per class of each margin raked to (merged classes as raked: see ``rake.<margin>``)."""
    targets = analysis.design(survey).targets
    rows = [{"variable": var, "category": cat, "count": count}
            for var, classes in targets.items() for cat, count in classes.items()]
    return pd.DataFrame(rows, columns=["variable", "category", "count"])


def public_table(respondents: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """The disclosure-controlled respondents: identifying columns and open text out, small classes merged."""
    open_questions = [q.name for q in survey.codebook if q.kind.name == "open"]
    keep = [c for c in respondents.columns if c not in NOT_PUBLIC and c not in open_questions
            and not any(c.startswith(f"{q}.") for q in open_questions)]
    out = respondents[keep].copy()
    out["respondent_id"] = range(1, len(out) + 1)
    for column in ("region", "urbanity", "size_class"):
        counts = out[column].value_counts()
        small = counts.index[counts < MIN_PUBLIC_CLASS]
        out.loc[out[column].isin(small), column] = "other"
    return out


def estimates_file(findings_dir: Path) -> pd.DataFrame:
    """Every estimate of the chapters, in the columns of ``estimates.csv``."""
    table = findings.read_estimates(findings_dir, chapters.ALL).reset_index()
    table["weighted"] = True
    return table.reindex(columns=list(ESTIMATE_FILE_COLUMNS))


def _labelled(respondents: pd.DataFrame, survey: Survey, lang: str = "nl"):
    """Numeric codes with value labels for SPSS and Stata, and variable labels (pyreadstat's form)."""
    data = respondents.copy()
    value_labels, variable_labels = {}, {}
    for q in survey.codebook.analytic_questions:
        if q.name in data and q.options and q.kind.table == "respondents":
            codes = {o.code: i for i, o in enumerate(q.options, start=1)}
            data[q.name] = data[q.name].map(codes).astype("float")
            value_labels[q.name] = {float(i): o.labels[lang][:LABEL_LIMIT] for o, i in zip(q.options, codes.values())}
        for column in data.columns:
            if column == q.name or column.startswith(f"{q.name}."):
                variable_labels[column] = q.text[lang][:LABEL_LIMIT]
    for column in data.columns:
        if data[column].dtype == object:
            data[column] = data[column].astype("string").fillna("")
    names = _short_names(data.columns, survey)
    return (data.rename(columns=names), {names[k]: v for k, v in value_labels.items()},
            {names[k]: v for k, v in variable_labels.items()})


def _short_names(columns, survey: Survey, limit: int = 32) -> dict[str, str]:
    """Variable names for SPSS and Stata (no dots, at most 32 characters): the question's id for its name."""
    ids = {q.name: q.id for q in survey.codebook}
    names: dict[str, str] = {}
    for column in columns:
        head, _, tail = column.partition(".")
        name = (ids.get(head, head) + ("_" + tail if tail else "")).replace(".", "_")[:limit]
        stem, i = name, 1
        while name in names.values():
            i += 1
            name = f"{stem[:limit - len(str(i)) - 1]}_{i}"
        names[column] = name
    return names


def write(survey: Survey, out: Path, *, findings_dir: Path | None = None, public: bool = False,
          labelled: bool = True) -> list[Path]:
    """Write the derived data into ``out``; returns the files written. ``labelled=False`` leaves out
    the .sav and .dta files (their headers carry the time they were written)."""
    import pyreadstat

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    respondents = respondents_table(survey)
    if public:
        respondents = public_table(respondents, survey)
    written = []

    def csv(name: str, table: pd.DataFrame) -> None:
        path = out / name
        table.to_csv(path, index=False, float_format="%.10g")
        written.append(path)

    csv("respondents.csv", respondents)
    projects = survey.projects.copy()
    if public:
        projects = projects.drop(columns=[c for c in ("name",) if c in projects])
        projects["respondent_id"] = projects["respondent_id"].map(
            dict(zip(respondents_table(survey)["respondent_id"], respondents["respondent_id"])))
    csv("projects.csv", projects)
    csv("margins.csv", margins_table(survey))
    if findings_dir is not None:
        csv("estimates.csv", estimates_file(findings_dir))
        tests = findings.read_tests(findings_dir, chapters.ALL).reset_index()
        csv("tests.csv", tests.reindex(columns=list(claims.Ledger.COLUMNS)))
    data, value_labels, variable_labels = _labelled(respondents, survey)
    writers = (("respondents.sav", pyreadstat.write_sav), ("respondents.dta", pyreadstat.write_dta))
    for name, writer in writers if labelled else ():
        path = out / name
        writer(data, str(path), column_labels=[variable_labels.get(c, c) for c in data.columns],
               variable_value_labels=value_labels)
        written.append(path)
    path = out / "design.R"
    margins = ", ".join(f'"{m}"' for m in design.MARGINS)
    path.write_text(DESIGN_R.format(population=len(survey.frame), margins=margins), encoding="utf-8")
    written.append(path)
    written.append(_datapackage(out, survey, written, public))
    if survey.synthetic:
        readme = out / "README.txt"
        readme.write_text(_notice(survey), encoding="utf-8")
        written.append(readme)
    return written


def _notice(survey: Survey) -> str:
    from .i18n import t

    return "\n".join(t("common.synthetic_notice", lang) for lang in ("nl", "fr")) + "\n"


def _datapackage(out: Path, survey: Survey, files: list[Path], public: bool) -> Path:
    """A Frictionless data package describing the CSV files (titles in Dutch and French)."""
    meta = survey.codebook.meta
    resources = [{"name": f.stem.replace("_", "-"), "path": f.name, "format": "csv", "mediatype": "text/csv"}
                 for f in files if f.suffix == ".csv"]
    package = {
        "name": "belgian-smart-city-barometer-2016" + ("-public" if public else ""),
        "title": meta.get("title", {}).get("nl", "") if isinstance(meta.get("title"), dict) else str(meta.get("title", "")),
        "titles": meta.get("title") if isinstance(meta.get("title"), dict) else {},
        "description": _notice(survey).strip() if survey.synthetic else "",
        "synthetic": survey.synthetic,
        "disclosure_controlled": public,
        "resources": resources,
    }
    path = out / "datapackage.json"
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def public_archive(survey: Survey, findings_dir: Path, target: Path) -> Path:
    """The disclosure-controlled derived data as the zip the site offers, the same bytes for the same
    data (sorted members, fixed times; without .sav/.dta, whose headers carry the writing time:
    ``python -m barometer.cli export --public`` writes those)."""
    import tempfile
    import zipfile

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = write(survey, Path(tmp), findings_dir=findings_dir, public=True, labelled=False)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(files, key=lambda f: f.name):
                info = zipfile.ZipInfo(f"{target.stem}/{path.name}", date_time=(2016, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return target
