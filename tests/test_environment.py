"""pyproject.toml, the lock files, environment.yml, .python-version and the venv agree.

pyproject.toml keeps compatible ranges for people who install the package as a library; the
lock files under requirements/ pin every package, direct and indirect, within those ranges;
environment.yml (for conda users) lists the same packages as pyproject.toml at the lock's
versions; and the venv ``make setup`` builds holds exactly what the locks pin. A pin changed
by hand, without ``make lock``, fails one of these tests with the package's name.
"""

import os
import re
import subprocess
import sys
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from ipo_research.pipeline.environment import (
    BUILD_LOCK, RUNTIME_LOCK, TEST_LOCK, canonical_name, compare, installed_versions, read_lock,
    read_locks,
)
from ipo_research.paths import PROJECT_ROOT

LOCKS = (RUNTIME_LOCK, TEST_LOCK, BUILD_LOCK, PROJECT_ROOT / "requirements" / "lock-tool.txt")
_NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")
PYTHON_VERSION = (PROJECT_ROOT / ".python-version").read_text().strip()


def _parse(requirement: str) -> tuple[str, str]:
    name, spec = _NAME.match(requirement).groups()
    return canonical_name(name), spec.replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _pyproject_requirements(*, test: bool = True) -> dict[str, Requirement]:
    project = _pyproject()["project"]
    listed = project["dependencies"] + (project["optional-dependencies"]["test"] if test else [])
    return {canonical_name(r.name): r for r in map(Requirement, listed)}


def _environment() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())


def _environment_requirements() -> dict[str, str]:
    listed = []
    for entry in _environment()["dependencies"]:
        if isinstance(entry, dict):
            listed += [item for item in entry["pip"] if not item.startswith("-")]
        elif not entry.startswith(("python", "pip")) or entry.startswith("python-"):
            listed.append(entry)
    return dict(_parse(requirement) for requirement in listed)


def _table(rows: list[tuple[str, object, object]], header: tuple[str, str, str]) -> str:
    return "\n".join(f"  {name}: {header[1]} {a}, {header[2]} {b}" for name, a, b in rows)


def test_environment_yml_lists_the_same_packages_as_pyproject():
    assert sorted(_environment_requirements()) == sorted(_pyproject_requirements())


def test_environment_yml_pins_every_package_at_the_locked_version():
    locked = read_lock(TEST_LOCK)
    differing = [(name, spec, locked.get(name)) for name, spec in _environment_requirements().items()
                 if spec != f"=={locked.get(name)}"]
    assert not differing, ("environment.yml differs from requirements/test.txt (run `make lock`):\n"
                           + _table(differing, ("", "environment.yml has", "lock pins")))


@pytest.mark.parametrize("lock, test_extra", [(RUNTIME_LOCK, False), (TEST_LOCK, True)])
def test_the_lock_pins_every_pyproject_requirement_within_its_range(lock, test_extra):
    locked = read_lock(lock)
    outside = [(name, str(requirement.specifier), locked.get(name))
               for name, requirement in _pyproject_requirements(test=test_extra).items()
               if locked.get(name) is None or locked[name] not in requirement.specifier]
    assert not outside, (f"{lock.name} does not satisfy pyproject.toml (run `make lock`):\n"
                         + _table(outside, ("", "pyproject.toml wants", "lock pins")))


def test_the_runtime_lock_pins_what_the_test_lock_pins():
    runtime, test = read_lock(RUNTIME_LOCK), read_lock(TEST_LOCK)
    differing = [(name, version, test.get(name)) for name, version in runtime.items()
                 if test.get(name) != version]
    assert not differing, ("requirements/runtime.txt and test.txt disagree (run `make lock`):\n"
                           + _table(differing, ("", "runtime.txt", "test.txt")))
    assert {"pandas", "statsmodels", "pytest", "import-linter"} <= set(test)
    assert "pytest" not in runtime and "pandas" in runtime


def test_the_build_lock_satisfies_the_build_system_and_pins_pip():
    locked = read_lock(BUILD_LOCK)
    for requirement in map(Requirement, _pyproject()["build-system"]["requires"]):
        assert locked[canonical_name(requirement.name)] in requirement.specifier
    assert set(locked) == {"pip", "setuptools"}
    assert read_locks(BUILD_LOCK, TEST_LOCK)  # no package pinned twice at different versions


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_every_pin_carries_sha256_hashes(lock):
    text = lock.read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    unhashed = [entry.split()[0] for entry in entries if "==" in entry
                and not re.search(r"--hash=sha256:[0-9a-f]{64}", entry)]
    assert len(entries) == len(read_lock(lock)) and unhashed == []


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_every_lock_is_made_for_the_python_of_python_version_on_linux(lock):
    command = lock.read_text().splitlines()[1]
    assert f"--python-version {PYTHON_VERSION} --python-platform linux" in command
    assert "--generate-hashes" in command


def test_python_version_is_stated_once_and_used_everywhere():
    assert re.fullmatch(r"3\.\d+", PYTHON_VERSION)
    assert PYTHON_VERSION in SpecifierSet(_pyproject()["project"]["requires-python"])
    assert f"python={PYTHON_VERSION}" in _environment()["dependencies"]
    assert "%d.%d" % sys.version_info[:2] == PYTHON_VERSION


def test_the_venv_holds_exactly_the_locked_distributions():
    differences = compare(read_locks(BUILD_LOCK, TEST_LOCK), installed_versions(), extras=True)
    assert not differences, (
        "The venv differs from requirements/build.txt + test.txt (name: locked, installed):\n"
        + "\n".join(f"  {difference}" for difference in differences)
        + "\nReinstall from the locks with `make -B setup` (`make lock` first if pyproject.toml "
          "changed).")


def _copy_for_setup(tmp_path):
    for name in ("Makefile", ".python-version", "pyproject.toml"):
        (tmp_path / name).write_bytes((PROJECT_ROOT / name).read_bytes())
    (tmp_path / "requirements").mkdir()
    for lock in LOCKS:
        (tmp_path / "requirements" / lock.name).write_bytes(lock.read_bytes())
    fake = tmp_path / "python3.9"
    fake.write_text("#!/bin/sh\necho 3.9\n")
    fake.chmod(0o755)
    return fake


def _make_setup(folder, python):
    # A make running this test passes its flags down through the environment: leave them out.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", "setup", f"PYTHON={python}"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)


def test_make_setup_stops_on_another_python_with_a_clear_message(tmp_path):
    fake = _copy_for_setup(tmp_path)
    done = _make_setup(tmp_path, fake)
    assert done.returncode != 0
    assert (f"the lock files are made for Python {PYTHON_VERSION} (.python-version), "
            f"but {fake} is Python 3.9.") in done.stderr
    assert f"Install Python {PYTHON_VERSION} and run: PYTHON=python{PYTHON_VERSION} make setup" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_make_setup_stops_when_the_interpreter_does_not_run(tmp_path):
    _copy_for_setup(tmp_path)
    done = _make_setup(tmp_path, "no-such-python")
    assert done.returncode != 0 and "but no-such-python does not run." in done.stderr
    assert not (tmp_path / ".venv").exists()
