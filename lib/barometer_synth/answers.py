"""The coded answers of the kept respondents (codebook terms, see barometer.layout).

Every published figure is built in as an exact count or an exact sum (see the README's
list); where the summary is silent, the answers follow plausible choices stated here as
constants. Who gives which answer is drawn with seeded generators, weighted by a latent
"engagement" of each municipality (bigger and more concerned municipalities do more),
so the answers hang together: more projects, more involvement, a strategy, a manager.
"""

from __future__ import annotations

import zlib
from fractions import Fraction

import numpy as np
import pandas as pd

from barometer.codebook import Codebook

from . import texts
from .quota import assign_multi, assign_single, pick, values_with_sum
from .sample import BRUSSELS_IN_DUTCH, CELLS, FORCED, Composition
from .targets import pct

# --------------------------------------------------------------------------- choices where the summary is silent
# (each also listed in the README)

#: q02: how the non-director/head respondents split (directors/heads: the published 55%).
ROLE_SPLIT_DIRECTOR = {"general_director": 0.47, "head_of_department": 0.53}
ROLE_OTHERS = [("staff_member", 29), ("alderman", 8), ("mayor", 5), ("smart_city_officer", 5), ("other", 4)]

#: q05: share of respondents per cell choosing each view (the top three shape the published ranks).
VIEW_RATES = {
    "technological_challenge": {("flanders", "urban"): 0.43, ("flanders", "rural"): 0.67, ("wallonia", "urban"): 0.62,
                                ("wallonia", "rural"): 0.73, ("brussels", "urban"): 0.75},
    "opportunities_for_cities": {("flanders", "urban"): 0.63, ("flanders", "rural"): 0.42, ("wallonia", "urban"): 0.52,
                                 ("wallonia", "rural"): 0.38, ("brussels", "urban"): 0.50},
    "future_of_cities": {("flanders", "urban"): 0.48, ("flanders", "rural"): 0.33, ("wallonia", "urban"): 0.38,
                         ("wallonia", "rural"): 0.27, ("brussels", "urban"): 0.38},
    "sustainable_development": dict.fromkeys(CELLS, 0.25),
    "efficiency_gains": dict.fromkeys(CELLS, 0.20),
    "citizen_participation": dict.fromkeys(CELLS, 0.15),
    "marketing_concept": dict.fromkeys(CELLS, 0.08),
    "vague_concept": {("flanders", "urban"): 0.06, ("flanders", "rural"): 0.15, ("wallonia", "urban"): 0.08,
                      ("wallonia", "rural"): 0.15, ("brussels", "urban"): 0.0},
}

#: q05: how strongly the number of choices is evened out (lower: more 1-choice and 3-choice answers).
VIEW_BALANCE = 0.5

#: q07: share per cell ranking each component first (institutions: the rest).
COMPONENT_FIRST_RATES = {
    "people": {("flanders", "urban"): 0.56, ("flanders", "rural"): 0.33, ("wallonia", "urban"): 0.38,
               ("wallonia", "rural"): 0.31, ("brussels", "urban"): 0.50},
    "technology": {("flanders", "urban"): 0.22, ("flanders", "rural"): 0.50, ("wallonia", "urban"): 0.43,
                   ("wallonia", "rural"): 0.46, ("brussels", "urban"): 0.25},
}

#: q09: how "concerned" and "not concerned" split into the answer options.
CONCERNED_SPLIT = [("very_concerned", 0.4), ("rather_concerned", 0.6)]
NOT_CONCERNED_SPLIT = [("rather_not_concerned", 0.5), ("not_concerned", 0.25), ("not_suitable", 0.25)]

#: q08: mean importance of the six dimensions (before noise).
DIMENSION_IMPORTANCE = {"economy": 3.3, "environment": 4.1, "governance": 4.0, "mobility": 3.9, "people": 3.5,
                        "living": 3.8}

#: q13: respondents listing 5, 4, 3, 2, 1, 0 projects (adds up to the published 264 over 113).
PROJECTS_LISTED = [(5, 18), (4, 16), (3, 20), (2, 18), (1, 14), (0, 27)]
#: q13: the two dimensions the summary does not publish share the remaining 53 projects.
UNPUBLISHED_DIMENSIONS = {"economy": 29, "people": 24}
#: q13: initiator counts (the published 80/10/5/4 %), one project with "other".
INITIATORS = {"public": 211, "private": 27, "citizens": 14, "research": 11, "other": 1}
#: q11 for respondents listing no project.
NO_PROJECT_IN_PREPARATION = 11

