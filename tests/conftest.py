"""Shared test helpers: hand-made barometer exports written through the real layout and writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from barometer import layout, spss
from barometer.codebook import load_codebook
from barometer.survey import export_files, read_collector
from barometer.surveymonkey import read_export, write_export


#: A complete valid answer per question type: (question, municipality) -> coded answer.
COMPLETE = {
    "municipality": lambda q, municipality: municipality,
    "single": lambda q, _: q.options[0].code,
    "multiple": lambda q, _: [o.code for o in q.options[: (q.max_choices or 2)]],
    "matrix": lambda q, _: {item.code: 1 + i % 5 for i, item in enumerate(q.items)},
    "ranking": lambda q, _: {item.code: i + 1 for i, item in enumerate(q.items)},
    "number": lambda q, _: 3,
    "scale10": lambda q, _: 7,
    "open": lambda q, _: "person@example.org" if q.personal else "Een antwoord, met komma",
    "project_list": lambda q, _: [{"name": "Slimme verlichting", "dimension": "environment", "initiator": "public"},
                                  {"name": "E-loket", "dimension": "governance", "initiator": "private"}],
}


def complete_answers(municipality: str, **overrides) -> dict:
    """A respondent who answered every question (valid codes), as coded answers."""
    answers = {q.name: COMPLETE[q.type](q, municipality) for q in load_codebook()}
    answers.update(overrides)
    return answers


def fixed_columns(respondents: list[dict]) -> pd.DataFrame:
    """The fixed columns of an export, with planted personal data (each respondent may carry ``respondent_id``)."""
    return pd.DataFrame({
        "respondent_id": [r.get("respondent_id", str(10_000_000_000 + i)) for i, r in enumerate(respondents)],
        "collector_id": ["123456789"] * len(respondents),
        "start_date": [dt.datetime(2016, 6, 1, 9, 0) + dt.timedelta(days=i) for i in range(len(respondents))],
        "end_date": [dt.datetime(2016, 6, 1, 9, 30) + dt.timedelta(days=i) for i in range(len(respondents))],
        "ip_address": ["192.0.2.10"] * len(respondents),
        "email_address": ["planted.person@example.org"] * len(respondents),
        "first_name": ["Plantedfirst"] * len(respondents),
        "last_name": ["Plantedlast"] * len(respondents),
    })


def write_collector(path: Path, respondents: list[dict], lang: str, *, header_layout: str = "current",
                    encoding: str = "utf-8") -> Path:
    """Write a collector export for coded respondents (each may carry ``respondent_id``); .sav as SPSS."""
    cb = load_codebook()
    fixed = fixed_columns(respondents)
    if Path(path).suffix == ".sav":
        return spss.write_coded(path, fixed, cb, respondents, lang)
    columns = [c.header for c in layout.export_columns(cb, lang)]
    cells = [layout.encode_respondent(cb, r, lang) for r in respondents]
    write_export(path, fixed, columns, cells, layout=header_layout, encoding=encoding)
    return path


@pytest.fixture
def collector(tmp_path):
    """Factory: ``collector(respondents, lang, name=...)`` writes an export into a fresh data folder."""
    folder = tmp_path / "exports"
    folder.mkdir()

    def make(respondents, lang="nl", name=None, **kwargs):
        return write_collector(folder / (name or f"export-{lang}.csv"), respondents, lang, **kwargs)

    make.folder = folder
    return make


def write_as_sav(source: Path, target: Path) -> Path:
    """Each collector export of ``source`` rewritten as the SPSS export of the same responses.

    Every raw row goes over, test rows, duplicates and abandoned ones included, with its
    fixed fields and personal data, so the .sav data must give exactly what the CSVs give.
    """
    cb = load_codebook()
    target.mkdir(parents=True, exist_ok=True)
    for path in export_files(source):
        raw = read_export(path, drop_personal=False)
        records = read_collector(path, cb)
        fixed = pd.DataFrame({name: raw[(name, "")].tolist() for name, _ in raw.columns if _ == ""})
        spss.write_coded(target / f"{path.stem}.sav", fixed, cb, records.records, records.lang)
    for extra in (source / "dataset.yml", source / "README.md"):  # the data still say what they are
        if extra.exists():
            (target / extra.name).write_bytes(extra.read_bytes())
    return target
