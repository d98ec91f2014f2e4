"""Preflight: every file a run will read is checked before any kernel starts.

``ipo-research run`` and ``status`` call :func:`preflight` once the runs are planned (and
:func:`check_parameters_files` on the command-line options even before, so a broken file the
user named is reported without importing the notebook machinery). It checks, for every distinct
value among the runs' parameters:

- each ``*_path`` parameter outside the output folder names an existing file (files inside OUT
  are written by upstream runs);
- ``codebook_path`` loads as a codebook, and ``frame_path`` (when given) as a sampling frame of
  its questions' codes;
- ``models_path`` loads as a models file whose formulas name only columns the codebook will
  produce (cleaned columns, indices and, when joined, the state context);
- ``layout`` is empty or one of the export layouts.

Every problem found is listed, one per line, naming the file as the user typed it (for YAML
errors with line and column) and the fix; the error is a :class:`~ipo_research.exceptions.ConfigError`
(exit 2), raised before any output is written.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ipo_research.exceptions import ConfigError, IpoResearchError
from ipo_research.paths import project_path, relative_to_root

__all__ = ["OPTION_FLAGS", "preflight", "check_parameters_files"]

# The command-line option that sets each parameter, for messages; others are set with -p.
OPTION_FLAGS = {"data_path": "--data", "codebook_path": "--codebook", "models_path": "--models",
                "layout": "--layout"}


def check_parameters_files(parameters: Mapping[str, Any], *, out_path: str | Path | None = None) -> None:
    """Check the files one set of parameters names (see the module docstring).

    Parameters
    ----------
    parameters : mapping
        Parameter name to value, e.g. the command line's ``{"models_path": "m.yaml"}``.
    out_path : str or Path, optional
        The output folder; paths inside it are not checked.

    Raises
    ------
    ConfigError
        Listing every problem.
    """
    preflight([dict(parameters)], out_path=out_path)


def preflight(runs: Iterable[Any], *, out_path: str | Path | None = None) -> None:
    """Check every file the runs will read, before any of them starts.

    Parameters
    ----------
    runs : iterable
        :class:`~ipo_research.pipeline.plan.Run` objects, or parameter mappings.
    out_path : str or Path, optional
        The output folder; paths inside it are written by upstream runs and not checked.

    Raises
    ------
    ConfigError
        ``"N problem(s) found before anything ran:"`` then one line per problem.

    Examples
    --------
    >>> preflight([{"data_path": "no/such/export.csv"}])
    Traceback (most recent call last):
    ...
    ipo_research.exceptions.ConfigError: 1 problem found before anything ran; nothing was run or written:
      --data no/such/export.csv: file not found. Check the path (relative paths start at the project root).
    """
    out = project_path(out_path).resolve() if out_path is not None else None
    problems: list[str] = []
    checked: set[tuple] = set()
    for run in runs:
        parameters = run if isinstance(run, Mapping) else run.parameters
        for name, value in sorted(parameters.items()):
            if (name, value) in checked or not isinstance(value, str):
                continue
            checked.add((name, value))
            if name == "layout":
                problems += _check_layout(value)
            elif name.endswith("_path") and value.strip():
                path = project_path(value).resolve()
                if out is not None and path.is_relative_to(out):
                    continue
                problems += _check_exists(name, value, path)
        problems += _check_contents(parameters, checked)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise ConfigError(f"{count} found before anything ran; nothing was run or written:\n"
                          + "\n".join(f"  {problem}" for problem in problems))


def _flag(name: str, value: str) -> str:
    flag = OPTION_FLAGS.get(name)
    return f"{flag} {value}" if flag else f"{name}={value}"


def _check_exists(name: str, value: str, path: Path) -> list[str]:
    if path.is_file():
        return []
    if path.is_dir():
        return [f"{_flag(name, value)}: a folder, not a file. Name the file itself."]
    hint = "Check the path (relative paths start at the project root)."
    if path.parent.is_dir():
        near = difflib.get_close_matches(path.name, sorted(p.name for p in path.parent.iterdir()), n=1)
        if near:
            hint = f"Did you mean {Path(value).with_name(near[0]).as_posix()}?"
    return [f"{_flag(name, value)}: file not found. {hint}"]


def _check_layout(value: str) -> list[str]:
    from ipo_research.survey.layouts import LAYOUTS

    if not value or value in LAYOUTS:
        return []
    near = difflib.get_close_matches(value, LAYOUTS, n=1)
    hint = f" Did you mean {near[0]}?" if near else ""
    return [f"--layout {value}: unknown layout.{hint} Use one of {', '.join(LAYOUTS)}, "
            "or leave it out to detect the layout."]


def _check_contents(parameters: Mapping[str, Any], checked: set[tuple]) -> list[str]:
    """Load the models file and the codebook of one run, once per distinct combination."""
    from ipo_research.models.specs import load_model_specs, model_columns
    from ipo_research.survey.codebook import load_codebook

    codebook_value, models_value = _existing(parameters, "codebook_path"), _existing(parameters, "models_path")
    context = str(parameters.get("context_path") or "")
    frame_value = _existing(parameters, "frame_path")
    key = ("contents", codebook_value, models_value, context, frame_value)
    if key in checked:
        return []
    checked.add(key)
    if models_value is not None and ("syntax", models_value) not in checked:
        checked.add(("syntax", models_value))
        try:  # the file alone first: a syntax error needs no codebook
            load_model_specs(models_value)
        except ConfigError as error:
            return [_as_typed(error, "models_path", models_value)]
    if codebook_value is None:
        return []
    try:
        codebook = load_codebook(codebook_value)
    except ConfigError as error:
        return [_as_typed(error, "codebook_path", codebook_value)]
    if frame_value is not None:
        from ipo_research.analysis.frame import read_frame

        try:
            read_frame(frame_value, codebook)
        except IpoResearchError as error:
            return [_as_typed(error, "frame_path", frame_value)]
    if models_value is None:
        return []
    try:
        load_model_specs(models_value, columns=model_columns(codebook, context_path=context))
    except ConfigError as error:
        return [_as_typed(error, "models_path", models_value)]
    return []


def _existing(parameters: Mapping[str, Any], name: str) -> str | None:
    value = parameters.get(name)
    return value if isinstance(value, str) and value.strip() and project_path(value).is_file() else None


def _as_typed(error: IpoResearchError, name: str, value: str) -> str:
    """The loader's message, naming the file by the option and path the user typed."""
    message = str(error)
    shown = relative_to_root(project_path(value))
    if message.startswith(f"{shown}:"):
        message = message[len(shown) + 1:].lstrip()
    return f"{_flag(name, value)}: {message}"
