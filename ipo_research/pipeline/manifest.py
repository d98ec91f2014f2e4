"""The run manifest: what ran, on which inputs, and whether it must run again.

``OUT/manifest.json`` records every run (stage, parameters, outputs, status, duration, error)
with the content hashes that decide incremental runs: the notebook, the parameters, every
input file, the ``ipo_research`` source, and the keys of the upstream runs. A run is redone
only when one of those changed, when it never ran, when it failed or was skipped, or when its
outputs are gone; :func:`stale_reasons` says which, in words. Paths in the manifest are
relative to the project root (inputs, notebooks) or to OUT (outputs).
"""

from __future__ import annotations

import glob
import hashlib
import json
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ipo_research.files import atomic_write_text, sha256_file
from ipo_research.paths import PACKAGE_DIR, PROJECT_ROOT, portable_path, project_path
from ipo_research.pipeline.environment import environment_record
from ipo_research.survey.source import marker_path

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "RunKey",
    "sha256_json",
    "package_source_hash",
    "input_files",
    "stale_reasons",
    "read_manifest",
    "write_manifest",
    "provenance",
]

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = 1
_VERSIONED = ("ipo-research", "papermill", "nbclient", "nbconvert", "ipykernel", "pandas",
              "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "pyarrow")


@dataclass(frozen=True)
class RunKey:
    """Everything a run's result depends on, by content hash.

    Attributes
    ----------
    notebook : str
        sha256 of the notebook file.
    parameters : dict
        The resolved parameters (compared by value).
    inputs : dict of str to str
        Input file (relative to the project root) to its sha256.
    package : str
        Hash of the ``ipo_research`` sources.
    upstream : dict of str to str
        Upstream run id to that run's :attr:`digest`.
    """

    notebook: str
    parameters: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)
    package: str = ""
    upstream: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """One sha256 over all of the above; equal digests mean nothing changed."""
        return sha256_json(asdict(self))

    def to_dict(self) -> dict[str, Any]:
        """The hashes as stored in a manifest run record (parameters are stored beside them)."""
        return {"notebook": self.notebook, "inputs": dict(sorted(self.inputs.items())),
                "package": self.package, "upstream": dict(sorted(self.upstream.items()))}




def sha256_json(value: Any) -> str:
    """The sha256 of ``value`` as canonical JSON (sorted keys, no spaces).

    Examples
    --------
    >>> sha256_json({"b": 1, "a": 2}) == sha256_json({"a": 2, "b": 1})
    True
    """
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_source_hash(package_dir: str | Path = PACKAGE_DIR) -> str:
    """One hash over every ``.py`` file of the package (names and contents).

    Parameters
    ----------
    package_dir : str or Path
        The package folder; ``ipo_research/`` by default.

    Returns
    -------
    str
    """
    package_dir = Path(package_dir)
    files = sorted(p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts)
    return sha256_json({p.relative_to(package_dir).as_posix(): sha256_file(p) for p in files})


def input_files(parameters: dict[str, Any], *, patterns: tuple[str, ...] = (),
                out_dir: str | Path | None = None) -> dict[str, Path]:
    """The input files a run depends on: parameter values naming files, and ``patterns``.

    Files inside the output folder are left out: they are upstream outputs, tracked through the
    upstream runs' keys instead.

    Parameters
    ----------
    parameters : dict
        Resolved run parameters; every string naming an existing file counts, and so does
        the synthetic marker beside such a file (:func:`ipo_research.survey.source.marker_path`).
    patterns : tuple of str
        Glob patterns, relative to the project root unless absolute, e.g.
        ``("data/external/*",)``.
    out_dir : str or Path, optional
        The output folder.

    Returns
    -------
    dict of str to Path
        Shown path (relative to the project root when inside it) to the file.
    """
    out = project_path(out_dir).resolve() if out_dir is not None else None
    found: dict[str, Path] = {}
    candidates = [project_path(v) for v in parameters.values() if isinstance(v, str) and v.strip()]
    # A synthetic export's marker decides its banners, so it is an input as much as the file.
    candidates += [marker_path(candidate) for candidate in candidates if candidate.is_file()]
    for pattern in patterns:
        candidates.extend(Path(match) for match in sorted(glob.glob(str(project_path(pattern)))))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        resolved = candidate.resolve()
        if out is not None and resolved.is_relative_to(out):
            continue
        found[portable_path(resolved)] = resolved
    return dict(sorted(found.items()))


