"""The README written beside the synthetic exports, from the generator's own constants and results."""

from __future__ import annotations

from collections import Counter

import pandas as pd
from scipy.stats import chisquare

from . import answers as A
from . import pipeline as G
from .sample import BRUSSELS_IN_DUTCH, CELLS, PRIOR_CONCERNED, PRIOR_DONT_KNOW, SIZE_PROPENSITY


def _counts(pairs) -> str:
    return ", ".join(f"{code} {n}" for code, n in pairs)


def _means(means: dict) -> str:
    return ", ".join(f"{code} {m:.2f}" for code, m in means.items())


def render_readme(result, frame: pd.DataFrame, seed: int) -> str:
    comp = result.composition
    rows = result.rows
    kept = [r for r in rows if not r.planted]
    files = {lang: G.FILE_PATTERN.format(lang=lang) for lang in G.LANGS}
    position = {}
    for lang in G.LANGS:
        ordered = sorted((r for r in rows if r.collector == lang), key=lambda r: int(r.respondent_id))
        position.update({r.respondent_id: k + 3 for k, r in enumerate(ordered)})  # two header rows
    received = Counter(r.collector for r in rows)
    n = len(kept)

    cell_lines = []
    for cell in CELLS:
        c, d, k = comp.concerned[cell]
        cell_lines.append(f"| {cell[0]} | {cell[1]} | {comp.n[cell]} | {c} | {d} | {k} |")
    size_counts = Counter(str(frame.set_index("nis_code").at[r.extra["nis_code"], "size_class"]) for r in kept)
    classes = ("lt10k", "10k_20k", "20k_50k", "50k_100k", "gt100k")
    p_size = float(chisquare([size_counts.get(s, 0) for s in classes],
                             [n * float((frame["size_class"] == s).mean()) for s in classes]).pvalue)
    size_line = ", ".join(f"{s} {size_counts.get(s, 0)}" for s in ("lt10k", "10k_20k", "20k_50k", "50k_100k", "gt100k"))

    planted_lines = []
    why = {
        "test_response": "test response: q01 reads `Test SCI` (rule 1, test); otherwise answered throughout",
        "incomplete": "abandoned: q01-q05 answered, then trailing empty cells; a municipality not in the "
                      "kept set (rule 2, fewer than half of the research-part questions answered)",
        "duplicate": "second response for a kept Brussels municipality, typed in Dutch in the Dutch "
                     "collector while the kept one is French; stopped after q20 and finished later than the kept "
                     "one (rule 3: the more complete response wins even though this one is later)",
    }
    for r in sorted((r for r in rows if r.planted), key=lambda r: int(r.respondent_id)):
        planted_lines.append(f"| {r.respondent_id} | {r.collector} | {position[r.respondent_id]} | {why[r.planted]} |")
    typed = Counter(r.extra.get("typed") for r in kept)
    typing = ", ".join(f"{kind} {typed.get(kind, 0)}" for kind, _ in G.TYPING)
    cross = [r for r in kept if r.note]
    cross_lines = "\n".join(f"- respondent {r.respondent_id} ({r.collector} collector): {r.note}" for r in cross)

    private_sums = ", ".join(
        f"{code} {sum(r.answers['stakeholders_private'][code] for r in kept)}/{n} = "
        f"{sum(r.answers['stakeholders_private'][code] for r in kept) / n:.3f}"
        for code in ("consultants", "multinationals"))
    n_managers = sum(r.answers.get("smart_city_manager") == "yes" for r in kept)
    n_strategic = sum(r.answers.get("manager_department") == "strategic_department" for r in kept)
    dims = dict(result.figures["implementation"]["projects_by_dimension"]) if result.figures else {}
    dims.update(A.UNPUBLISHED_DIMENSIONS)

    return f"""# SYNTHETIC survey exports: NOT the answers of the 2016 barometer

> **These files are SYNTHETIC.** Every answer in them was invented by a program
> (`lib/barometer_synth`). The original microdata of the 2016 Belgian Smart City barometer
> (SurveyMonkey, 589 municipalities, May-October 2016, 113 usable responses) are not public.
> The synthetic responses reproduce the figures of the published summary (2017) under the
> compendium's rules, and nothing else: any other result computed from them (a cross-tab, a
> correlation, a municipality's answer) is an artefact of the generator, not a finding.
> **Never cite them as survey results, and no table may list municipalities individually.**

Answers are attached to real NIS codes of the 2016 frame only so that the frame (region,
population, degree of urbanisation) can be joined. A municipality named in these files did not
necessarily take part in the survey, and did not give the answers shown.

## Files

| file | what |
|---|---|
| `{files['nl']}` | Dutch collector: {received['nl']} raw responses |
| `{files['fr']}` | French collector: {received['fr']} raw responses |
| `dataset.yml` | machine-readable description (`synthetic: true`, seed, collectors) |
| `README.md` | this file |

Format: SurveyMonkey "All individual responses" CSV, expanded columns, actual answer text, the
current header layout (`Respondent ID, Collector ID, Start Date, End Date, IP Address, Email
Address, First Name, Last Name, Custom Data 1`, then the questions: question text in row 1 over
a question's first column, `Response` / `Open-Ended Response` / option / item / `Other (please
specify)` in row 2), UTF-8 without BOM, CRLF line ends, dates `MM/DD/YYYY hh:mm:ss AM/PM`. The
question columns are exactly `barometer.layout.export_columns(codebook, lang)`, written with
`barometer.surveymonkey.write_export`; wording and labels come from
`data/codebook/questionnaire.yml` (itself a reconstruction).

## How to regenerate

```sh
make data                      # or, in the environment:
python -m barometer_synth      # PYTHONPATH=lib if the package is not installed
```

Deterministic: seed {seed}, numpy `default_rng`, one independent stream per purpose; the same
code gives byte-identical files (`tests/test_synthetic.py` regenerates into a temporary folder
and compares bytes, so the committed files cannot drift from the generator). Before writing,
the generator applies the cleaning rules below to its own rows, recomputes every figure of the
sections `sample`, `perception`, `implementation` and `management` of
`data/published/published_figures.yml` and refuses to write if one differs
(`barometer_synth/check.py`). Only the generator and the reproduction check read that file.

## How they were made

### Cleaning rules the data are built for
Applied to the raw rows of both collectors together: (1) test responses (q01 matches
`^\\s*(test|essai|proef)\\b`, case-insensitive) are excluded; (2) responses answering fewer than
half of the questions of the parts perception, implementation and management (questions without
`applies_if`; a question counts as answered when any of its cells is non-empty) are excluded;
(3) several responses for one NIS code: the one with most answered questions is kept, then the
latest end date, then the highest respondent ID. {len(rows)} raw rows -> {n} kept.

### The sample ({n} municipalities)
The composition by region x urbanity (urban = DEGURBA 1-2, rural = DEGURBA 3) was solved, not
chosen by hand (`barometer_synth/sample.py`): among the compositions whose region and
urban/rural counts pass a chi-square goodness-of-fit test against the frame (p >= 0.05, the
summary calls the sample representative on both) and for which the q09 answers can make every
published "concerned" percentage round right (all 66, urban 77, Flanders 84, Brussels 88; not
concerned rural 34, Wallonia 45), the one closest to the frame's own region x urbanity
distribution was taken. The q09 answers per cell are the integer allocation closest to plausible
shares (concerned: {', '.join(f'{c[0]}/{c[1]} {p:.0%}' for c, p in PRIOR_CONCERNED.items())};
don't know: {', '.join(f'{c[0]}/{c[1]} {p:.0%}' for c, p in PRIOR_DONT_KNOW.items())}).
Don't-knows are needed: with them in the base, urban 77 %, all 66 % and rural 100 - 34 % cannot
all round right otherwise.

| region | urbanity | kept | q09 concerned | not concerned / not suitable | don't know |
|---|---|---|---|---|---|
{chr(10).join(cell_lines)}

Chi-square p-values: region {comp.p_region:.3f}, urban/rural {comp.p_urbanity:.3f} (both >= 0.05);
size class (5 classes) p = {p_size:.1e}: the big municipalities are over-represented, as published.
Size classes kept: {size_line}. All three Brussels municipalities above 100,000 inhabitants are
in; of the six others above 100,000 one, drawn by the seed, is left out (8 of 9). The 50,000-100,000
class gets {size_counts.get('50k_100k', 0)} municipalities, split over the cells in proportion to
the frame (23 of 31 above 50,000). The rest of each cell is split over the classes below 50,000 in
proportion to the frame's count times a response propensity
({', '.join(f'{k} {v}' for k, v in SIZE_PROPENSITY.items())}) and drawn uniformly at random
within each region x urbanity x size cell. Two municipalities are drawn in any case, to plant
cross-language respondents (below).

### Published figures built in exactly
Every figure is built as an exact count or an exact sum (never left to chance):
respondent role 55 % (q02: general director or head of department); q05 views (counts per cell:
technological challenge first overall and in rural, Brussels and Walloon municipalities,
opportunities first in urban and Flemish ones; no ties in the top 4 or for a group's first place;
at most 3 choices); q07 first-ranked component per cell (people overall, technology in rural and
Walloon municipalities); q09 as above; 264 projects (q13) with dimensions
{', '.join(f'{k} {v}' for k, v in dims.items())} and initiators
{', '.join(f'{k} {v}' for k, v in A.INITIATORS.items())} (every project has an initiator: 80/10/5/4 %);
q14 mean ranks (Plackett-Luce draws, then swaps until governance < energy < mobility < the rest
with gaps of at least 0.3); item means of q15-q18, q19 and q20 as exact sums over the 113
respondents; q22 and q23 counts; q26, q27, q29, q30, q31, q32 and q34 counts.

### Choices where the summary is silent (plausible, invented)
- q02: directors/heads split {', '.join(f'{k} {v:.0%}' for k, v in A.ROLE_SPLIT_DIRECTOR.items())};
  the others {_counts(A.ROLE_OTHERS)} (4 "other" with a typed function); smart city officers
  mostly where a Smart City Manager exists, mayors and aldermen mostly in small municipalities.
- q03 department follows the function (3 respondents skip it). q04 heard of the concept: mostly
  "yes, well" among the concerned (1 skip).
- q05 options beyond the top three: shares per respondent sustainable development 0.25, efficiency
  gains 0.20, citizen participation 0.15, marketing concept 0.08, vague concept 0.06-0.15
  (more in rural cells); 1 to 3 choices each.
- q06 own definition: about {A.OPEN_SHARE['own_definition']:.0%} answer (more among the concerned), short
  templates in the collector's language. q38 expected support about
  {A.OPEN_SHARE['expected_support']:.0%}, q39 comments about {A.OPEN_SHARE['comments']:.0%}.
- q07 ranks 2 and 3: the two other components in random order.
- q08 importance of the six dimensions: means before noise {_means(A.DIMENSION_IMPORTANCE)}
  (3 respondents skip the question, 4 skip one item).
- q09: concerned split very 40 % / rather 60 %; not concerned split rather not 50 %, not at all
  25 %, not suitable 25 %.
- q10 concept in the policy note: mostly yes where there is a strategy (2 skips).
- q11-q12: respondents listing 5/4/3/2/1/0 projects: {_counts(A.PROJECTS_LISTED)} (by a score of
  size and engagement); listing projects means q11 = yes; of those listing none,
  {A.NO_PROJECT_IN_PREPARATION} answer "in preparation", the others "no"; q12 = projects listed plus
  a few more (more in big municipalities), 0 without projects.
- q13: economy and people, unpublished, share the remaining 53 projects as
  {', '.join(f'{k} {v}' for k, v in A.UNPUBLISHED_DIMENSIONS.items())}; one project has initiator
  "other"; project names from templates per dimension in the collector's language.
- q14: {A.PRIORITY_SKIPPED} respondents skip the ranking (mean ranks over those who ranked).
- q15 provincial and federal means {_means(A.PUBLIC_OTHER_MEANS)}; q16 means {_means(A.PRIVATE_MEANS)}
  (as exact sums: {private_sums};
  the published range 1.7-2.2 is the min floored and the max ceiled to one decimal, a documented
  oddity of the source); q17 {_means(A.SOCIETAL_MEANS)}; q18 {_means(A.SCIENTIFIC_MEANS)}.
- q19 difficulty mean {A.DIFFICULTY_MEAN} (rather difficult). q20 obstacle means {_means(A.OBSTACLE_MEANS)}.
- q21 {_counts(A.AWARENESS_NEEDED)}; q22/q23 answered by those who find awareness needed
  ({A.AWARENESS_SKIPPED} skip): tools {_counts(A.TOOLS)}, {A.TOOLS_OTHER_TEXT} "other" texts;
  audiences {_counts(A.AUDIENCES)}.
- q24 {_counts(A.COLLABORATION)} ({A.COLLABORATION_SKIPPED} skip, "no" takes the rest); q25 budget share
  answered by {A.BUDGET_SHARE_ANSWERED} (0 % without projects, mostly 1-5 % otherwise).
- q26 labels beyond the top three: {_counts(A.OTHER_LABELS)} (3 with a typed label), "no label" the rest.
- q27 don't know {A.STRATEGY_DONT_KNOW}, "no plans" the rest; q28 (only where q27 is a strategy or
  integrated): {_counts(A.STRATEGY_DOCUMENT)}.
- q29: "nobody" is exclusive ({A.STRATEGIC_NOBODY}); the others {_counts(A.STRATEGIC)} (only mayor,
  college and council above half). q30 {_counts(A.OPERATIONAL)}.
- q31 "no, but planned" {A.MANAGER_PLANNED}, "no" the rest. q32 (only managers): strategic department
  {n_strategic} of {n_managers}, then {_counts(A.MANAGER_DEPARTMENT_OTHERS)} (1 typed department). q33 FTE 0.5-4.
- q34: everybody "no" (published: none has or plans a dedicated department).
- q35 participation tools: "none" exclusive ({A.PARTICIPATION_NONE}), {_counts(A.PARTICIPATION)}
  ({A.PARTICIPATION_SKIPPED} skip). q36 {_counts(A.OPEN_DATA)}, q37 {_counts(A.EVALUATION)} (last
  option takes the rest; {A.OPEN_DATA_SKIPPED} and {A.EVALUATION_SKIPPED} skip).
- q40 contact e-mail: about {A.OPEN_SHARE['contact_email']:.0%} of respondents (personal, dropped on loading).
- Dates: start between 2016-05-02 and 2016-10-28 on weekdays 08:00-17:30, in three waves (May-June
  55 %, July-August 15 %, September-October 30 %), complete responses take 12-40 minutes, partial
  ones 5-14. Respondent IDs: 10-digit strings rising with the start time across both collectors;
  one collector ID per collector ({', '.join(f'{k} {v}' for k, v in G.COLLECTOR_IDS.items())}).
- Engagement: a latent score per municipality (size and q09 answer plus noise) weights who has more
  projects, a strategy, a manager, higher involvement ratings; this makes the answers hang together
  but is not a finding.

## Realistic mess (the cleaning must handle it)

Planted rows ({len(result.planted)} beyond the {n} kept; spreadsheet rows count the two header rows):

| respondent ID | collector | row | why |
|---|---|---|---|
{chr(10).join(planted_lines)}

Cross-language respondents among the kept ({len(cross)}): Brussels municipalities mostly answer in
French, {BRUSSELS_IN_DUTCH} in Dutch; one Flemish municipality with language facilities answers the
French questionnaire with its French name; one municipality of the German-speaking Community
answers the French questionnaire with its German name.
{cross_lines}

Municipality names as people type them, in the collector's language (all matched by
`barometer.frame.MunicipalityMatcher`, which the generator checks row by row): {typing}
("qualifier" = with Statbel's parenthesised qualifier, "spaces" = stray spaces, "nis_code" =
the NIS code instead of a name).

Item non-response on questions whose published figure does not depend on it (q03, q04, q06, q08,
q10, q14, q22-q25, q35-q40) and none on the other target questions. "Other (please specify)"
texts on q02, q22, q26 and q32. Questions with `applies_if` (q28, q32, q33) are answered only by
those they apply to.

Personal data, to prove the loader drops them: IP addresses from the documentation ranges
192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 in every row; invented first and last names with
`@example.be` / `@example.org` e-mail addresses in about {G.NAMED_SHARE:.0%} of the rows; custom data
empty; a contact e-mail in q40 for some respondents. The names are made up (no real person's name).
"""
