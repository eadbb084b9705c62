"""pyproject.toml is the single source of version pins; environment.yml must agree.

`pin_mismatches` compares the two files and returns one message per package
that is missing on a side or pinned differently; the tests below check the
real files and that the check does catch drift.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
# Conda-only entries that have no counterpart among pyproject's extras.
CONDA_BASE = {"python", "pip"}


def _key(req: Requirement) -> str:
    name = re.sub(r"[-_.]+", "-", req.name).lower()
    return name + (f"[{','.join(sorted(req.extras))}]" if req.extras else "")


def pyproject_pins(path: Path) -> tuple[dict[str, str], list[str]]:
    """Pins from all optional extras: ({package: specifier}, problems)."""
    project = tomllib.loads(path.read_text())["project"]
    self_name = project["name"].lower()
    pins: dict[str, str] = {}
    problems: list[str] = []
    for extra, reqs in project.get("optional-dependencies", {}).items():
        for text in reqs:
            req = Requirement(text)
            if req.name.lower() == self_name:  # e.g. coursekit[widgets]
                continue
            key, spec = _key(req), str(req.specifier)
            if not spec.startswith("==") or "," in spec:
                problems.append(
                    f"{key}: extra '{extra}' in pyproject.toml must pin with ==, got '{spec}'"
                )
            if key in pins and pins[key] != spec:
                problems.append(
                    f"{key}: pinned both {pins[key]} and {spec} in pyproject.toml extras"
                )
            pins.setdefault(key, spec)
    return pins, problems


def read_environment_yml(path: Path) -> tuple[list[str], list[str]]:
    """(conda entries, pip entries) of the `dependencies:` list.

    Understands only the simple layout environment.yml uses: a top-level
    `dependencies:` list whose `- pip:` item holds a nested list.
    """
    conda: list[str] = []
    pip: list[str] = []
    in_deps, pip_indent = False, None
    for raw in path.read_text().splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            in_deps, pip_indent = line.startswith("dependencies:"), None
            continue
        if not in_deps:
            continue
        item = line.strip()
        if not item.startswith("- "):
            raise ValueError(f"{path}: unsupported YAML line: {raw!r}")
        value = item[2:].strip()
        if value == "pip:":
            pip_indent = indent
        elif pip_indent is not None and indent > pip_indent:
            pip.append(value)
        else:
            pip_indent = None
            conda.append(value)
    return conda, pip


def environment_pins(path: Path) -> tuple[dict[str, str], list[str]]:
    conda, pip = read_environment_yml(path)
    pins: dict[str, str] = {}
    problems: list[str] = []
    entries = [e for e in conda if re.split(r"[=<>!~ ]", e)[0] not in CONDA_BASE]
    entries += [e for e in pip if not e.startswith("-")]  # skip `-e .` and options
    for text in entries:
        req = Requirement(text)
        key = _key(req)
        if key in pins:
            problems.append(f"{key}: listed twice in environment.yml")
        pins[key] = str(req.specifier)
    return pins, problems


def pin_mismatches(pyproject: Path, environment: Path) -> list[str]:
    ours, problems = pyproject_pins(pyproject)
    theirs, env_problems = environment_pins(environment)
    problems += env_problems
    for key in sorted(ours.keys() | theirs.keys()):
        if key not in theirs:
            problems.append(
                f"{key}: pinned {ours[key]} in pyproject.toml but missing from environment.yml"
            )
        elif key not in ours:
            problems.append(
                f"{key}: in environment.yml ({theirs[key]}) but not pinned in pyproject.toml extras"
            )
        elif ours[key] != theirs[key]:
            problems.append(
                f"{key}: pyproject.toml pins {ours[key]} but environment.yml has {theirs[key] or 'no pin'}"
            )
    return problems


def test_environment_yml_matches_pyproject_pins():
    problems = pin_mismatches(ROOT / "pyproject.toml", ROOT / "environment.yml")
    assert not problems, "pins disagree:\n  " + "\n  ".join(problems)


def test_every_extra_is_pinned_exactly():
    pins, problems = pyproject_pins(ROOT / "pyproject.toml")
    assert pins and not problems, problems


def _altered_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "environment.yml").read_text()
    assert old in text, f"fixture line {old!r} not found in environment.yml"
    out = tmp_path / "environment.yml"
    out.write_text(text.replace(old, new, 1))
    return out


def test_detects_changed_pin(tmp_path):
    env = _altered_copy(tmp_path, "- traitlets==", "- traitlets==0.0.1  # was ")
    problems = pin_mismatches(ROOT / "pyproject.toml", env)
    assert len(problems) == 1 and problems[0].startswith("traitlets:"), problems


def test_detects_package_missing_from_environment(tmp_path):
    env = _altered_copy(tmp_path, "- ruff==", "# - ruff==")
    problems = pin_mismatches(ROOT / "pyproject.toml", env)
    assert len(problems) == 1 and "ruff" in problems[0] and "missing" in problems[0], problems


def test_detects_package_missing_from_pyproject(tmp_path):
    env = _altered_copy(tmp_path, "      - ruff==", "      - extra-thing==1.0\n      - ruff==")
    problems = pin_mismatches(ROOT / "pyproject.toml", env)
    assert len(problems) == 1 and problems[0].startswith("extra-thing:"), problems


def test_detects_unpinned_extra(tmp_path):
    text = (ROOT / "pyproject.toml").read_text().replace('"ruff==', '"ruff>=', 1)
    (tmp_path / "pyproject.toml").write_text(text)
    problems = pin_mismatches(tmp_path / "pyproject.toml", ROOT / "environment.yml")
    assert any(p.startswith("ruff:") and "must pin" in p for p in problems), problems
