"""Load the barometer: raw collector exports in, tidy tables by unit of analysis out.

``load_survey(data)`` reads every collector export (the Dutch and French SurveyMonkey
CSV, XLSX or SPSS .sav files of a folder, or one such file), recodes the answers into the
codebook's codes, matches each respondent to the 589-municipality frame, applies the
cleaning rules with an exclusion log, and returns a :class:`Survey`. Personal data (IP and
e-mail addresses, names, custom data, the contact question) are dropped while reading and
never returned.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from . import align, cleaning, layout, paths, qtypes, spss
from .codebook import Codebook, load_codebook
from .errors import InputError
from .frame import MunicipalityMatcher, load_frame
from .recode import Collector, detect_language, recode_export
from .surveymonkey import CANONICAL_FIXED, answers_as_text, read_export

EXPORT_SUFFIXES = (".csv", ".xlsx", ".sav")
METADATA_FILE = "dataset.yml"
FRAME_COLUMNS = ["nis_code", "name_nl", "name_fr", "region", "province_nl", "province_fr",
                 "population", "degurba", "size_class", "urbanity"]


@dataclass
class Survey:
    """The recoded survey: one table per unit of analysis, plus where it came from."""

    respondents: pd.DataFrame  # one row per kept municipality; a column per single, number, open, scale10 question
    choices: pd.DataFrame  # multiple choice, long: respondent_id, question, option
    ratings: pd.DataFrame  # matrix (Likert), long: respondent_id, question, item, value
    rankings: pd.DataFrame  # ranking, long: respondent_id, question, item, rank
    projects: pd.DataFrame  # project list, long: respondent_id, slot, name, dimension, initiator
    other_texts: pd.DataFrame  # "other (please specify)": respondent_id, question, text
    log: pd.DataFrame  # every raw response: source, row, respondent_id, status, reason
    frame: pd.DataFrame  # the 589 municipalities
    codebook: Codebook
    metadata: dict = field(default_factory=dict)
    #: Analytic questions of the codebook that an export lacks (names, codebook order): not available
    #: for these data. Their columns are empty and their long tables have no rows.
    missing_questions: list[str] = field(default_factory=list)
    #: Questions of the exports that the codebook does not know (and no mapping names): not read.
    unknown_questions: list[dict] = field(default_factory=list)  # {"source": file name, "text": its header}

    @property
    def n(self) -> int:
        return len(self.respondents)

    @property
    def synthetic(self) -> bool:
        return bool(self.metadata.get("synthetic", False))

    def exclusion_counts(self) -> pd.DataFrame:
        """Raw responses per collector: received, excluded by reason, kept."""
        log = self.log
        table = pd.crosstab(log["collector"], log["reason"].fillna("kept"))
        for column in ["test_response", "incomplete", "duplicate", "kept"]:
            if column not in table:
                table[column] = 0
        table.insert(0, "received", log.groupby("collector").size())
        table = table[["received", "test_response", "incomplete", "duplicate", "kept"]]
        table.loc["total"] = table.sum()
        return table.astype(int)


def export_files(data: Path) -> list[Path]:
    """The collector exports of a data folder (or the one file given), in name order."""
    data = Path(data)
    if data.is_file():
        return [data]
    if not data.is_dir():
        raise InputError(data, "data source not found", expected="a folder of SurveyMonkey exports or an export file")
    files = sorted(p for p in data.iterdir() if p.suffix.lower() in EXPORT_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise InputError(data, "no export in this folder", expected="one or more SurveyMonkey .csv, .xlsx or .sav exports")
    return files


def read_metadata(data: Path) -> dict:
    """The data's own description (dataset.yml beside the exports), e.g. whether it is synthetic."""
    folder = Path(data) if Path(data).is_dir() else Path(data).parent
    meta_path = folder / METADATA_FILE
    meta = {}
    if meta_path.exists():
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    meta.setdefault("synthetic", False)
    return meta