def stale_reasons(key: RunKey, previous: dict[str, Any] | None, *,
                  outputs_present: bool = True) -> list[str]:
    """Why a run must be redone, compared with its record in the last manifest.

    Parameters
    ----------
    key : RunKey
        The run's key now.
    previous : dict or None
        The run's record in the last manifest, None if it has none.
    outputs_present : bool
        Whether the run's executed notebook and pages still exist.

    Returns
    -------
    list of str
        Empty when the run is up to date; otherwise short reasons such as
        ``"notebook changed"``, ``"parameter seed changed"``, ``"input data/codebook.yaml
        changed"``, ``"package source changed"``, ``"upstream 01_clean changed"``.

    Examples
    --------
    >>> stale_reasons(RunKey(notebook="a", parameters={}), None)
    ['never ran']
    """
    if previous is None:
        return ["never ran"]
    reasons = []
    if previous.get("status") == "failed":
        reasons.append("last run failed")
    elif previous.get("status") != "ok":
        reasons.append(f"last run {previous.get('status', 'unknown')}")
    elif not outputs_present:
        reasons.append("output missing")
    hashes = previous.get("hashes", {})
    if hashes.get("notebook") != key.notebook:
        reasons.append("notebook changed")
    reasons.extend(_changed("parameter", key.parameters, previous.get("parameters", {})))
    reasons.extend(_changed("input", key.inputs, hashes.get("inputs", {})))
    if hashes.get("package") != key.package:
        reasons.append("package source changed")
    reasons.extend(_changed("upstream", key.upstream, hashes.get("upstream", {})))
    return reasons


def _changed(kind: str, now: dict[str, Any], before: dict[str, Any]) -> list[str]:
    reasons = []
    for name in sorted(set(now) | set(before)):
        if name not in before:
            reasons.append(f"{kind} {name} added")
        elif name not in now:
            reasons.append(f"{kind} {name} removed")
        elif now[name] != before[name]:
            reasons.append(f"{kind} {name} changed")
    return reasons


def read_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The manifest in ``out_dir``; an empty one when missing or unreadable.

    An unreadable manifest (e.g. from a crash before atomic writes existed) is treated as no
    manifest at all: every run is redone, which is always safe.
    """
    path = project_path(out_dir) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA_VERSION:
        return {}
    return manifest


def write_manifest(out_dir: str | Path, manifest: dict[str, Any]) -> Path:
    """Write ``manifest`` to ``out_dir/manifest.json`` atomically (sorted keys, indented)."""
    text = json.dumps({"schema": SCHEMA_VERSION, **manifest}, indent=2, sort_keys=True,
                      ensure_ascii=False, default=str)
    return atomic_write_text(project_path(out_dir) / MANIFEST_NAME, text + "\n")


def provenance() -> dict[str, Any]:
    """Git commit, package versions and the locked environment, for the manifest and the index.

    Returns
    -------
    dict
        ``{"git": {"commit": str or None, "dirty": bool or None}, "versions": {...},
        "environment": {...}}``; ``environment`` names the lock file and its sha256, and gives
        the installed version of every package it pins and those that differ (see
        :func:`ipo_research.pipeline.environment.environment_record`).
    """
    versions = {"python": platform.python_version()}
    for package in _VERSIONED:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return {"git": _git_state(), "versions": versions, "environment": environment_record()}


def _git_state() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True,
                                  text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    changes = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": None if changes is None else bool(changes)}

