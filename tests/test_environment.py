"""environment.yml (for conda users) and pyproject.toml list the same dependencies."""

import re
import tomllib

import yaml

from ipo_research.paths import PROJECT_ROOT

_NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _parse(requirement: str) -> tuple[str, str]:
    name, spec = _NAME.match(requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_parse(requirement) for requirement in listed)


def _environment_requirements() -> dict[str, str]:
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    listed = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            listed += [item for item in entry["pip"] if not item.startswith("-")]
        elif not entry.startswith(("python", "pip")) or entry.startswith("python-"):
            listed.append(entry)
    return dict(_parse(requirement) for requirement in listed)


def test_environment_yml_lists_the_same_packages_and_versions_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()