def read_collector(path: Path, codebook: Codebook, mapping: align.Mapping | None = None) -> Collector:
    """One export recoded: SPSS by its .sav suffix; CSV or XLSX told apart by their first bytes."""
    return read_described(path, codebook, mapping)[0]


def read_described(path: Path, codebook: Codebook, mapping: align.Mapping | None = None) -> tuple[Collector, dict]:
    """One export recoded, and how it was read (see :func:`reading`).

    A "Numerical value" export is read through the codebook's answer order. Without a
    respondent ID column, a respondent is known by the file and its row (``<file stem>:<row>``).
    With a mapping (``mapping.yml`` beside the exports, :mod:`barometer.align`) a CSV or XLSX
    export is read through it; an SPSS export is matched by its variables' positions, as always.
    """
    if path.suffix.lower() == ".sav":
        collector = spss.recode(path, codebook)
        attrs = {"header_layout": spss.HEADER_LAYOUT, "answers": "value labels", "identity": "respondent_id"}
    else:
        df = read_export(path)
        translation = None if mapping is None else align.translate(path, df, codebook, mapping)
        if translation is not None:
            df = translation.frame
        with align.exported_names(translation):
            df = answers_as_text(path, df, layout.choice_labels(codebook, detect_language(path, df, codebook)))
            collector = recode_export(path, df, codebook)
        if translation is not None:
            translation.annotate(collector)
        attrs = df.attrs
    if attrs.get("identity") == "row":
        for rec in collector.records:
            rec["respondent_id"] = f"{path.stem}:{rec['_row']}"
    return collector, reading(attrs, collector, codebook)


def reading(attrs: dict, collector: Collector, codebook: Codebook) -> dict:
    """How one export was read, for ``summary --describe``: layout, fixed columns, language, questions.

    How each question was found is the loader's word (``Collector.matched``: "wording",
    "mapping"...; by position in an SPSS export); a question the export lacks
    (``Collector.missing``) is None; the export's questions the codebook does not know are
    listed under ``unknown``; ``names`` gives the file's own name of a question where it
    is not the codebook's wording (``Collector.column_names``).
    """
    fixed = attrs.get("fixed_columns") or {name: name for name in CANONICAL_FIXED
                                           if any(name in rec for rec in collector.records)}
    questions = {}
    for q in codebook:
        if q.personal:
            continue
        how = (collector.matched or {}).get(q.name, "wording")
        if attrs.get("header_layout") == spss.HEADER_LAYOUT:
            how = "SPSS variable by position, its labels checked"
        questions[q.name] = None if q.name in collector.missing else how
    return {
        "format": attrs.get("format", "SPSS").upper(), "layout": attrs.get("header_layout"),
        "title_rows": attrs.get("title_rows", 0),
        "answers": attrs.get("answers", "text"), "fixed_columns": fixed,
        "identity": "row number" if attrs.get("identity") == "row" else "respondent ID",
        "language": collector.lang, "questions": questions, "unknown": list(collector.unknown),
        "names": dict(collector.column_names),  # question -> the file's name for it (SPSS variable, mapped header)
    }


