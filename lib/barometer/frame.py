"""The sampling frame: the 589 Belgian municipalities of 2016.

The survey was sent to every municipality, so the frame is both the population the
results describe and the list respondents' answers must be matched to. It is read from
``data/reference/municipalities_2016.csv`` (public Statbel/Eurostat data, see the README
beside it) and enriched with the groupings the report compares: region, size class and
urban/rural.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import NoReturn

import pandas as pd
from unidecode import unidecode

from barometer import paths
from barometer.errors import InputError

N_MUNICIPALITIES = 589

#: Region codes (lower-case, used in code and catalogues) for the frame's English labels.
REGION_CODES = {"Flanders": "flanders", "Wallonia": "wallonia", "Brussels-Capital": "brussels"}
REGIONS = ("flanders", "wallonia", "brussels")

#: Size classes by legal population on 1 January 2016, smallest first, with their bounds as the
#: report words them (inhabitants; None: open): lt10k is P < 10,000, 10k_20k 10,000 <= P < 20,000,
#: 20k_50k 20,000 <= P <= 50,000, 50k_100k 50,000 < P <= 100,000, gt100k P > 100,000.
SIZE_BOUNDS = {"lt10k": (None, 10_000), "10k_20k": (10_000, 20_000), "20k_50k": (20_000, 50_000),
               "50k_100k": (50_000, 100_000), "gt100k": (100_000, None)}
SIZE_CLASSES = tuple(SIZE_BOUNDS)
#: The classes whose upper bound belongs to them ("more than 50,000" is P > 50,000).
_UPPER_BOUND_INCLUDED = ("20k_50k", "50k_100k")

URBANITY = ("urban", "rural")

_SOURCE_COLUMNS = {
    # column in the file -> column in the frame
    "nis_code": "nis_code",
    "name_nl": "name_nl",
    "name_fr": "name_fr",
    "name_de": "name_de",
    "arrondissement_code": "arrondissement_code",
    "arrondissement_nl": "arrondissement_nl",
    "arrondissement_fr": "arrondissement_fr",
    "province_code": "province_code",
    "province_nl": "province_nl",
    "province_fr": "province_fr",
    "region_code": "region_code",
    "region": "region_label",
    "region_nl": "region_nl",
    "region_fr": "region_fr",
    "population_2016_01_01": "population",
    "degurba_2014": "degurba",
    "degurba_2014_label": "degurba_label",
    "area_cadastral_km2_2011": "area_km2",
}

_NIS_RE = re.compile(r"[0-9]{5}")


def load_frame(path: str | Path = paths.FRAME_CSV) -> pd.DataFrame:
    """Read the 589-municipality frame, checked, one row per municipality (sorted by NIS code).

    Columns: ``nis_code`` (5-digit text), ``name_nl``/``name_fr``/``name_de`` (Statbel's
    REFNIS names, qualifiers such as "Hove (Antwerpen)" kept), arrondissement, province
    (missing for the 19 Brussels municipalities, which have none) and region codes and
    names, ``population`` (legal population on 1 January 2016, int), ``degurba``
    (Eurostat degree of urbanisation 2014: 1, 2 or 3), ``area_km2``, and the groupings:

    - ``region``: ordered categorical ``flanders`` / ``wallonia`` / ``brussels``
      (``region_label`` keeps the file's English label, e.g. "Brussels-Capital").
    - ``size_class``: ordered categorical on population P, bounds chosen so that the
      published "more than 100,000" means P > 100,000 and "more than 50,000" P > 50,000:
      ``lt10k`` P < 10,000; ``10k_20k`` 10,000 <= P < 20,000; ``20k_50k``
      20,000 <= P <= 50,000; ``50k_100k`` 50,000 < P <= 100,000; ``gt100k`` P > 100,000.
      (No municipality has exactly 10,000, 20,000, 50,000 or 100,000 inhabitants, so the
      side the bounds fall on does not change any count.)
    - ``urbanity``: ordered categorical ``urban`` / ``rural``. The report contrasts urban
      and rural municipalities without defining them; we use Eurostat's DEGURBA, the
      public classification of every LAU unit: urban = DEGURBA 1 (cities) or 2 (towns and
      suburbs), rural = DEGURBA 3 (thinly populated areas).

    Raises InputError naming the file, row and column when the file does not have this
    shape, so a replaced or edited frame cannot silently shift the analysis.
    """
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")

    missing = [c for c in _SOURCE_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            path,
            "missing column",
            column=missing[0],
            expected="the columns " + ", ".join(_SOURCE_COLUMNS),
        )
    raw = raw[list(_SOURCE_COLUMNS)].rename(columns=_SOURCE_COLUMNS)

    def fail(i: int, column: str, problem: str, expected: str) -> NoReturn:
        # i is the 0-based data row; +2 gives the spreadsheet row (the header is row 1).
        raise InputError(
            path, problem, row=i + 2, column=column, expected=expected, found=raw.iloc[i][_col(column)]
        )

    for i, code in enumerate(raw["nis_code"]):
        if not _NIS_RE.fullmatch(code):
            fail(i, "nis_code", "bad NIS code", "a 5-digit code such as 11002")
    duplicated = raw["nis_code"].duplicated()
    if duplicated.any():
        fail(int(duplicated.to_numpy().nonzero()[0][0]), "nis_code", "duplicate NIS code",
             "each municipality once")
    for column in ("name_nl", "name_fr", "name_de"):
        for i, name in enumerate(raw[column]):
            if not name.strip():
                fail(i, column, "empty name", "the municipality's name")
    for i, label in enumerate(raw["region_label"]):
        if label not in REGION_CODES:
            fail(i, "region", "unknown region", "one of " + ", ".join(REGION_CODES))
    for i, value in enumerate(raw["population"]):
        if not re.fullmatch(r"[0-9]+", value):
            fail(i, "population_2016_01_01", "bad population", "a whole number of inhabitants")
    for i, value in enumerate(raw["degurba"]):
        if value not in {"1", "2", "3"}:
            fail(i, "degurba_2014", "bad degree of urbanisation", "1, 2 or 3")
    if len(raw) != N_MUNICIPALITIES:
        raise InputError(
            path,
            "wrong number of municipalities",
            expected=f"{N_MUNICIPALITIES} rows, one per municipality of 2016",
            found=len(raw),
        )

    frame = raw.copy()
    for column in ("province_code", "province_nl", "province_fr"):
        frame[column] = frame[column].replace("", pd.NA)
    frame["population"] = frame["population"].astype("int64")
    frame["degurba"] = frame["degurba"].astype("int64")
    frame["area_km2"] = pd.to_numeric(frame["area_km2"], errors="coerce")
    frame["region"] = pd.Categorical(
        frame["region_label"].map(REGION_CODES), categories=REGIONS, ordered=True
    )
    frame["size_class"] = size_class(frame["population"])
    frame["urbanity"] = pd.Categorical(
        frame["degurba"].map({1: "urban", 2: "urban", 3: "rural"}), categories=URBANITY, ordered=True
    )
    return frame.sort_values("nis_code", ignore_index=True)


def _col(frame_column: str) -> str:
    """The frame's name of a file column (for error messages that show the value found)."""
    return _SOURCE_COLUMNS.get(frame_column, frame_column)


def size_class(population: pd.Series) -> pd.Series:
    """Size class of each population (bounds: SIZE_BOUNDS), as an ordered categorical."""
    # pd.cut's intervals are right-closed: (-1, 9999] = P < 10,000; (19999, 50000] = 20,000..50,000.
    uppers = [high if code in _UPPER_BOUND_INCLUDED else high - 1
              for code, (_, high) in SIZE_BOUNDS.items() if high is not None]
    bins = [-1, *uppers, float("inf")]
    return pd.cut(population, bins=bins, labels=list(SIZE_CLASSES), ordered=True)


_QUALIFIER_RE = re.compile(r"\(([^()]*)\)")


def normalise_name(text: str) -> str:
    """Key for comparing municipality names as people type them.

    Respondents write "LIEGE", "Liège", "Sint Jans-Molenbeek" or "Braine-l’Alleud"; the
    key ignores case, accents (transliterated by unidecode, so "ü" and "ue" differ, as
    "Lüttich"/"Luettich" would), apostrophes, hyphens, other punctuation and spaces, and
    drops Statbel's parenthesised qualifiers ("Hove (Antwerpen)" -> "hove").
    """
    if not isinstance(text, str):
        raise TypeError(f"a municipality name must be text, not {type(text).__name__}")
    return _key(_QUALIFIER_RE.sub(" ", text))


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unidecode(text).lower())