#: q14: Plackett-Luce weights of the investment priorities.
PRIORITY_WEIGHTS = {"governance_and_e_services": 4.0, "energy_efficiency": 2.8, "sustainable_mobility": 2.0,
                    "digital_infrastructure": 1.2, "public_safety": 1.1, "economic_development": 1.0,
                    "social_inclusion": 0.8, "health_and_care": 0.7}
PRIORITY_SKIPPED = 4
RANK_GAP = Fraction(3, 10)

#: q15-q18, q20: item means built in as exact sums (published ones from the YAML).
PUBLIC_OTHER_MEANS = {"provincial_government": 1.9, "federal_government": 1.6}
PRIVATE_MEANS = {"consultants": 2.12, "multinationals": 1.72, "smes": 1.95, "startups": 1.78, "utilities": 2.03,
                 "banks": 1.84}
SOCIETAL_MEANS = {"citizens": 2.3, "citizen_groups": 2.0, "non_profits": 1.9, "media": 1.6}
SCIENTIFIC_MEANS = {"universities": 1.9, "research_centres": 1.7, "independent_experts": 2.1}
DIFFICULTY_MEAN = 3.6
OBSTACLE_MEANS = {"financial_resources": 4.3, "lack_of_expertise_in_administration": 3.9,
                  "mobilising_stakeholders": 3.6, "political_support": 3.15, "applying_new_technologies": 3.05,
                  "involving_citizens": 3.0, "legal_framework": 2.6, "data_privacy": 2.4}

#: q21-q23: awareness.
AWARENESS_NEEDED = [("essential", 68), ("useful", 40), ("not_needed", 5)]
AWARENESS_SKIPPED = 2
TOOLS = [("workshops", 66), ("information_sessions", 60), ("practical_guide", 55), ("training_courses", 44),
         ("online_platform", 35), ("study_visits", 24), ("newsletter", 12)]
TOOLS_OTHER_TEXT = 3
AUDIENCES = [("local_authorities", 78), ("public_organisations", 61), ("citizens", 54), ("businesses", 33),
             ("schools", 21), ("non_profits", 16)]

#: q24, q25.
COLLABORATION = [("yes", 34), ("planned", 27), ("no", 49)]
COLLABORATION_SKIPPED = 3
BUDGET_SHARE_ANSWERED = 70

#: q26: counts of the labels the summary does not publish (no_label takes the rest).
OTHER_LABELS = [("digital_city", 12), ("connected_city", 8), ("resilient_city", 4), ("creative_city", 3),
                ("other", 3)]
#: q27: the two statuses the summary does not publish (no_plans takes the rest).
STRATEGY_DONT_KNOW = 14
STRATEGY_DOCUMENT = [("yes", 12), ("in_preparation", 5), ("no", 4)]
#: q29: "nobody" is an exclusive answer; the other counts are over all q29 respondents.
STRATEGIC_NOBODY = 7
STRATEGIC = [("college_of_aldermen", 88), ("mayor", 80), ("municipal_council", 64), ("administration", 45),
             ("external_partner", 6)]
OPERATIONAL = [("administration", 60), ("college_of_aldermen", 21), ("mayor", 14), ("nobody", 8),
               ("external_partner", 6), ("municipal_council", 4)]
MANAGER_PLANNED = 28
MANAGER_DEPARTMENT_OTHERS = [("it_department", 3), ("communication", 1), ("sustainability", 1),
                             ("economic_development", 1), ("other", 1)]
MANAGER_FTE = [0.5, 1, 1, 1, 1.5, 2, 2, 3, 4]
PARTICIPATION_NONE = 20
PARTICIPATION = [("public_meetings", 55), ("online_consultation", 38), ("mobile_app", 20), ("citizen_panels", 14),
                 ("participatory_budget", 10)]
PARTICIPATION_SKIPPED = 5
OPEN_DATA = [("no", 66), ("planned", 27), ("yes", 16)]
OPEN_DATA_SKIPPED = 4
EVALUATION = [("sometimes", 52), ("never", 43), ("systematically", 12)]
EVALUATION_SKIPPED = 6
#: Share answering the optional open questions.
OPEN_SHARE = {"own_definition": 0.45, "expected_support": 0.40, "comments": 0.18, "contact_email": 0.55}


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible generator per purpose (changing one part leaves the others alone)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


