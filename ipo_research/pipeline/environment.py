"""The dependency lock files, and whether the running environment matches them.

``make lock`` writes the lock files under ``requirements/`` with uv (``uv pip compile
--generate-hashes``): the exact version and the sha256 hashes of every package, direct and
indirect, for the Python version in ``.python-version`` on Linux.

- ``requirements/runtime.txt``: what the runs need (the package's dependencies);
- ``requirements/test.txt``: the runtime plus the test extra, pinned alike; ``make setup``
  installs it;
- ``requirements/build.txt``: pip and setuptools, which ``make setup`` installs first.

This module reads their pins and compares them with the distributions installed in the running
interpreter: for the manifest (:func:`environment_record`), the index page,
``ipo-research status`` (:func:`drift_warning`), ``make setup`` and the tests. It imports only
the standard library, so ``ipo-research --help`` stays fast. Run it as::

    python -m ipo_research.pipeline.environment check [--sync] requirements/build.txt requirements/test.txt
    python -m ipo_research.pipeline.environment pin-environment environment.yml requirements/test.txt

``check`` exits 1 listing every distribution that differs (``--sync`` first uninstalls those no
lock names); ``pin-environment`` rewrites the version of every package environment.yml lists to
the lock's pin.
"""

from __future__ import annotations

import argparse
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ipo_research.exceptions import LockError
from ipo_research.paths import PROJECT_ROOT, portable_path, project_path

__all__ = [
    "LOCK_DIR",
    "RUNTIME_LOCK",
    "TEST_LOCK",
    "BUILD_LOCK",
    "Difference",
    "canonical_name",
    "read_lock",
    "read_locks",
    "lock_sha256",
    "installed_versions",
    "compare",
    "environment_record",
    "drift_warning",
    "pin_environment",
    "main",
]

LOCK_DIR = PROJECT_ROOT / "requirements"
RUNTIME_LOCK = LOCK_DIR / "runtime.txt"
TEST_LOCK = LOCK_DIR / "test.txt"
BUILD_LOCK = LOCK_DIR / "build.txt"
# The project itself is installed from its source (``pip install --no-deps -e .``), not locked.
_SELF = "ipo-research"
_REINSTALL = ("Reinstall from the locks with `make -B setup` (`make lock` first if pyproject.toml "
              "changed).")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")
_ENVIRONMENT_ENTRY = re.compile(r"^(\s*-\s+)([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[<>=!~]=?\s*[^\s#]+)?(.*)$")


@dataclass(frozen=True)
class Difference:
    """One distribution whose installed version is not the locked one.

    Attributes
    ----------
    name : str
        Canonical distribution name, e.g. ``"pandas"``.
    locked : str or None
        The lock's pin; None when no lock names the distribution.
    installed : str or None
        The installed version; None when it is not installed.
    """

    name: str
    locked: str | None
    installed: str | None

    def __str__(self) -> str:
        locked = f"locked {self.locked}" if self.locked else "not locked"
        installed = f"installed {self.installed}" if self.installed else "not installed"
        return f"{self.name}: {locked}, {installed}"

    def to_dict(self) -> dict[str, str | None]:
        """As stored in the manifest."""
        return {"name": self.name, "locked": self.locked, "installed": self.installed}


def canonical_name(name: str) -> str:
    """A distribution name as PEP 503 compares them.

    Examples
    --------
    >>> canonical_name("PyYAML"), canonical_name("jupyter_server"), canonical_name("zope.interface")
    ('pyyaml', 'jupyter-server', 'zope-interface')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: str | Path) -> dict[str, str]:
    """The pins of a lock file: distribution name to version.

    Parameters
    ----------
    path : str or Path
        A requirements file as ``uv pip compile`` writes it (``name==version \\`` lines followed
        by ``--hash`` lines and comments); relative to the project root unless absolute.

    Returns
    -------
    dict of str to str
        Canonical name to pinned version, sorted by name.

    Raises
    ------
    LockError
        When the file is missing, names a package twice, or pins nothing.
    """
    path = project_path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise LockError(f"cannot read the lock file {portable_path(path)} ({error.strerror}); "
                        "run `make lock` to write it from pyproject.toml") from error
    pins: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        match = _PIN.match(line)
        if not match:
            continue
        name, version = canonical_name(match.group(1)), match.group(2)
        if name in pins:
            raise LockError(f"{portable_path(path)}, line {number}: {name} is pinned twice; "
                            "run `make lock` to write the file anew")
        pins[name] = version
    if not pins:
        raise LockError(f"{portable_path(path)} pins no package (no 'name==version' line); "
                        "run `make lock` to write it from pyproject.toml")
    return dict(sorted(pins.items()))


def read_locks(*paths: str | Path) -> dict[str, str]:
    """The pins of several lock files together (e.g. build.txt and test.txt).

    Raises
    ------
    LockError
        When two of them pin one package at different versions.
    """
    pins: dict[str, str] = {}
    for path in paths:
        for name, version in read_lock(path).items():
            if pins.setdefault(name, version) != version:
                raise LockError(f"{name} is pinned at {pins[name]} and at {version} "
                                f"({portable_path(project_path(path))}); run `make lock`")
    return dict(sorted(pins.items()))


def lock_sha256(path: str | Path = RUNTIME_LOCK) -> str:
    """The sha256 of a lock file's bytes (what the manifest records)."""
    from ipo_research.files import sha256_file

    return sha256_file(project_path(path))


def installed_versions() -> dict[str, str]:
    """Every distribution importable by the running interpreter: canonical name to version.

    When a name is found twice on the path, the first one wins, as for ``import``.
    """
    found: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found.setdefault(canonical_name(name), distribution.version)
    return dict(sorted(found.items()))