def checksums(files: list[Path]) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def load_survey(data: str | Path = paths.SYNTHETIC_RAW, *, codebook: Codebook | None = None,
                frame: pd.DataFrame | None = None) -> Survey:
    """Read, recode, match and clean the exports of ``data``; see the module docstring."""
    codebook = codebook or load_codebook()
    frame = load_frame() if frame is None else frame
    matcher = MunicipalityMatcher(frame)
    files = export_files(Path(data))
    mapping = align.read_mapping(Path(data), codebook)
    records, log_rows, readings = [], [], {}
    missing: set[str] = set()
    unknown: list[dict] = []
    for path in files:
        collector, readings[path.name] = read_described(path, codebook, mapping)
        missing.update(collector.missing)
        unknown += [{"source": path.name, "text": text} for text in collector.unknown]
        for rec in collector.records:
            answer = rec.get("municipality")
            nis = None
            if not cleaning.is_test(answer):
                if answer is None:
                    raise InputError(path, "municipality not given", row=rec["_row"],
                                     column=collector.column_name(codebook["municipality"]),
                                     expected="the name or NIS code of the municipality")
                nis = matcher.match_or_raise(answer, path, rec["_row"], collector.column_name(codebook["municipality"]))
            rec.update(nis_code=nis, language=collector.lang, collector=collector.lang, source=path.name)
            records.append(rec)
            log_rows.append({
                "source": path.name, "collector": collector.lang, "row": rec["_row"],
                "respondent_id": rec.get("respondent_id"), "end_date": rec.get("end_date"),
                "municipality_answer": answer, "nis_code": nis, "n_answered": len(rec["_answered"]),
                "answered_share": cleaning.completeness(rec["_answered"], codebook, collector.missing),
            })
    if not log_rows:
        raise InputError(data, f"no respondent in {', '.join(p.name for p in files)} (header rows only)",
                         expected="at least one respondent row below the two header rows")
    raw_log = pd.DataFrame(log_rows)
    dupes = raw_log["respondent_id"].duplicated(keep=False) & raw_log["respondent_id"].notna()
    if dupes.any():
        first = raw_log[dupes].iloc[0]
        raise InputError(first["source"], "the same respondent ID appears twice across the exports",
                         row=int(first["row"]), column="Respondent ID", found=first["respondent_id"],
                         expected="each respondent once (is one file given twice?)")
    log = cleaning.choose(raw_log, codebook)
    log["reason_text"] = log["reason"].map(cleaning.REASONS)
    kept = [rec for rec, status in zip(records, log["status"]) if status == "kept"]
    metadata = read_metadata(Path(data))
    metadata["sources"] = checksums(files)
    metadata["reading"] = readings
    if mapping is not None:
        metadata["mapping"] = mapping.path.name
    survey = _tables(kept, log.drop(columns=["municipality_answer"]), frame, codebook, metadata)
    survey.missing_questions = [q.name for q in codebook.analytic_questions if q.name in missing]
    survey.unknown_questions = unknown
    return survey


def _tables(kept: list[dict], log: pd.DataFrame, frame: pd.DataFrame, codebook: Codebook, metadata: dict) -> Survey:
    """Split the kept respondents' coded answers into one tidy table per unit of analysis.

    Each question's type says which table its answers feed and how (barometer.qtypes).
    """
    base = pd.DataFrame({
        "respondent_id": [r["respondent_id"] for r in kept],
        "collector": [r["collector"] for r in kept],
        "language": [r["language"] for r in kept],
        "start_date": [r.get("start_date") for r in kept],
        "end_date": [r.get("end_date") for r in kept],
        "nis_code": [r["nis_code"] for r in kept],
        "n_answered": [len(r["_answered"]) for r in kept],
    })
    long_rows: dict[str, list[tuple]] = {name: [] for name in qtypes.LONG_TABLES}
    others = []
    kinds = [q.kind for q in codebook if not q.personal]
    for kind in kinds:
        name = kind.q.name
        if kind.table == "respondents":
            base[name] = kind.column([r.get(name) for r in kept])
        for r in kept:
            rid, answer = r["respondent_id"], r.get(name)
            if f"{name}__other" in r:
                others.append((rid, name, r[f"{name}__other"]))
            if answer is not None and kind.table in long_rows:
                long_rows[kind.table].extend((rid, *row) for row in kind.rows(answer))
    respondents = base.merge(frame[FRAME_COLUMNS], on="nis_code", how="left", validate="one_to_one")
    respondents = respondents.set_index("respondent_id")
    tables = {name: pd.DataFrame(long_rows[name], columns=["respondent_id", *columns])
              for name, columns in qtypes.LONG_TABLES.items()}
    for kind in kinds:
        if kind.table in tables:
            kind.finish(tables[kind.table])
    return Survey(
        respondents=respondents, choices=tables["choices"], ratings=tables["ratings"], rankings=tables["rankings"],
        projects=tables["projects"], other_texts=pd.DataFrame(others, columns=["respondent_id", "question", "text"]),
        log=log, frame=frame, codebook=codebook, metadata=metadata,
    )
