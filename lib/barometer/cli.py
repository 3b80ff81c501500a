"""Command line: ``summary [DATA]`` loads, validates and recodes the data; ``export [DATA] --out DIR``
writes the derived data for researchers (see :mod:`barometer.export`); ``align EXPORTS --out FILE``
proposes how exports worded otherwise map onto the codebook (see :mod:`barometer.align`)."""

from __future__ import annotations

import argparse
import sys
import textwrap

from . import paths
from .errors import InputError
from .survey import load_survey
from .surveymonkey import is_personal


def summary(data, describe: bool = False) -> int:
    survey = load_survey(data)
    kind = "SYNTHETIC reconstruction" if survey.synthetic else "survey export"
    print(f"data: {data} ({kind})")
    for name, digest in survey.metadata.get("sources", {}).items():
        print(f"  {name}  sha256 {digest[:16]}")
        if describe:
            print(textwrap.indent(described(survey, name), "    "))
    print(survey.exclusion_counts().to_string())
    print(f"kept municipalities: {survey.n}")
    print(f"projects described: {len(survey.projects)}")
    return 0


#: How each header layout is said by ``summary --describe``.
LAYOUT_TEXT = {
    "current": "current header generation (Respondent ID, Start Date...)",
    "legacy": "legacy header generation (RespondentID, StartDate...)",
    "mixed": "fixed columns named in both header generations",
    "unspecified": "fixed columns common to both header generations",
    "none": "no fixed columns",
    "spss": "variables q0001... in the questionnaire's order",
}


def described(survey, source: str) -> str:
    """What was recognised in one export: layout, fixed columns, language, questions and how, respondents."""
    r = survey.metadata["reading"][source]
    title = f"{r['title_rows']} title row(s) above the headers" if r["title_rows"] else "no title row"
    answers = {"numeric": "numerical values, read through the codebook's answer order", "text": "answer text",
               "value labels": "answer codes with value labels"}.get(r["answers"], r["answers"])
    fixed = [name for canonical, name in r["fixed_columns"].items() if not is_personal(canonical)]
    personal = [name for canonical, name in r["fixed_columns"].items() if is_personal(canonical)]
    lines = [f"layout: {r['format']}, {LAYOUT_TEXT.get(r['layout'], r['layout'])}; {title}; {answers}",
             f"fixed columns: {', '.join(fixed) or 'none'}"
             + (f" (personal, dropped: {', '.join(personal)})" if personal else ""),
             f"respondent identity: {r['identity']}",
             f"language: {r['language']}"]
    hows: dict[str, list[str]] = {}
    for name, how in r["questions"].items():
        own = r["names"].get(name) if how else None
        hows.setdefault(how or "not in the export (not available)", []).append(f"{name} ({own})" if own else name)
    found = sum(how is not None for how in r["questions"].values())
    lines.append(f"questions matched: {found} of {len(r['questions'])}")
    lines += [textwrap.fill(f"{how}: {', '.join(names)}", 100, initial_indent="  ", subsequent_indent="    ")
              for how, names in hows.items()]
    if r["unknown"]:
        lines.append(textwrap.fill("not in the codebook (listed, not read): " + "; ".join(r["unknown"]), 100,
                                   initial_indent="  ", subsequent_indent="    "))
    log = survey.log[survey.log["source"] == source]
    lines.append(f"respondents: {len(log)} received, {int((log['status'] == 'kept').sum())} kept")
    for (reason, text), n in log.dropna(subset=["reason"]).groupby(["reason", "reason_text"]).size().items():
        lines.append(f"  excluded, {reason}: {n} ({text})")
    return "\n".join(lines)


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


def align(exports: list[str], out: str) -> int:
    """Propose how exports worded otherwise map onto the codebook; write the mapping, print a report."""
    from pathlib import Path

    from . import align as aligning
    from .codebook import load_codebook
    from .survey import export_files

    codebook = load_codebook()
    files = [f for source in exports for f in export_files(Path(source))]
    for f in files:
        if f.suffix.lower() == ".sav":
            print(f"{f.name}: not aligned: an SPSS export is matched by its variables' positions, not by wording")
    files = [f for f in files if f.suffix.lower() != ".sav"]
    if not files:
        raise InputError(Path(exports[0]), "no CSV or XLSX export to align", expected="SurveyMonkey .csv or .xlsx exports")
    alignments = aligning.align(files, codebook)
    path = aligning.write_mapping(out, alignments, codebook)
    print(aligning.report(alignments))
    print(f"written: {path} (review it, then keep it beside the exports as {aligning.MAPPING_FILE})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="barometer", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="load, validate and recode the data; print the counts")
    p.add_argument("data", nargs="?", default=str(paths.SYNTHETIC_RAW))
    p.add_argument("--describe", action="store_true",
                   help="also say how each export was read: layout, fixed columns, language, questions, respondents")
    p = sub.add_parser("export", help="write the derived data (respondents, weights, estimates, tests)")
    p.add_argument("data", nargs="?", default=str(paths.SYNTHETIC_RAW))
    p.add_argument("--out", required=True, help="folder to write into")
    p.add_argument("--findings", help="a folder of the chapters' findings (default: run the chapters)")
    p.add_argument("--public", action="store_true", help="the disclosure-controlled version the site offers")
    p = sub.add_parser("align", help="propose how exports worded otherwise map onto the codebook (mapping.yml)")
    p.add_argument("exports", nargs="+", help="export files or folders (CSV, XLSX)")
    p.add_argument("--out", required=True, help="the mapping file to write (keep it beside the exports as mapping.yml)")
    args = parser.parse_args(argv)
    try:
        if args.command == "export":
            return export(args.data, args.out, args.findings, args.public)
        if args.command == "align":
            return align(args.exports, args.out)
        return summary(args.data, args.describe)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