def compare(locked: dict[str, str], installed: dict[str, str], *,
            extras: bool = False) -> list[Difference]:
    """The distributions whose installed version differs from the lock.

    Parameters
    ----------
    locked : dict of str to str
        Pins, as :func:`read_lock` returns them.
    installed : dict of str to str
        Installed versions, as :func:`installed_versions` returns them.
    extras : bool, default False
        Also list installed distributions that no pin names (the project itself excepted).

    Returns
    -------
    list of Difference
        Sorted by name; empty when the environment matches.

    Examples
    --------
    >>> [str(d) for d in compare({"pandas": "3.1.1", "six": "1.17.0"}, {"pandas": "3.0.0"})]
    ['pandas: locked 3.1.1, installed 3.0.0', 'six: locked 1.17.0, not installed']
    """
    names = set(locked) | (set(installed) - {_SELF} if extras else set())
    return [Difference(name, locked.get(name), installed.get(name))
            for name in sorted(names) if locked.get(name) != installed.get(name)]


def environment_record(lock: str | Path = RUNTIME_LOCK) -> dict[str, Any]:
    """What a run records of its environment: the lock, its hash, the versions installed.

    Parameters
    ----------
    lock : str or Path
        The lock the runs' environment is made from; ``requirements/runtime.txt`` by default.

    Returns
    -------
    dict
        ``lock`` (path relative to the project root), ``lock_sha256`` (None when there is no
        lock file), ``python``, ``installed`` (every locked distribution to its installed
        version, None when missing) and ``differences`` (as :meth:`Difference.to_dict`).
    """
    path = project_path(lock)
    record: dict[str, Any] = {"lock": portable_path(path), "lock_sha256": None,
                              "python": platform.python_version(), "installed": {},
                              "differences": []}
    if not path.is_file():
        return record
    locked, installed = read_lock(path), installed_versions()
    record["lock_sha256"] = lock_sha256(path)
    record["installed"] = {name: installed.get(name) for name in locked}
    record["differences"] = [d.to_dict() for d in compare(locked, installed)]
    return record


def drift_warning(lock: str | Path = RUNTIME_LOCK, *,
                  installed: dict[str, str] | None = None) -> str | None:
    """A warning naming every locked package installed at another version, or None.

    Parameters
    ----------
    lock : str or Path
        ``requirements/runtime.txt`` by default.
    installed : dict of str to str, optional
        Installed versions; those of the running interpreter by default.

    Returns
    -------
    str or None
        Several lines: which lock, then ``name: locked X, installed Y`` per package, then how to
        fix it. None when the environment matches the lock.
    """
    path = project_path(lock)
    if not path.is_file():
        return (f"warning: there is no lock file {portable_path(path)}, so this environment "
                "cannot be checked; run `make lock`")
    differences = compare(read_lock(path), installed_versions() if installed is None else installed)
    if not differences:
        return None
    lines = [f"warning: this environment differs from the lock {portable_path(path)} "
             f"(sha256 {lock_sha256(path)[:12]}); results may differ from a locked run:"]
    lines += [f"  {difference}" for difference in differences]
    lines.append(f"Reinstall the locked versions with `make -B setup` (or `pip install "
                 f"--require-hashes -r {portable_path(path)}` in this environment).")
    return "\n".join(lines)


def pin_environment(environment: str | Path, locked: dict[str, str]) -> list[str]:
    """Rewrite the version of every locked package that a conda environment file lists.

    Each ``- name...`` entry whose name the lock pins becomes ``- name==version``; other lines
    (comments, ``python``, ``pip``, ``-e .``) stay as they are.

    Parameters
    ----------
    environment : str or Path
        ``environment.yml``.
    locked : dict of str to str
        Pins, as :func:`read_lock` returns them.

    Returns
    -------
    list of str
        The entries changed, as ``name: old -> new``.
    """
    path = project_path(environment)
    changed, lines = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _ENVIRONMENT_ENTRY.match(line)
        name = canonical_name(match.group(2)) if match else None
        if match and name in locked:
            new = f"{match.group(1)}{match.group(2)}=={locked[name]}{match.group(3)}"
            if new != line:
                changed.append(f"{name}: {line.strip()[2:]} -> {new.strip()[2:]}")
            line = new
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def _check(locks: list[str], *, sync: bool) -> int:
    locked = read_locks(*locks)
    if sync:
        extras = [d.name for d in compare(locked, installed_versions(), extras=True)
                  if d.locked is None]
        if extras:
            print("removing distributions no lock names: " + ", ".join(extras))
            subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *extras],
                           check=True)
    differences = compare(locked, installed_versions(), extras=True)
    if not differences:
        return 0
    shown = " + ".join(portable_path(project_path(lock)) for lock in locks)
    print(f"this environment differs from {shown}:", file=sys.stderr)
    for difference in differences:
        print(f"  {difference}", file=sys.stderr)
    print(_REINSTALL, file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m ipo_research.pipeline.environment``; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ipo_research.pipeline.environment",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="compare this environment with the locks (exit 1 "
                                              "when it differs)")
    check.add_argument("--sync", action="store_true",
                       help="first uninstall the distributions that no lock names")
    check.add_argument("locks", nargs="+", metavar="LOCK")
    pin = commands.add_parser("pin-environment", help="pin environment.yml to a lock's versions")
    pin.add_argument("environment", metavar="ENVIRONMENT_YML")
    pin.add_argument("lock", metavar="LOCK")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args.locks, sync=args.sync)
        for change in pin_environment(args.environment, read_lock(args.lock)):
            print(f"{portable_path(project_path(args.environment))}: {change}")
        return 0
    except LockError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
