"""The three dependency files agree, so pip, conda/Binder and the lock build the same environment.

requirements.txt holds the top-level pins, environment.yml repeats them for conda users, and
constraints.txt (the full `pip freeze`) locks every package; a pin changed in one file and
not the others would make "reproducible" depend on how one installs.
"""

from __future__ import annotations

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from barometer.paths import ROOT

REQUIREMENTS = ROOT / "requirements.txt"
CONSTRAINTS = ROOT / "constraints.txt"
ENVIRONMENT = ROOT / "environment.yml"

#: Held below a major version on purpose (see requirements.txt), so "<" is allowed as well as "==".
UPPER_BOUND_ALLOWED = {"snowballstemmer"}


def _requirement_lines(lines) -> list[str]:
    """Requirement strings of a pip file, without comments, blank lines and options."""
    out = []
    for line in lines:
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith("-"):
            continue
        out.append(line)
    return out


def _key(requirement: Requirement) -> tuple[str, str, str]:
    return (canonicalize_name(requirement.name), str(requirement.specifier), str(requirement.marker or ""))


@pytest.fixture(scope="module")
def requirements() -> list[Requirement]:
    return [Requirement(line) for line in _requirement_lines(REQUIREMENTS.read_text().splitlines())]


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text())


@pytest.fixture(scope="module")
def lock() -> dict[str, str]:
    """Package -> version of constraints.txt (every line must be `name==version`)."""
    pins = {}
    for line in _requirement_lines(CONSTRAINTS.read_text().splitlines()):
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"constraints.txt: {line!r} is not an exact pin"
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"constraints.txt: {name} pinned twice"
        pins[name] = specifier.version
    return pins


def _pip_section(environment: dict) -> list[str]:
    sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(sections) == 1, "environment.yml must have exactly one pip: section"
    return sections[0]


def test_requirements_are_unique(requirements):
    names = [canonicalize_name(r.name) for r in requirements]
    assert len(names) == len(set(names))


def test_environment_yml_pins_what_requirements_txt_pins(requirements, environment):
    pip = _pip_section(environment)
    assert "-e ." in pip, "environment.yml must install the project itself (-e .)"
    yml = {_key(Requirement(line)) for line in _requirement_lines(pip)}
    assert yml == {_key(r) for r in requirements}


def test_environment_yml_conda_side(environment):
    assert environment["name"] == "barometer"
    assert environment["channels"] == ["conda-forge"]
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda and "pip" in conda


def test_every_requirement_is_pinned(requirements):
    for requirement in requirements:
        operators = {s.operator for s in requirement.specifier}
        name = canonicalize_name(requirement.name)
        if name in UPPER_BOUND_ALLOWED:
            assert operators & {"==", "<", "<="}, f"{requirement} has no pin or upper bound"
        else:
            assert operators == {"=="}, f"{requirement} is not pinned with =="


def test_snowballstemmer_stays_below_3(requirements):
    (stemmer,) = [r for r in requirements if canonicalize_name(r.name) == "snowballstemmer"]
    assert not stemmer.specifier.contains("3.0.0")
    assert stemmer.specifier.contains("2.2.0")


def test_lock_satisfies_every_requirement(requirements, lock):
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{name} is missing from constraints.txt"
        assert requirement.specifier.contains(lock[name], prereleases=True), (
            f"constraints.txt pins {name}=={lock[name]}, outside {requirement}"
        )


def test_lock_excludes_the_project(lock):
    assert "barometer" not in lock
    assert all("barometer" not in line or line.startswith("#") for line in CONSTRAINTS.read_text().splitlines())


def test_lock_is_a_full_freeze(lock):
    """A sanity check that the lock is a full freeze, not a copy of the top-level pins."""
    assert len(lock) > 100
    for package in ("sphinx", "myst-nb", "myst-parser", "sphinx-book-theme", "pydata-sphinx-theme"):
        assert package in lock, f"{package} (book toolchain) missing from the lock"

