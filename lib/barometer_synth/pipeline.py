"""Assemble the raw responses (kept ones plus the planted mess) and write the collector exports."""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from barometer import layout, paths
from barometer.codebook import Codebook, load_codebook
from barometer.frame import MunicipalityMatcher, load_frame
from barometer.surveymonkey import write_export

from . import texts
from .answers import OPEN_SHARE, AnswerBuilder, stream
from .check import RawResponse, verify
from .sample import FORCED, Composition, draw_municipalities, size_allocation, solve_composition
from .targets import load_targets

FILE_PATTERN = "smartcity-barometer-2016_SYNTHETIC_collector-{lang}.csv"
METADATA_FILE = "dataset.yml"
README_FILE = "README.md"
LANGS = ("nl", "fr")
#: One SurveyMonkey collector per questionnaire language (invented IDs).
COLLECTOR_IDS = {"nl": "93114821", "fr": "93115307"}
FIELDWORK = (dt.date(2016, 5, 2), dt.date(2016, 10, 28))
#: When responses came in: the Belfius mailing (May-June), summer, the partners' relaunch (Sept-Oct).
WAVES = [((dt.date(2016, 5, 2), dt.date(2016, 6, 30)), 0.55), ((dt.date(2016, 7, 1), dt.date(2016, 8, 31)), 0.15),
         ((dt.date(2016, 9, 1), dt.date(2016, 10, 28)), 0.30)]
DURATION_MIN = {"complete": (12, 40), "partial": (5, 14)}
#: Share of rows whose fixed columns carry a name and e-mail address (invented people).
NAMED_SHARE = 0.35
IP_RANGES = ("192.0.2", "198.51.100", "203.0.113")  # documentation ranges (RFC 5737)
#: How respondents typed their municipality: (kind, probability).
TYPING = [("as_is", 0.55), ("lower", 0.12), ("upper", 0.07), ("no_accents", 0.10), ("qualifier", 0.06),
          ("spaces", 0.05), ("nis_code", 0.05)]
ID_BASE = 4_762_000_000


@dataclass
class Result:
    """What generate() wrote and what it built in (for the README, the CLI and the tests)."""

    files: dict[str, Path]
    rows: list[RawResponse]
    composition: Composition
    figures: dict
    planted: dict[str, str]
    dropped_gt100k: list[str]


# --------------------------------------------------------------------------- typed names


_QUALIFIER = re.compile(r"\s*\([^()]*\)")


def _strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def typed_name(rng: np.random.Generator, muni: pd.Series, lang: str, matcher: MunicipalityMatcher,
               *, german: bool = False, kind: str | None = None) -> tuple[str, str]:
    """The municipality as a respondent types it in the collector's language, and how it was typed."""
    official = muni["name_de"] if german else muni[f"name_{lang}"]
    plain = _QUALIFIER.sub("", official).strip()
    if kind is None:
        kinds, probs = zip(*TYPING)
        kind = kinds[int(rng.choice(len(kinds), p=np.array(probs) / sum(probs)))]
    text = {
        "as_is": plain, "lower": plain.lower(), "upper": plain.upper(), "no_accents": _strip_accents(plain),
        "qualifier": official, "spaces": f" {plain}  ", "nis_code": muni["nis_code"],
    }[kind]
    if matcher.match(text) != muni["nis_code"]:
        text, kind = official, "qualifier"
        if matcher.match(text) != muni["nis_code"]:
            raise RuntimeError(f"the matcher does not find {official!r} ({muni['nis_code']})")
    return text, kind


# --------------------------------------------------------------------------- dates, people


def _weekdays(start: dt.date, end: dt.date) -> list[dt.date]:
    days, d = [], start
    while d <= end:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def draw_start(rng: np.random.Generator) -> dt.datetime:
    wave = int(rng.choice(len(WAVES), p=[p for _, p in WAVES]))
    days = _weekdays(*WAVES[wave][0])
    day = days[int(rng.integers(len(days)))]
    seconds = int(rng.integers(8 * 3600, 17 * 3600 + 1800))
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def duration(rng: np.random.Generator, kind: str) -> dt.timedelta:
    lo, hi = DURATION_MIN[kind]
    return dt.timedelta(seconds=int(rng.integers(lo * 60, hi * 60 + 1)))


def _ascii(text: str) -> str:
    return re.sub(r"[^a-z]", "", _strip_accents(text).lower())


def person(rng: np.random.Generator, lang: str) -> tuple[str, str]:
    first = texts.FIRST_NAMES[lang][int(rng.integers(len(texts.FIRST_NAMES[lang])))]
    last = texts.LAST_NAMES[lang][int(rng.integers(len(texts.LAST_NAMES[lang])))]
    return first, last


def email(first: str, last: str, rng: np.random.Generator) -> str:
    domain = "example.be" if rng.random() < 0.7 else "example.org"
    return f"{_ascii(first)}.{_ascii(last)}@{domain}"


def ip(rng: np.random.Generator) -> str:
    return f"{IP_RANGES[int(rng.integers(len(IP_RANGES)))]}.{int(rng.integers(1, 255))}"


