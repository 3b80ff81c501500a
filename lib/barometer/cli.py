"""Command line: ``summary [DATA]`` loads, validates and recodes the data; ``export [DATA] --out DIR``
writes the derived data for researchers (see :mod:`barometer.export`)."""

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


def export(data, out, findings=None, public=False) -> int:
    """Write the derived data; the estimates and tests come from the chapters' runs (run here if not given)."""
    import tempfile
    from pathlib import Path

    from . import export as derived
    from .notebook import run_chapters

    survey = load_survey(data)
    with tempfile.TemporaryDirectory() as tmp:
        if findings is None:
            findings = Path(tmp)
            run_chapters("nl", data, findings)
        files = derived.write(survey, Path(out), findings_dir=Path(findings), public=public)
    for path in files:
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="barometer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="load, validate and recode the data; print the counts")
    p.add_argument("data", nargs="?", default=str(paths.SYNTHETIC_RAW))
    p = sub.add_parser("export", help="write the derived data (respondents, weights, estimates, tests)")
    p.add_argument("data", nargs="?", default=str(paths.SYNTHETIC_RAW))
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--findings", help="a folder of the chapters' findings (default: run the chapters)")
    p.add_argument("--public", action="store_true", help="the disclosure-controlled version the site offers")
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            return export(args.data, args.out, args.findings, args.public)
        return summary(args.data)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
