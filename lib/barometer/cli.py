"""Command line: ``python -m barometer.cli summary [DATA]`` loads, validates and recodes the data."""

from __future__ import annotations

import argparse
import sys

from . import paths
from .errors import InputError
from .survey import load_survey


def summary(data) -> int:
    survey = load_survey(data)
    kind = "SYNTHETIC reconstruction" if survey.synthetic else "survey export"
    print(f"data: {data} ({kind})")
    for name, digest in survey.metadata.get("sources", {}).items():
        print(f"  {name}  sha256 {digest[:16]}")
    print(survey.exclusion_counts().to_string())
    print(f"kept municipalities: {survey.n}")
    print(f"projects described: {len(survey.projects)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="barometer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="load, validate and recode the data; print the counts")
    p.add_argument("data", nargs="?", default=str(paths.SYNTHETIC_RAW))
    args = parser.parse_args(argv)
    try:
        return summary(args.data)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