# --------------------------------------------------------------------------- assembly


def _truncate(codebook: Codebook, answers: dict, last_id: str) -> dict:
    """The answers up to and including question ``last_id`` (a respondent who stopped there)."""
    keep = set()
    for q in codebook:
        keep.add(q.name)
        if q.id == last_id:
            break
    return {k: v for k, v in answers.items() if k.split("__")[0] in keep}


def build_rows(seed: int, codebook: Codebook, frame: pd.DataFrame, targets: dict):
    comp = solve_composition(frame, targets)
    counts, dropped = size_allocation(frame, comp, targets, stream(seed, "sample-size"))
    kept = draw_municipalities(frame, counts, dropped, stream(seed, "sample-draw"))
    builder = AnswerBuilder(kept, comp, targets, codebook, seed)
    answers = builder.build()
    matcher = MunicipalityMatcher(frame)
    rng = stream(seed, "rows")
    rows: list[RawResponse] = []
    for i, muni in kept.iterrows():
        lang = builder.lang[i]
        german = FORCED.get(muni["nis_code"]) == "german_speaking_fr"
        name, kind = typed_name(rng, muni, lang, matcher, german=german)
        a = {"municipality": name, **answers[i]}
        start = draw_start(rng)
        note = []
        if lang == "nl" and builder.cell[i][0] == "brussels":
            note.append("Brussels municipality answering the Dutch questionnaire")
        if FORCED.get(muni["nis_code"]) == "facilities_fr":
            note.append("Flemish municipality with language facilities answering in French")
        if german:
            note.append("German-speaking municipality answering the French questionnaire (German name)")
        rows.append(RawResponse(respondent_id="", collector=lang, start=start, end=start + duration(rng, "complete"),
                                answers=a, note="; ".join(note) or None,
                                extra={"nis_code": muni["nis_code"], "region": builder.cell[i][0], "typed": kind}))
    # Planted rows beyond the kept ones.
    mess = stream(seed, "mess")
    nl_rows = [r for r in rows if r.collector == "nl" and r.extra["region"] == "flanders"]
    fr_rows = [r for r in rows if r.collector == "fr" and r.extra["region"] == "wallonia"]
    # 1. A test response by the research team on the first morning, answered throughout.
    template = nl_rows[int(mess.integers(len(nl_rows)))]
    test_answers = copy.deepcopy(template.answers)
    test_answers["municipality"] = "Test SCI"
    test_answers.pop("contact_email", None)
    test_answers["comments"] = "Test van de vragenlijst, niet meetellen."
    start = dt.datetime(2016, 5, 2, 7, 52, 14)
    rows.append(RawResponse("", "nl", start, start + dt.timedelta(minutes=6, seconds=41), test_answers,
                            planted="test_response", note="test by the survey team (q01 'Test SCI')"))
    # 2. An abandoned response: q01-q05 then nothing, from a municipality not in the sample.
    outside = frame[(frame["region"] == "wallonia") & ~frame["nis_code"].isin(kept["nis_code"])].sort_values("nis_code")
    muni = outside.iloc[int(mess.integers(len(outside)))]
    template = fr_rows[int(mess.integers(len(fr_rows)))]
    name, _ = typed_name(mess, muni, "fr", matcher, kind="as_is")
    ab_answers = copy.deepcopy(_truncate(codebook, template.answers, "q05"))
    ab_answers["municipality"] = name
    start = draw_start(mess)
    rows.append(RawResponse("", "fr", start, start + duration(mess, "partial"), ab_answers, planted="incomplete",
                            note="abandoned after q05 (trailing empty cells)", extra={"nis_code": muni["nis_code"]}))
    # 3. A duplicate: a second, partial response (stopped after q20) for a kept Brussels
    #    municipality, in Dutch, finished later than the kept French one.
    bru_fr = [r for r in rows[:len(kept)] if r.collector == "fr" and r.extra["region"] == "brussels"
              and r.end.date() < dt.date(2016, 10, 1)]
    target = bru_fr[int(mess.integers(len(bru_fr)))]
    muni = frame[frame["nis_code"] == target.extra["nis_code"]].iloc[0]
    candidates = [r for r in nl_rows if r.answers.get("projects") and r.answers.get("own_definition")
                  and r.answers.get("dimensions_importance")]
    template = candidates[int(mess.integers(len(candidates)))]
    name, _ = typed_name(mess, muni, "nl", matcher, kind="as_is")
    dup_answers = copy.deepcopy(_truncate(codebook, template.answers, "q20"))
    dup_answers["municipality"] = name
    start = dt.datetime.combine(target.end.date() + dt.timedelta(days=int(mess.integers(3, 20))),
                                dt.time(int(mess.integers(9, 16)), int(mess.integers(60)), int(mess.integers(60))))
    if start.weekday() >= 5:
        start += dt.timedelta(days=7 - start.weekday())
    rows.append(RawResponse("", "nl", start, start + duration(mess, "partial"), dup_answers, planted="duplicate",
                            note=f"second, partial response for a kept municipality ({muni['nis_code']}), "
                                 "in the other language, finished later",
                            extra={"nis_code": muni["nis_code"], "duplicate_of": target}))
    # Respondent IDs rise with time across both collectors, as SurveyMonkey's do.
    order = sorted(range(len(rows)), key=lambda k: (rows[k].start, k))
    rid = ID_BASE
    for k in order:
        rid += int(mess.integers(200_000, 9_000_000))
        rows[k].respondent_id = str(rid)
    # Personal data: IP for all, invented names for some, a contact e-mail (q40) for some.
    people = stream(seed, "people")
    for r in sorted(rows, key=lambda x: int(x.respondent_id)):
        r.ip_address = ip(people)
        first, last = person(people, r.collector)
        if people.random() < NAMED_SHARE:
            r.first_name, r.last_name = first, last
            r.email_address = email(first, last, people)
        if r.planted is None and people.random() < OPEN_SHARE["contact_email"]:
            r.answers["contact_email"] = r.email_address or email(first, last, people)
    planted = {r.respondent_id: r.planted for r in rows if r.planted}
    return rows, comp, planted, dropped


