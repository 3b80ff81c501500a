"""Self-check: recompute every published figure from the generated raw responses.

Applies the analysts' rules (cleaning of the raw rows of both collectors together, then
the figures of the sections sample, perception, implementation and management of
published_figures.yml) to the coded answers the generator is about to write, and lists
every difference. The generator refuses to write data that fail; the tests run the same
check on the files read back.

The rules are restated here independently of lib/barometer's analysis code on purpose:
the data are checked against the brief's rules, not against one implementation of them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd
from scipy.stats import chisquare

from barometer import layout
from barometer.codebook import Codebook
from barometer.frame import MunicipalityMatcher

from .targets import ceil1, exact, floor1, mean1, pct

TEST_RE = re.compile(r"^\s*(test|essai|proef)\b", re.IGNORECASE)
RESEARCH_PARTS = ("perception", "implementation", "management")
GROUPS = {"all": None, "flanders": ("region", "flanders"), "wallonia": ("region", "wallonia"),
          "brussels": ("region", "brussels"), "urban": ("urbanity", "urban"), "rural": ("urbanity", "rural")}
#: Published lists whose order carries no meaning.
UNORDERED = {"stakeholder_lower_than_regional", "obstacles_also_named", "strategic_management_by"}


@dataclass
class RawResponse:
    """One raw row of a collector export, in codebook terms (before layout encoding)."""

    respondent_id: str
    collector: str  # "nl" or "fr": the questionnaire's language
    start: dt.datetime
    end: dt.datetime
    answers: dict
    ip_address: str | None = None
    email_address: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    planted: str | None = None  # why this row is there beyond the kept ones (test, abandoned, duplicate)
    note: str | None = None  # what is special about it (cross-language, typed name...)
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- cleaning


def question_cells(codebook: Codebook, answers: dict, lang: str) -> dict[str, list]:
    """The export cells of each question, exactly as they will be written."""
    return {q.name: q.kind.cells(answers, lang) for q in codebook}


def answered(codebook: Codebook, answers: dict, lang: str) -> list[str]:
    """Names of the questions with at least one non-empty cell."""
    return [name for name, cells in question_cells(codebook, answers, lang).items()
            if any(c not in (None, "") for c in cells)]


def clean(rows: list[RawResponse], codebook: Codebook, matcher: MunicipalityMatcher):
    """(kept rows, {respondent_id: nis}, {respondent_id: reason}) under the three cleaning rules."""
    research = [q.name for q in codebook if q.part in RESEARCH_PARTS and not q.applies_if]
    analytic = {q.name for q in codebook if not q.personal}
    reasons: dict[str, str] = {}
    info = {}
    for r in rows:
        answer = r.answers.get("municipality")
        names = answered(codebook, r.answers, r.collector)
        if isinstance(answer, str) and TEST_RE.match(answer):
            reasons[r.respondent_id] = "test_response"
            continue
        if sum(n in names for n in research) < Fraction(len(research), 2):
            reasons[r.respondent_id] = "incomplete"
            continue
        nis = matcher.match(answer)
        if nis is None:
            raise AssertionError(f"respondent {r.respondent_id}: municipality {answer!r} not matched")
        info[r.respondent_id] = (nis, sum(n in analytic for n in names), r.end, int(r.respondent_id), r)
    by_nis: dict[str, list] = {}
    for rid, entry in info.items():
        by_nis.setdefault(entry[0], []).append(entry)
    kept, nis_of = [], {}
    for nis in sorted(by_nis):
        entries = sorted(by_nis[nis], key=lambda e: (e[1], e[2], e[3]), reverse=True)
        kept.append(entries[0][4])
        nis_of[entries[0][4].respondent_id] = nis
        for e in entries[1:]:
            reasons[e[4].respondent_id] = "duplicate"
    return kept, nis_of, reasons


# --------------------------------------------------------------------------- figures


class Figures:
    """The published figures computed from the kept responses, with the numbers behind them."""

    def __init__(self, kept: list[RawResponse], nis_of: dict, frame: pd.DataFrame, codebook: Codebook):
        self.codebook = codebook
        self.frame = frame.set_index("nis_code")
        self.kept = kept
        self.a = [r.answers for r in kept]
        self.region = [str(self.frame.at[nis_of[r.respondent_id], "region"]) for r in kept]
        self.urbanity = [str(self.frame.at[nis_of[r.respondent_id], "urbanity"]) for r in kept]
        self.nis = [nis_of[r.respondent_id] for r in kept]
        self.problems: list[str] = []

    def members(self, group: str) -> list[int]:
        spec = GROUPS[group]
        idx = range(len(self.a))
        if spec is None:
            return list(idx)
        attr = self.region if spec[0] == "region" else self.urbanity
        return [i for i in idx if attr[i] == spec[1]]

    def strict(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)

    # helpers
    def option_counts(self, question: str, group: str = "all") -> dict[str, int]:
        q = self.codebook[question]
        counts = {c: 0 for c in q.codes}
        for i in self.members(group):
            value = self.a[i].get(question)
            if value is None:
                continue
            for code in (value if isinstance(value, list) else [value]):
                counts[code] += 1
        return counts

    def base(self, question: str, group: str = "all") -> int:
        return sum(self.a[i].get(question) not in (None, []) for i in self.members(group))

    def item_means(self, question: str) -> dict[str, Fraction]:
        q = self.codebook[question]
        out = {}
        for code in q.item_codes:
            values = [a[question][code] for a in self.a if a.get(question) and code in a[question]]
            out[code] = Fraction(sum(values), len(values))
        return out

    @staticmethod
    def ranked(values: dict, *, descending: bool = True) -> list[str]:
        order = list(values)
        return sorted(values, key=lambda c: ((-values[c] if descending else values[c]), order.index(c)))

    def top_distinct(self, values: dict, k: int, what: str, gap=0, descending: bool = True) -> list[str]:
        ranked = self.ranked(values, descending=descending)
        for j in range(min(k, len(ranked) - 1)):
            diff = values[ranked[j]] - values[ranked[j + 1]]
            diff = diff if descending else -diff
            self.strict(diff > 0 and diff >= gap, f"{what}: ranks {j + 1} and {j + 2} not clearly apart "
                                                  f"({ranked[j]} {values[ranked[j]]}, {ranked[j + 1]} {values[ranked[j + 1]]})")
        return ranked

    # sections
    def sample(self) -> dict:
        n = len(self.a)
        frame = self.frame
        pop = [int(frame.at[nis, "population"]) for nis in self.nis]
        tests = {}
        for dim, column, cats in (("region", "region", ("flanders", "wallonia", "brussels")),
                                  ("urban_rural", "urbanity", ("urban", "rural")),
                                  ("size", "size_class", ("lt10k", "10k_20k", "20k_50k", "50k_100k", "gt100k"))):
            observed = [sum(str(frame.at[nis, column]) == c for nis in self.nis) for c in cats]
            expected = [n * float((frame[column] == c).mean()) for c in cats]
            tests[dim] = float(chisquare(observed, expected).pvalue)
        self.p_values = tests
        role = self.codebook["respondent_function"]
        base = self.base("respondent_function")
        dir_head = sum(a.get("respondent_function") in role.groups["director_or_head"] for a in self.a)
        n_bru = sum(r == "brussels" for r in self.region)
        total_bru = int((frame["region"] == "brussels").sum())
        return {
            "respondents": n,
            "response_rate_pct": pct(n, len(frame)),
            "over_100k": {"responded": sum(p > 100_000 for p in pop), "total": int((frame["population"] > 100_000).sum())},
            "over_50k": {"responded": sum(p > 50_000 for p in pop), "total": int((frame["population"] > 50_000).sum())},
            "brussels": {"responded": n_bru, "total": total_bru, "coverage_pct": pct(n_bru, total_bru)},
            "representative_by": [d for d, p in tests.items() if p >= 0.05],
            "respondent_role_director_or_head_pct": pct(dir_head, base),
        }

    def perception(self, published: dict) -> dict:
        views = self.option_counts("views")
        view_rank = self.top_distinct(views, 4, "q05 overall")[:3]
        top_by_group = {}
        for group in published["view_top_by_group"]:
            counts = self.option_counts("views", group)
            top_by_group[group] = self.top_distinct(counts, 1, f"q05 {group}")[0]
        for a in self.a:
            self.strict(len(a.get("views", [])) <= self.codebook["views"].max_choices, "q05: more than 3 choices")
        components = {}
        for group in published["components_top"]:
            firsts = {c: 0 for c in self.codebook["components"].item_codes}
            for i in self.members(group):
                ranks = self.a[i].get("components")
                if ranks:
                    self.strict(sorted(ranks.values()) == [1, 2, 3], "q07: not a full ranking")
                    firsts[min(ranks, key=ranks.get)] += 1
            components[group] = self.top_distinct(firsts, 1, f"q07 {group}")[0]
        q09 = self.codebook["concerned"]

        def share(group_name, group):
            counts = self.option_counts("concerned", group)
            return pct(sum(counts[c] for c in q09.groups[group_name]), self.base("concerned", group))

        return {
            "view_rank": view_rank,
            "view_top_by_group": top_by_group,
            "components_top": components,
            "concerned_pct": {g: share("concerned", g) for g in published["concerned_pct"]},
            "not_concerned_or_not_suitable_pct": {g: share("not_concerned_or_not_suitable", g)
                                                  for g in published["not_concerned_or_not_suitable_pct"]},
        }

    def implementation(self, published: dict) -> dict:
        projects = [p for a in self.a for p in a.get("projects", []) if any(v not in (None, "") for v in p.values())]
        dims = {c: 0 for c in [o.code for o in self.codebook["projects"].field("dimension").options]}
        inits = {c: 0 for c in [o.code for o in self.codebook["projects"].field("initiator").options]}
        for p in projects:
            if p.get("dimension"):
                dims[p["dimension"]] += 1
            if p.get("initiator"):
                inits[p["initiator"]] += 1
        with_init = sum(inits.values())
        self.strict(with_init == len(projects), "q13: a project without initiator")
        for a in self.a:
            listed = len(a.get("projects", []))
            if listed:
                self.strict(a.get("has_projects") == "yes", "q11: projects listed but q11 is not yes")
            if a.get("n_projects") is not None:
                self.strict(a["n_projects"] >= listed, "q12 smaller than the projects listed")
        # q14 mean ranks
        ranks = self.item_means("investment_priorities")
        priority = self.top_distinct(ranks, 3, "q14", gap=Fraction(3, 10), descending=False)[:3]
        # q15-q18
        public = self.item_means("stakeholders_public")
        public_rank = self.top_distinct(public, 4, "q15")
        self.strict(set(public_rank[:4]) == set(published["stakeholder_involvement_mean"]),
                    f"q15: top four are {public_rank[:4]}")
        regional = public["regional_government"]
        private = self.item_means("stakeholders_private")
        hi, lo = max(private, key=private.get), min(private, key=private.get)
        self.strict(all(Fraction(170, 100) <= m < Fraction(215, 100) for m in private.values()),
                    f"q16 means outside [1.70, 2.15): {private}")
        self.strict(Fraction(210, 100) <= private[hi] < Fraction(215, 100), "q16 highest not in [2.10, 2.15)")
        self.strict(Fraction(170, 100) <= private[lo] < Fraction(175, 100), "q16 lowest not in [1.70, 1.75)")
        self.strict(sum(m == private[hi] for m in private.values()) == 1, "q16: tie for the highest")
        self.strict(sum(m == private[lo] for m in private.values()) == 1, "q16: tie for the lowest")
        for question in ("stakeholders_societal", "stakeholders_scientific"):
            means = self.item_means(question)
            self.strict(all(Fraction(15, 10) <= m <= Fraction(24, 10) for m in means.values()),
                        f"{question}: means not low ({means})")
        q19 = self.codebook["difficulty"]
        values = [q19.option(a["difficulty"]).value for a in self.a if a.get("difficulty")]
        difficulty = Fraction(sum(values), len(values))
        obstacles = self.item_means("obstacles")
        obstacle_order = self.top_distinct(obstacles, 3, "q20", gap=Fraction(2, 10))
        self.strict(obstacles[obstacle_order[5]] - obstacles[obstacle_order[6]] >= Fraction(2, 10),
                    "q20: ranks 6 and 7 not clearly apart")
        tools = self.option_counts("awareness_tools")
        audiences = self.option_counts("awareness_audiences")
        return {
            "projects_total": len(projects),
            "projects_by_dimension": {d: dims[d] for d in published["projects_by_dimension"]},
            "investment_priority_rank": priority,
            "initiator_pct": {c: pct(inits[c], with_init) for c in published["initiator_pct"]},
            "stakeholder_involvement_mean": {c: mean1([public[c]]) for c in published["stakeholder_involvement_mean"]},
            "stakeholder_lower_than_regional": [c for c in public if public[c] < regional],
            "private_actors_mean_range": [floor1(private[lo]), ceil1(private[hi])],
            "private_actors_highest": {hi: mean1([private[hi]])},
            "private_actors_lowest": {lo: mean1([private[lo]])},
            "implementation_is_difficult": difficulty > 3,
            "obstacle_rank": obstacle_order[:3],
            "obstacles_also_named": obstacle_order[3:6],
            "awareness_tools_named": self.top_distinct(tools, 3, "q22", gap=2)[:3],
            "awareness_audiences_first": self.top_distinct(audiences, 3, "q23", gap=2)[:3],
        }

    def management(self, published: dict) -> dict:
        labels = self.option_counts("strategy_label")
        label_top = self.top_distinct(labels, 3, "q26")[:3]
        base26 = self.base("strategy_label")
        status = self.option_counts("strategy_status")
        strategic = self.option_counts("strategic_management")
        base29 = self.base("strategic_management")
        self.strict(all(2 * v != base29 for v in strategic.values()), "q29: an option at exactly half")
        operational = self.option_counts("operational_management")
        manager = {g: self.option_counts("smart_city_manager", g)["yes"] for g in published["smart_city_manager_n"]}
        dept = self.option_counts("manager_department")
        dedicated = self.option_counts("dedicated_department")
        for a in self.a:  # applies_if everywhere
            for q in self.codebook:
                if q.applies_if:
                    shown = all(a.get(other_q_name(self.codebook, k)) in v for k, v in q.applies_if.items())
                    if not shown:
                        self.strict(a.get(q.name) in (None, [], {}), f"{q.id} answered though not shown")
        return {
            "strategy_label_pct": {c: pct(labels[c], base26) for c in label_top},
            "smart_city_strategy_n": {c: status[c] for c in published["smart_city_strategy_n"]},
            "strategic_management_by": [c for c, v in strategic.items() if 2 * v > base29],
            "operational_management_by": self.top_distinct(operational, 1, "q30")[0],
            "smart_city_manager_n": manager,
            "manager_in_strategic_department_pct": pct(dept["strategic_department"], self.base("manager_department")),
            "dedicated_department_n": dedicated["yes"],
            "dedicated_department_planned_n": dedicated["no_planned"],
        }


def other_q_name(codebook: Codebook, qid: str) -> str:
    return codebook[qid].name


def compute(kept, nis_of, frame, codebook, targets) -> tuple[dict, list[str]]:
    """The figures of the target sections, and the list of strictness problems (ties, gaps...)."""
    f = Figures(kept, nis_of, frame, codebook)
    figures = {
        "sample": f.sample(),
        "perception": f.perception(targets["perception"]),
        "implementation": f.implementation(targets["implementation"]),
        "management": f.management(targets["management"]),
    }
    f.strict(f.p_values["size"] < 0.05, "sample: size classes look representative (p >= 0.05)")
    return figures, f.problems


def differences(computed, published, path: str = "") -> list[str]:
    """Every leaf where the computed figures differ from the published ones."""
    out = []
    key = path.rsplit(".", 1)[-1]
    if isinstance(published, dict):
        if not isinstance(computed, dict):
            return [f"{path}: computed {computed!r}, published {published!r}"]
        if list(computed) != list(published) and key in ("strategy_label_pct",):
            out.append(f"{path}: order {list(computed)} != published {list(published)}")
        if set(computed) != set(published):
            return out + [f"{path}: keys {sorted(computed)} != published {sorted(published)}"]
        for k in published:
            out += differences(computed[k], published[k], f"{path}.{k}" if path else k)
        return out
    if isinstance(published, list):
        comp = list(computed)
        if key in UNORDERED:
            ok = sorted(map(str, comp)) == sorted(map(str, published))
        else:
            ok = len(comp) == len(published) and all(not differences(c, p) for c, p in zip(comp, published))
        return [] if ok else [f"{path}: computed {comp!r}, published {published!r}"]
    if isinstance(published, bool) or isinstance(published, str):
        return [] if computed == published else [f"{path}: computed {computed!r}, published {published!r}"]
    if isinstance(published, (int, float)):
        try:
            same = exact(computed) == exact(published)
        except TypeError:
            same = False
        return [] if same else [f"{path}: computed {computed!r}, published {published!r}"]
    return [] if computed == published else [f"{path}: computed {computed!r}, published {published!r}"]


def verify(rows: list[RawResponse], frame: pd.DataFrame, codebook: Codebook, targets: dict,
           expected_reasons: dict[str, str] | None = None) -> dict:
    """Clean, compute and compare; raise AssertionError listing every problem. Returns the figures."""
    matcher = MunicipalityMatcher(frame)
    kept, nis_of, reasons = clean(rows, codebook, matcher)
    figures, problems = compute(kept, nis_of, frame, codebook, targets)
    for section in targets:
        problems += differences(figures[section], targets[section], section)
    if expected_reasons is not None and reasons != expected_reasons:
        problems.append(f"cleaning: excluded {reasons}, planted {expected_reasons}")
    if problems:
        raise AssertionError("the synthetic data do not reproduce the published figures:\n  " + "\n  ".join(problems))
    return figures


# --------------------------------------------------------------------------- reading an export back


def decode_export(df: pd.DataFrame, codebook: Codebook, lang: str) -> list[RawResponse]:
    """Coded answers from a read_export frame (the inverse of layout.encode_respondent), for the tests.

    Each question is decoded by its type, with free texts kept as typed (the planted stray spaces stay).
    """
    rows = []
    for _, rec in df.iterrows():
        answers: dict = {}
        for q in codebook:
            cells = {c: rec[c.header] for c in layout.question_columns(q, lang)}
            cells = {c: (None if pd.isna(v) else str(v)) for c, v in cells.items()}
            answer, other = q.kind.read(lang, cells, _refuse, text=str)
            if other is not None:
                answers[f"{q.name}__other"] = other
            if answer is not None:
                answers[q.name] = answer
        rows.append(RawResponse(
            respondent_id=str(rec[("respondent_id", "")]), collector=lang,
            start=pd.Timestamp(rec[("start_date", "")]).to_pydatetime(),
            end=pd.Timestamp(rec[("end_date", "")]).to_pydatetime(), answers=answers))
    return rows


def _refuse(column, problem: str, found, expected: str):
    raise ValueError(f"{column.header}: {problem}; found {found!r}; expected {expected}")