def _qualifier_key(text: str) -> str | None:
    """Normalised qualifier of a name ("Hove (Antwerpen)" -> "antwerpen"), None without one."""
    key = _key(" ".join(_QUALIFIER_RE.findall(text)))
    return key or None


class MunicipalityMatcher:
    """Finds the NIS code of a municipality written as a code or a name.

    Survey exports identify the municipality by whatever the respondent or the survey
    designer wrote: a NIS code, or a name in Dutch, French or German, in any case and with
    or without accents or Statbel's qualifier. Names that several municipalities share once
    normalised ("Saint-Nicolas" is the French name of Sint-Niklaas and the name of
    Saint-Nicolas near Liège) are resolved only by a qualifier that Statbel gives one of
    them in some language ("Saint-Nicolas (Liège)", "Saint-Nicolas (Luik)"); otherwise the
    match is refused rather than guessed. A qualifier on a name that is not shared is
    accepted whatever it says.
    """

    EXPECTED = "a NIS code or a Dutch/French/German name of one of the 589 municipalities of 2016"

    def __init__(self, frame: pd.DataFrame) -> None:
        self._codes = set(frame["nis_code"])
        self._by_name: dict[str, set[str]] = defaultdict(set)
        self._qualifiers: dict[str, set[str]] = defaultdict(set)
        for row in frame[["nis_code", "name_nl", "name_fr", "name_de"]].itertuples(index=False):
            for name in (row.name_nl, row.name_fr, row.name_de):
                if not isinstance(name, str) or not name.strip():
                    continue
                self._by_name[normalise_name(name)].add(row.nis_code)
                qualifier = _qualifier_key(name)
                if qualifier:
                    self._qualifiers[row.nis_code].add(qualifier)

    def match(self, text: object) -> str | None:
        """The NIS code for ``text``, or None when it names no municipality or several."""
        if text is None or (isinstance(text, float) and pd.isna(text)):
            return None
        if isinstance(text, float) and text.is_integer():
            text = int(text)  # a code read from a spreadsheet as a number: 11002.0
        if isinstance(text, int) and not isinstance(text, bool):
            text = f"{text:05d}"
        if not isinstance(text, str):
            return None
        stripped = text.strip()
        if _NIS_RE.fullmatch(stripped):
            return stripped if stripped in self._codes else None
        key = normalise_name(stripped)
        if not key:
            return None
        candidates = self._by_name.get(key, set())
        if len(candidates) == 1:
            return next(iter(candidates))
        qualifier = _qualifier_key(stripped)
        if len(candidates) > 1 and qualifier:
            chosen = {code for code in candidates if qualifier in self._qualifiers.get(code, ())}
            if len(chosen) == 1:
                return chosen.pop()
        return None

    def match_or_raise(
        self, text: object, path: str | Path | None, row: int | None, column: str | None
    ) -> str:
        """As match, but raises InputError naming the file, row and column when there is no match."""
        code = self.match(text)
        if code is None:
            raise InputError(
                path, "unknown municipality", row=row, column=column, expected=self.EXPECTED, found=text
            )
        return code