def count_for_pct(target: int, n: int) -> int:
    """The count out of n closest to target % that rounds (half up) to target."""
    fits = [k for k in range(n + 1) if pct(k, n) == target]
    if not fits:
        raise ValueError(f"no count out of {n} rounds to {target}%")
    return min(fits, key=lambda k: (abs(Fraction(100 * k, n) - target), k))


def rate_count(rate: float, n: int) -> int:
    """round half up of rate x n."""
    return int(Fraction(repr(rate)) * n + Fraction(1, 2))


def spread(total: int, shares: list[tuple[str, float]]) -> list[tuple[str, int]]:
    """Split ``total`` over codes by shares, largest remainder (ties: listed order)."""
    raw = [(code, Fraction(repr(s)) * total) for code, s in shares]
    out = {code: int(x) for code, x in raw}
    left = total - sum(out.values())
    for code, x in sorted(raw, key=lambda t: -(t[1] - int(t[1])))[:left]:
        out[code] += 1
    return [(code, out[code]) for code, _ in shares]


class AnswerBuilder:
    """Builds the coded answers of the kept respondents, one question at a time."""

    def __init__(self, kept: pd.DataFrame, comp: Composition, targets: dict, codebook: Codebook, seed: int):
        self.kept = kept.reset_index(drop=True)
        self.comp, self.targets, self.codebook, self.seed = comp, targets, codebook, seed
        self.n = len(self.kept)
        self.ids = list(range(self.n))
        self.cell = [(str(r), str(u)) for r, u in zip(self.kept["region"], self.kept["urbanity"])]
        logpop = np.log(self.kept["population"].to_numpy(dtype=float))
        self.size_z = (logpop - logpop.mean()) / logpop.std()
        self.answers: list[dict] = [{} for _ in self.ids]
        self.lang = self._languages()

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name)

    def in_cell(self, cell) -> list[int]:
        return [i for i in self.ids if self.cell[i] == cell]

    def codes(self, question: str) -> list:
        return [a.get(question) for a in self.answers]

    # ------------------------------------------------------------------ structure
    def _languages(self) -> list[str]:
        lang = ["nl" if self.cell[i][0] == "flanders" else "fr" for i in self.ids]
        for i, code in enumerate(self.kept["nis_code"]):
            if code in FORCED:
                lang[i] = "fr"
        brussels = [i for i in self.ids if self.cell[i][0] == "brussels"]
        for i in pick(self.rng("brussels-in-dutch"), brussels, BRUSSELS_IN_DUTCH, [1.0] * len(brussels)):
            lang[i] = "nl"
        return lang

    def build(self) -> list[dict]:
        self.concerned()
        self.latent()
        self.projects()
        self.strategy_and_manager()
        self.profile()
        self.perception()
        self.implementation()
        self.management()
        self.closing()
        return self.answers

    def concerned(self) -> None:
        """q09: the solved counts per cell; bigger municipalities a little more concerned."""
        rng = self.rng("q09")
        self.status = {}
        for cell in CELLS:
            members = self.in_cell(cell)
            c, d, k = self.comp.concerned[cell]
            w = {i: float(np.exp(0.8 * self.size_z[i])) for i in members}
            got = assign_single(rng, members, [("c", c), ("d", d), ("k", k)],
                                lambda i, code: w[i] if code == "c" else 1.0)
            self.status.update(got)
        groups = {"c": CONCERNED_SPLIT, "d": NOT_CONCERNED_SPLIT}
        for status, split in groups.items():
            members = [i for i in self.ids if self.status[i] == status]
            got = assign_single(rng, members, spread(len(members), split),
                                lambda i, code: float(np.exp(0.5 * self.size_z[i])) if code in (
                                    "very_concerned", "rather_not_concerned") else 1.0)
            for i, code in got.items():
                self.answers[i]["concerned"] = code
        for i in self.ids:
            if self.status[i] == "k":
                self.answers[i]["concerned"] = "dont_know"

    def latent(self) -> None:
        rng = self.rng("engagement")
        bonus = {"c": 0.8, "k": -0.2, "d": -0.9}
        noise = rng.normal(0, 0.5, self.n)
        eng = np.array([0.6 * self.size_z[i] + bonus[self.status[i]] + noise[i] for i in self.ids])
        self.eng = (eng - eng.mean()) / eng.std()

    def w_eng(self, strength: float = 1.0):
        return lambda i, code=None: float(np.exp(strength * self.eng[i]))

    # ------------------------------------------------------------------ projects (q11-q13)
    def projects(self) -> None:
        impl = self.targets["implementation"]
        rng = self.rng("projects")
        total = sum(k * m for k, m in PROJECTS_LISTED)
        if total != impl["projects_total"] or sum(m for _, m in PROJECTS_LISTED) != self.n:
            raise ValueError("PROJECTS_LISTED does not give the published total over the kept respondents")
        score = self.eng + 0.5 * self.size_z + rng.normal(0, 0.5, self.n)
        order = sorted(self.ids, key=lambda i: (-score[i], i))
        self.n_projects = {}
        pos = 0
        for k, m in PROJECTS_LISTED:
            for i in order[pos:pos + m]:
                self.n_projects[i] = k
            pos += m
        # q11, q12
        zero = [i for i in self.ids if self.n_projects[i] == 0]
        prep = set(pick(rng, zero, NO_PROJECT_IN_PREPARATION, [float(np.exp(self.eng[i])) for i in zero]))
        for i in self.ids:
            k = self.n_projects[i]
            a = self.answers[i]
            if k:
                a["has_projects"] = "yes"
                extra = int(rng.poisson(1.0 + 3.0 * max(self.size_z[i], 0))) if k == 5 else int(rng.random() < 0.25)
                a["n_projects"] = k + extra
            else:
                a["has_projects"] = "in_preparation" if i in prep else "no"
                a["n_projects"] = 0
        # q13: dimensions and initiators shuffled over all projects
        dims = dict(impl["projects_by_dimension"])
        dims.update(UNPUBLISHED_DIMENSIONS)
        q13 = self.codebook["projects"]
        dim_codes = [o.code for o in q13.field("dimension").options]
        dim_list = [d for d in dim_codes for _ in range(dims[d])]
        init_list = [c for c, m in INITIATORS.items() for _ in range(m)]
        if len(dim_list) != total or len(init_list) != total:
            raise ValueError("dimension or initiator counts do not add up to the projects total")
        dim_list = [dim_list[j] for j in rng.permutation(total)]
        init_list = [init_list[j] for j in rng.permutation(total)]
        pos = 0
        for i in self.ids:
            k = self.n_projects[i]
            if not k:
                continue
            used: dict[str, list[str]] = {}
            projects = []
            for dim, init in zip(dim_list[pos:pos + k], init_list[pos:pos + k]):
                names = [n for n in texts.PROJECTS[dim][self.lang[i]] if n not in used.setdefault(dim, [])]
                name = names[int(rng.integers(len(names)))]
                used[dim].append(name)
                projects.append({"name": name, "dimension": dim, "initiator": init})
            self.answers[i]["projects"] = projects
            pos += k

    # ------------------------------------------------------------------ strategy and manager (q27, q28, q31-q33)
    def strategy_and_manager(self) -> None:
        mgmt = self.targets["management"]
        rng = self.rng("strategy")
        sn = mgmt["smart_city_strategy_n"]
        counts = [("has_strategy", sn["has_strategy"]), ("integrated_in_general_strategy", sn["integrated_in_general_strategy"]),
                  ("plans_one", sn["plans_one"]), ("dont_know", STRATEGY_DONT_KNOW)]
        counts.append(("no_plans", self.n - sum(m for _, m in counts)))
        strength = {"has_strategy": 1.5, "integrated_in_general_strategy": 1.0, "plans_one": 0.5, "dont_know": -0.5,
                    "no_plans": 0.0}
        got = assign_single(rng, self.ids, counts, lambda i, code: float(np.exp(strength[code] * self.eng[i])))
        for i, code in got.items():
            self.answers[i]["strategy_status"] = code
        with_strategy = [i for i in self.ids if got[i] in ("has_strategy", "integrated_in_general_strategy")]
        doc = assign_single(rng, with_strategy, STRATEGY_DOCUMENT,
                            lambda i, code: 3.0 if (code == "yes") == (got[i] == "has_strategy") else 1.0)
        for i, code in doc.items():
            self.answers[i]["strategy_document"] = code
        # q31: managers per region, as published
        rng = self.rng("manager")
        managers = mgmt["smart_city_manager_n"]
        if sum(managers[r] for r in ("flanders", "wallonia", "brussels")) != managers["all"]:
            raise ValueError("smart_city_manager_n: regions do not add up to all")
        self.managers = []
        for region in ("flanders", "wallonia", "brussels"):
            members = [i for i in self.ids if self.cell[i][0] == region]
            self.managers += pick(rng, members, managers[region],
                                  [float(np.exp(1.2 * self.eng[i] + 0.8 * self.size_z[i])) for i in members])
        self.managers.sort()
        rest = [i for i in self.ids if i not in set(self.managers)]
        planned = set(pick(rng, rest, MANAGER_PLANNED, [float(np.exp(0.7 * self.eng[i])) for i in rest]))
        for i in self.ids:
            self.answers[i]["smart_city_manager"] = "yes" if i in self.managers else (
                "no_planned" if i in planned else "no")
        n_strategic = count_for_pct(mgmt["manager_in_strategic_department_pct"], len(self.managers))
        dept = [("strategic_department", n_strategic)] + MANAGER_DEPARTMENT_OTHERS
        if sum(m for _, m in dept) != len(self.managers):
            raise ValueError("manager departments do not add up to the managers")
        got = assign_single(rng, self.managers, dept, lambda i, code: 1.0)
        for i, code in got.items():
            self.answers[i]["manager_department"] = code
            if code == "other":
                self.answers[i]["manager_department__other"] = texts.OTHER_DEPARTMENT[self.lang[i]][0]
            fte = MANAGER_FTE[min(len(MANAGER_FTE) - 1, max(0, int(rng.integers(0, 6) + 2 * self.size_z[i])))]
            self.answers[i]["manager_fte"] = fte

    # ------------------------------------------------------------------ profile (q02, q03)
    def profile(self) -> None:
        rng = self.rng("profile")
        target = self.targets["sample"]["respondent_role_director_or_head_pct"]
        n_dir = count_for_pct(target, self.n)
        counts = spread(n_dir, list(ROLE_SPLIT_DIRECTOR.items())) + ROLE_OTHERS
        if sum(m for _, m in counts) != self.n:
            raise ValueError("respondent roles do not add up")
        managers = set(self.managers)

        def weight(i, code):
            if code == "smart_city_officer":
                return 6.0 if i in managers else 1.0
            if code in ("mayor", "alderman"):
                return float(np.exp(-self.size_z[i]))  # politicians answer more in small municipalities
            return 1.0

        roles = assign_single(rng, self.ids, counts, weight)
        others = iter(rng.permutation(len(texts.OTHER_FUNCTION["nl"])).tolist() * 3)
        departments = {
            "general_director": ["general_management"] * 9 + ["political_office"],
            "mayor": ["political_office"], "alderman": ["political_office"],
            "smart_city_officer": ["general_management", "it", "it"],
            "head_of_department": ["it", "communication", "sustainability", "economy", "mobility", "general_management",
                                   "other"],
            "staff_member": ["it", "communication", "sustainability", "economy", "mobility", "general_management", "other"],
            "other": ["mobility", "sustainability", "other"],
        }
        skipped = set(pick(rng, self.ids, 3, [1.0] * self.n))
        for i in self.ids:
            a = self.answers[i]
            a["respondent_function"] = roles[i]
            if roles[i] == "other":
                a["respondent_function__other"] = texts.OTHER_FUNCTION[self.lang[i]][next(others)]
            if i not in skipped:
                options = departments[roles[i]]
                a["respondent_department"] = options[int(rng.integers(len(options)))]

    # ------------------------------------------------------------------ perception (q04-q10)
    def perception(self) -> None:
        rng = self.rng("perception")
        heard = {"c": [("yes_well", 0.7), ("yes_vaguely", 0.3)], "k": [("yes_well", 0.2), ("yes_vaguely", 0.6), ("no", 0.2)],
                 "d": [("yes_well", 0.3), ("yes_vaguely", 0.5), ("no", 0.2)]}
        skip_q04 = set(pick(rng, self.ids, 1, [1.0] * self.n))
        for i in self.ids:
            if i in skip_q04:
                continue
            codes, p = zip(*heard[self.status[i]])
            self.answers[i]["heard_of_concept"] = codes[int(rng.choice(len(codes), p=p))]
        # q05: counts per cell from VIEW_RATES, at most max_choices each
        q05 = self.codebook["views"]
        for cell in CELLS:
            members = self.in_cell(cell)
            counts = [(code, rate_count(VIEW_RATES[code][cell], len(members))) for code in q05.codes]
            got = assign_multi(rng, members, counts, lambda i, code: 1.0, cap=q05.max_choices, balance=VIEW_BALANCE)
            for i, codes in got.items():
                self.answers[i]["views"] = codes
        # q06: own definition (optional)
        for i in self.ids:
            share = OPEN_SHARE["own_definition"] * (1.3 if self.status[i] == "c" else 0.6)
            if rng.random() < share:
                options = texts.DEFINITIONS[self.lang[i]]
                self.answers[i]["own_definition"] = options[int(rng.integers(len(options)))]
        # q07: first-ranked component per cell, the other two in random order
        for cell in CELLS:
            members = self.in_cell(cell)
            counts = [(code, rate_count(COMPONENT_FIRST_RATES[code][cell], len(members))) for code in ("people", "technology")]
            counts.append(("institutions", len(members) - sum(m for _, m in counts)))
            first = assign_single(rng, members, counts, lambda i, code: 1.0)
            for i in members:
                rest = [c for c in ("technology", "people", "institutions") if c != first[i]]
                if rng.random() < 0.5:
                    rest.reverse()
                self.answers[i]["components"] = {first[i]: 1, rest[0]: 2, rest[1]: 3}
        # q08: importance of the six dimensions (a few skip it, a few skip an item)
        skip_all = set(pick(rng, self.ids, 3, [1.0] * self.n))
        skip_item = set(pick(rng, [i for i in self.ids if i not in skip_all], 4, [1.0] * (self.n - 3)))
        items = self.codebook["dimensions_importance"].item_codes
        for i in self.ids:
            if i in skip_all:
                continue
            ratings = {}
            for code in items:
                v = DIMENSION_IMPORTANCE[code] + 0.4 * self.eng[i] + rng.normal(0, 0.8)
                ratings[code] = int(np.clip(np.rint(v), 1, 5))
            if i in skip_item:
                del ratings[items[int(rng.integers(len(items)))]]
            self.answers[i]["dimensions_importance"] = ratings
        # q10: concept in the policy note
        skip_q10 = set(pick(rng, self.ids, 2, [1.0] * self.n))
        for i in self.ids:
            if i in skip_q10:
                continue
            has = self.answers[i]["strategy_status"] in ("has_strategy", "integrated_in_general_strategy")
            p_yes = 0.8 if has else (0.25 if self.status[i] == "c" else 0.05)
            u = rng.random()
            self.answers[i]["concept_in_policy"] = "yes" if u < p_yes else ("dont_know" if u < p_yes + 0.12 else "no")

    # ------------------------------------------------------------------ implementation (q14-q25)
    def implementation(self) -> None:
        impl = self.targets["implementation"]
        self._priorities(impl)
        rng = self.rng("stakeholders")
        public = dict(impl["stakeholder_involvement_mean"])
        public.update(PUBLIC_OTHER_MEANS)
        for question, means, link in (("stakeholders_public", public, 0.6), ("stakeholders_private", PRIVATE_MEANS, 0.4),
                                      ("stakeholders_societal", SOCIETAL_MEANS, 0.4),
                                      ("stakeholders_scientific", SCIENTIFIC_MEANS, 0.4)):
            items = self.codebook[question].item_codes
            if sorted(items) != sorted(means):
                raise ValueError(f"{question}: means given for {sorted(means)}, items are {sorted(items)}")
            for code in items:
                values = self._scale(rng, means[code], link)
                for i in self.ids:
                    self.answers[i].setdefault(question, {})[code] = int(values[i])
        # q19: difficulty
        q19 = self.codebook["difficulty"]
        by_value = {o.value: o.code for o in q19.options}
        for i, v in enumerate(self._scale(rng, DIFFICULTY_MEAN, -0.2, sd=0.9)):
            self.answers[i]["difficulty"] = by_value[int(v)]
        # q20: obstacles
        for code in self.codebook["obstacles"].item_codes:
            values = self._scale(rng, OBSTACLE_MEANS[code], -0.2, sd=0.9)
            for i in self.ids:
                self.answers[i].setdefault("obstacles", {})[code] = int(values[i])
        self._awareness()
        # q24, q25
        rng = self.rng("collaboration")
        answering = sorted(set(self.ids) - set(pick(rng, self.ids, COLLABORATION_SKIPPED, [1.0] * self.n)))
        counts = COLLABORATION[:-1] + [(COLLABORATION[-1][0], len(answering) - sum(m for _, m in COLLABORATION[:-1]))]
        got = assign_single(rng, answering, counts, lambda i, code: float(np.exp(self.eng[i] * (code != "no"))))
        for i, code in got.items():
            self.answers[i]["intermunicipal_collaboration"] = code
        share_w = [float(np.exp(0.8 * self.eng[i])) for i in self.ids]
        for i in pick(rng, self.ids, BUDGET_SHARE_ANSWERED, share_w):
            if self.n_projects[i] == 0:
                self.answers[i]["budget_share"] = 0
            else:
                self.answers[i]["budget_share"] = int(min(25, rng.choice([1, 1, 2, 2, 3, 5, 5, 8, 10, 15])))

    def _scale(self, rng, mean: float, link: float, sd: float = 1.0) -> np.ndarray:
        """1-5 ratings of all kept respondents whose mean is exactly round(mean x n) / n."""
        raw = mean + sd * (link * self.eng + np.sqrt(1 - link ** 2) * rng.normal(0, 1, self.n))
        target = int(Fraction(repr(mean)) * self.n + Fraction(1, 2))
        return values_with_sum(raw, target)

    def _priorities(self, impl) -> None:
        """q14: Plackett-Luce ranks, then swaps until the published order holds with clear gaps."""
        rng = self.rng("q14")
        items = self.codebook["investment_priorities"].item_codes
        skipped = set(pick(rng, self.ids, PRIORITY_SKIPPED, [1.0] * self.n))
        answering = [i for i in self.ids if i not in skipped]
        logw = np.log([PRIORITY_WEIGHTS[c] for c in items])
        ranks = {}
        for i in answering:
            keys = logw + rng.gumbel(size=len(items))
            order = np.argsort(-keys, kind="stable")
            ranks[i] = {items[j]: r + 1 for r, j in enumerate(order)}
        top = list(impl["investment_priority_rank"])
        rest = [c for c in items if c not in top]
        pairs = [(top[0], top[1]), (top[1], top[2])] + [(top[2], c) for c in rest]

        def mean(code):
            return Fraction(sum(ranks[i][code] for i in answering), len(answering))

        for _ in range(10_000):
            bad = [(a, b) for a, b in pairs if mean(a) + RANK_GAP > mean(b)]
            if not bad:
                break
            a, b = bad[0]
            swappable = [i for i in answering if ranks[i][a] > ranks[i][b]]
            i = swappable[int(rng.integers(len(swappable)))]
            ranks[i][a], ranks[i][b] = ranks[i][b], ranks[i][a]
        else:  # pragma: no cover
            raise RuntimeError("q14: the published order could not be reached")
        for i in answering:
            self.answers[i]["investment_priorities"] = ranks[i]

    def _awareness(self) -> None:
        rng = self.rng("awareness")
        got = assign_single(rng, self.ids, AWARENESS_NEEDED,
                            lambda i, code: float(np.exp(self.eng[i] * (1 if code == "essential" else -1 if code == "not_needed" else 0))))
        for i, code in got.items():
            self.answers[i]["awareness_needed"] = code
        pool = [i for i in self.ids if got[i] != "not_needed"]
        answering = sorted(set(pool) - set(pick(rng, pool, AWARENESS_SKIPPED, [1.0] * len(pool))))
        for question, counts in (("awareness_tools", TOOLS), ("awareness_audiences", AUDIENCES)):
            chosen = assign_multi(rng, answering, counts, lambda i, code: 1.0, balance=1.0)
            for i, codes in chosen.items():
                self.answers[i][question] = codes
        for k, i in enumerate(pick(rng, answering, TOOLS_OTHER_TEXT, [1.0] * len(answering))):
            options = texts.OTHER_TOOL[self.lang[i]]
            self.answers[i]["awareness_tools__other"] = options[k % len(options)]

    # ------------------------------------------------------------------ management (q26, q29, q30, q34-q37)
    def management(self) -> None:
        mgmt = self.targets["management"]
        rng = self.rng("management")
        labels = [(code, count_for_pct(p, self.n)) for code, p in mgmt["strategy_label_pct"].items()]
        labels += OTHER_LABELS
        labels.append(("no_label", self.n - sum(m for _, m in labels)))
        if labels[-1][1] >= labels[2][1]:
            raise ValueError("no_label would enter the published top three")

        def label_weight(i, code):
            a = self.answers[i]
            if code == "smart_city":
                return 4.0 if a["strategy_status"] == "has_strategy" else 1.0
            if code == "sustainable_city":
                return 1.0 + sum(p["dimension"] == "environment" for p in a.get("projects", []))
            if code == "no_label":
                return 3.0 if self.status[i] != "c" else 1.0
            return 1.0

        got = assign_single(rng, self.ids, labels, label_weight)
        other_texts = iter(rng.permutation(len(texts.OTHER_LABEL["nl"])).tolist() * 3)
        for i, code in got.items():
            self.answers[i]["strategy_label"] = code
            if code == "other":
                self.answers[i]["strategy_label__other"] = texts.OTHER_LABEL[self.lang[i]][next(other_texts)]
        # q29: strategic management (nobody is exclusive)
        nobody = pick(rng, self.ids, STRATEGIC_NOBODY, [float(np.exp(-self.eng[i])) for i in self.ids])
        for i in nobody:
            self.answers[i]["strategic_management"] = ["nobody"]
        others = [i for i in self.ids if i not in set(nobody)]
        got = assign_multi(rng, others, STRATEGIC, lambda i, code: 1.0, balance=1.0)
        order = self.codebook["strategic_management"].codes
        for i, codes in got.items():
            self.answers[i]["strategic_management"] = sorted(codes, key=order.index)
        got = assign_single(rng, self.ids, OPERATIONAL, lambda i, code: 1.0)
        for i, code in got.items():
            self.answers[i]["operational_management"] = code
        # q34: as published, nobody has or plans a dedicated department
        if mgmt["dedicated_department_n"] != 0 or mgmt["dedicated_department_planned_n"] != 0:
            raise ValueError("the generator assumes no dedicated department (published 0 and 0)")
        for i in self.ids:
            self.answers[i]["dedicated_department"] = "no"
        # q35: participation tools ("none" exclusive)
        answering = sorted(set(self.ids) - set(pick(rng, self.ids, PARTICIPATION_SKIPPED, [1.0] * self.n)))
        none = pick(rng, answering, PARTICIPATION_NONE, [float(np.exp(-self.eng[i])) for i in answering])
        for i in none:
            self.answers[i]["participation_tools"] = ["none"]
        rest = [i for i in answering if i not in set(none)]
        got = assign_multi(rng, rest, PARTICIPATION, lambda i, code: float(np.exp(0.5 * self.eng[i])), balance=1.0)
        order = self.codebook["participation_tools"].codes
        for i, codes in got.items():
            self.answers[i]["participation_tools"] = sorted(codes, key=order.index)
        # q36, q37
        for question, counts, skipped, sign in (("open_data", OPEN_DATA, OPEN_DATA_SKIPPED, "no"),
                                                ("project_evaluation", EVALUATION, EVALUATION_SKIPPED, "never")):
            answering = sorted(set(self.ids) - set(pick(rng, self.ids, skipped, [1.0] * self.n)))
            counts = counts[:-1] + [(counts[-1][0], len(answering) - sum(m for _, m in counts[:-1]))]
            got = assign_single(rng, answering, counts,
                                lambda i, code, s=sign: float(np.exp(-1.5 * self.eng[i] if code == s else 0.8 * self.eng[i])))
            for i, code in got.items():
                self.answers[i][question] = code

    # ------------------------------------------------------------------ closing (q38-q40)
    def closing(self) -> None:
        rng = self.rng("closing")
        for i in self.ids:
            lang = self.lang[i]
            if rng.random() < OPEN_SHARE["expected_support"]:
                self.answers[i]["expected_support"] = texts.SUPPORT[lang][int(rng.integers(len(texts.SUPPORT[lang])))]
            if rng.random() < OPEN_SHARE["comments"]:
                self.answers[i]["comments"] = texts.COMMENTS[lang][int(rng.integers(len(texts.COMMENTS[lang])))]
