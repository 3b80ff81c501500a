"""The one place for the compendium's paths, so notebooks and scripts never guess."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DATA = ROOT / "data"
CODEBOOK = DATA / "codebook" / "questionnaire.yml"
REFERENCE = DATA / "reference"
FRAME_CSV = REFERENCE / "municipalities_2016.csv"
BOUNDARIES_GEOJSON = REFERENCE / "be_municipalities_589_statbel2011_simplified.geojson"
RAW = DATA / "raw"
SYNTHETIC_RAW = RAW / "synthetic"
PUBLISHED = DATA / "published"
PUBLISHED_FIGURES = PUBLISHED / "published_figures.yml"
DERIVED = DATA / "derived"

NOTEBOOKS = ROOT / "notebooks"
CATALOGUES = ROOT / "lib" / "barometer" / "catalogues"
BOOK = ROOT / "book"
BUILD = ROOT / "build"
FINDINGS = BUILD / "findings"
FIGURES = BUILD / "figures"