# --------------------------------------------------------------------------- writing


def write_collector(path: Path, rows: list[RawResponse], codebook: Codebook, lang: str) -> None:
    rows = sorted(rows, key=lambda r: int(r.respondent_id))
    fixed = pd.DataFrame({
        "respondent_id": [r.respondent_id for r in rows],
        "collector_id": [COLLECTOR_IDS[lang]] * len(rows),
        "start_date": [r.start for r in rows],
        "end_date": [r.end for r in rows],
        "ip_address": [r.ip_address for r in rows],
        "email_address": [r.email_address for r in rows],
        "first_name": [r.first_name for r in rows],
        "last_name": [r.last_name for r in rows],
        "custom_data": [None] * len(rows),
    })
    columns = [c.header for c in layout.export_columns(codebook, lang)]
    cells = [layout.encode_respondent(codebook, r.answers, lang) for r in rows]
    write_export(path, fixed, columns, cells, layout="current", encoding="utf-8", newline="\r\n")


def metadata(seed: int) -> dict:
    return {
        "synthetic": True,
        "title": "Belgian Smart City barometer 2016 - SYNTHETIC SurveyMonkey exports (not real answers)",
        "description": (
            "SYNTHETIC reconstruction of the raw exports of the 2016 survey of the 589 Belgian municipalities "
            "(SurveyMonkey, Dutch and French collectors, May-October 2016). The original microdata are not "
            "public. These responses were generated to reproduce every figure of the published summary of the "
            "2017 report (data/published/published_figures.yml) under the compendium's cleaning and analysis "
            "rules, with plausible invented values where the summary is silent. They are not the answers of "
            "any municipality and must not be cited as survey results."
        ),
        "generator": "barometer_synth",
        "seed": int(seed),
        "collectors": {lang: FILE_PATTERN.format(lang=lang) for lang in LANGS},
        "format": "SurveyMonkey 'All individual responses' CSV, expanded columns, actual answer text, "
                  "current header layout, UTF-8, CRLF",
        "fieldwork": {"start": FIELDWORK[0].isoformat(), "end": FIELDWORK[1].isoformat()},
        "municipality_note": (
            "Answers are attached to real NIS codes of the 2016 frame only so that the frame (region, "
            "population, degree of urbanisation) can be joined; the answers themselves are invented. "
            "No table may list municipalities individually."
        ),
        "personal_data_note": "Names, e-mail and IP addresses in these files are invented (example.org / "
                              "example.be, RFC 5737 documentation ranges); the loader drops them.",
        "regenerate": "make data  (or: python -m barometer_synth)",
    }


def generate(out_dir: str | Path = paths.SYNTHETIC_RAW, seed: int = 2016, *, check: bool = True) -> Result:
    """Generate, self-check and write the synthetic exports, dataset.yml and README.md into ``out_dir``."""
    from .readme import render_readme

    codebook = load_codebook()
    frame = load_frame()
    targets = load_targets()
    rows, comp, planted, dropped = build_rows(seed, codebook, frame, targets)
    figures = verify(rows, frame, codebook, targets, expected_reasons=planted) if check else {}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for lang in LANGS:
        path = out / FILE_PATTERN.format(lang=lang)
        write_collector(path, [r for r in rows if r.collector == lang], codebook, lang)
        files[lang] = path
    meta_path = out / METADATA_FILE
    text = yaml.safe_dump(metadata(seed), sort_keys=False, allow_unicode=True, width=100)
    meta_path.write_bytes(("# SYNTHETIC data: see README.md. Written by `python -m barometer_synth`; "
                           "do not edit by hand.\n" + text).encode("utf-8"))
    files["metadata"] = meta_path
    result = Result(files=files, rows=rows, composition=comp, figures=figures, planted=planted,
                    dropped_gt100k=dropped)
    readme_path = out / README_FILE
    readme_path.write_bytes(render_readme(result, frame, seed).encode("utf-8"))
    files["readme"] = readme_path
    return result
