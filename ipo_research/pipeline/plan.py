"""The pipeline: which notebooks run, in what order, with which parameters.

``notebooks/pipeline.yaml`` lists the stages in run order. Each stage names its notebook, the
stages whose outputs it reads (``needs``), its own parameters and an optional fan-out grid.
:func:`load_pipeline` reads and checks the file; :func:`plan_runs` turns the stages a user
asked for into concrete :class:`Run` objects, each with every parameter resolved and checked
against its notebook's ``parameters`` cell, before any kernel starts.

Parameters are resolved in this order, later ones winning, and each one only for notebooks that
declare it: the pipeline's ``defaults``; the command-line options (``--data``, ``--codebook``,
``--models``); the stage's own ``parameters``; ``-p NAME=VALUE``. The text ``{out}`` in a value
stands for the output folder. So ``--data`` changes the clean stage's input, while the stages
reading the clean stage's output keep their ``data_path: "{out}/data/responses.parquet"``.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ipo_research.exceptions import ParameterError, PipelineError
from ipo_research.pipeline.parameters import check_values
from ipo_research.paths import CODEBOOK_PATH, PIPELINE_PATH, project_path, relative_to_root
from ipo_research.files import read_yaml

__all__ = ["OUT_PLACEHOLDER", "PIPELINE_FIELDS", "EXECUTORS", "DEFAULT_CELL_TIMEOUT",
           "DEFAULT_KERNEL_START_TIMEOUT", "Stage", "Pipeline", "Run", "load_pipeline", "plan_runs",
           "parse_assignments", "did_you_mean"]

# Every key pipeline.yaml accepts; docs/design.md documents each and a test keeps them equal.
PIPELINE_FIELDS = {
    "pipeline": ("defaults", "inputs", "timeout", "executor", "scheduler", "stages"),
    "stage": ("name", "description", "notebook", "needs", "parameters", "fan_out", "timeout"),
}
_TOP_KEYS = set(PIPELINE_FIELDS["pipeline"])
_STAGE_KEYS = set(PIPELINE_FIELDS["stage"])
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
OUT_PLACEHOLDER = "{out}"
EXECUTORS = ("local", "dask")  # where runs execute: this machine's threads, or a Dask cluster
DEFAULT_CELL_TIMEOUT = 900  # seconds a cell may run when neither the file nor the stage says
DEFAULT_KERNEL_START_TIMEOUT = 60  # seconds a kernel may take to start (run --kernel-start-timeout)
SWEEPS_FOLDER = "sweeps"  # OUT/sweeps/NAME=VALUE__.../: the tables and figures of a sweep's runs
STATE_QUESTION = "state"  # the question the state context table is joined by


@dataclass(frozen=True)
class Stage:
    """One stage of the pipeline: a notebook and how to run it.

    Attributes
    ----------
    name : str
        The stage name, e.g. ``"models"``.
    notebook : Path
        The notebook (absolute path).
    needs : tuple of str
        Stages whose outputs this one reads; they run first.
    parameters : dict
        Parameters set for this stage; ``{out}`` stands for the output folder.
    fan_out : dict
        Parameter name to the values it takes, one run each: a list, or
        ``{"codebook_levels": question_id}`` for the levels of a codebook question.
    timeout : float or None
        Seconds a cell may run before the kernel is stopped and the run retried.
    description : str
        One line on what the stage shows, for ``run --help``.
    """

    name: str
    notebook: Path
    needs: tuple[str, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    fan_out: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Pipeline:
    """The stages of ``pipeline.yaml`` in run order, with shared defaults.

    Attributes
    ----------
    source : Path
        The YAML file read.
    defaults : dict
        Parameters given to every notebook that declares them.
    stages : tuple of Stage
    inputs : tuple of str
        Glob patterns (relative to the project root) of files every run depends on,
        e.g. ``data/external/*.csv``; a change in any of them reruns everything.
    executor : str or None
        The file's default executor (one of :data:`EXECUTORS`); ``run --executor`` overrides it.
    scheduler : str or None
        The file's default Dask scheduler address, used with the ``dask`` executor when
        ``run --scheduler`` is not given.

    A top-level ``timeout`` in the file is the cell timeout of every stage without its own
    (:data:`DEFAULT_CELL_TIMEOUT` when the file has none).
    """

    source: Path
    defaults: dict[str, Any]
    stages: tuple[Stage, ...]
    inputs: tuple[str, ...] = ()
    executor: str | None = None
    scheduler: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The stage names in run order."""
        return tuple(stage.name for stage in self.stages)

    def stage(self, name: str) -> Stage:
        """The stage called ``name``; :class:`PipelineError` listing the known ones otherwise."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise PipelineError(
            f"{relative_to_root(self.source)}: unknown stage '{name}'.{did_you_mean(name, self.names)} "
            f"Known stages: {', '.join(self.names)}."
        )

    def with_upstream(self, names: Iterable[str]) -> tuple[Stage, ...]:
        """The stages ``names`` plus every stage they need, directly or not, in run order.

        Parameters
        ----------
        names : iterable of str
            Stage names; empty means every stage.

        Returns
        -------
        tuple of Stage
        """
        wanted: set[str] = set()
        pending = list(names) or list(self.names)
        while pending:
            stage = self.stage(pending.pop())
            if stage.name not in wanted:
                wanted.add(stage.name)
                pending.extend(stage.needs)
        return tuple(stage for stage in self.stages if stage.name in wanted)


@dataclass(frozen=True)
class Run:
    """One execution of a notebook with fully resolved parameters.

    Attributes
    ----------
    run_id : str
        Stable, readable name used for every output of the run, e.g.
        ``"06_profile__group_value=cpd"``.
    stage : str
    notebook : Path
    parameters : dict
    needs : tuple of str
        Run ids that must finish successfully first.
    timeout : float or None
    sweep : dict
        The values ``--grid`` gave this run, by parameter (empty outside a sweep).
    """

    run_id: str
    stage: str
    notebook: Path
    parameters: dict[str, Any]
    needs: tuple[str, ...] = ()
    timeout: float | None = None
    sweep: dict[str, Any] = field(default_factory=dict)


def load_pipeline(path: str | Path = PIPELINE_PATH) -> Pipeline:
    """Read and check a pipeline file.

    Parameters
    ----------
    path : str or Path
        The YAML file; relative paths are resolved against the project root. Notebook paths
        inside it are relative to the file's folder.

    Returns
    -------
    Pipeline

    Raises
    ------
    PipelineError
        Listing every problem found, with the stage it concerns.

    Examples
    --------
    >>> load_pipeline().names[0]  # doctest: +SKIP
    'clean'
    """
    path = project_path(path)
    where = relative_to_root(path)
    if not path.is_file():
        raise PipelineError(f"{where}: pipeline file not found. Pass an existing pipeline YAML.")
    raw = read_yaml(path, shown=where, error=PipelineError)
    if not isinstance(raw, dict) or not isinstance(raw.get("stages"), list):
        raise PipelineError(f"{where}: expected a mapping with a 'stages' list.")
    problems = [f"unknown key '{key}' (allowed: {', '.join(sorted(_TOP_KEYS))})"
                for key in raw if key not in _TOP_KEYS]
    defaults = raw.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("'defaults' must be a mapping of parameter names to values")
        defaults = {}
    stages: list[Stage] = []
    for position, item in enumerate(raw["stages"], start=1):
        stage = _parse_stage(item, position, path.parent, [s.name for s in stages], problems)
        if stage is not None:
            stages.append(stage)
    timeout = raw.get("timeout", DEFAULT_CELL_TIMEOUT)
    problems += _timeout_problems(timeout, "timeout")
    executor, scheduler = raw.get("executor"), raw.get("scheduler")
    problems += _executor_problems(executor, scheduler)
    if problems:
        raise PipelineError(f"{where}: " + "; ".join(problems) + ".")
    stages = [stage if stage.timeout is not None else replace(stage, timeout=timeout)
              for stage in stages]
    inputs = tuple(str(pattern) for pattern in raw.get("inputs") or ())
    return Pipeline(source=path, defaults=dict(defaults), stages=tuple(stages), inputs=inputs,
                    executor=executor, scheduler=scheduler)


def _timeout_problems(timeout: Any, where: str) -> list[str]:
    if timeout is None or (not isinstance(timeout, bool) and isinstance(timeout, (int, float))
                           and timeout > 0):
        return []
    return [f"{where} must be a positive number of seconds (e.g. timeout: {DEFAULT_CELL_TIMEOUT}), "
            f"got {timeout!r}"]


def _executor_problems(executor: Any, scheduler: Any) -> list[str]:
    """Problems of the file's ``executor`` and ``scheduler`` keys (both optional)."""
    problems = []
    if executor is not None and executor not in EXECUTORS:
        problems.append(f"executor must be one of {', '.join(EXECUTORS)} (the default executor of "
                        f"`run`), got {executor!r}.{did_you_mean(str(executor), EXECUTORS)}")
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip() or len(scheduler.split()) > 1:
            problems.append(f"scheduler must be a Dask scheduler address such as "
                            f"tcp://10.0.0.5:8786, got {scheduler!r}")
        elif executor != "dask":
            problems.append(f"scheduler {scheduler} is for the Dask executor; add 'executor: dask' "
                            "or remove 'scheduler'")
    return problems


def _parse_stage(item: Any, position: int, folder: Path, earlier: list[str],
                 problems: list[str]) -> Stage | None:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        problems.append(f"stage {position}: expected a mapping with a 'name'")
        return None
    name = item["name"]
    where = f"stage '{name}'"
    problems.extend(f"{where}: unknown key '{key}' (allowed: {', '.join(sorted(_STAGE_KEYS))})"
                    for key in item if key not in _STAGE_KEYS)
    if not _NAME.match(name) or name in earlier:
        problems.append(f"{where}: names must be unique snake_case")
    notebook = folder / str(item.get("notebook", ""))
    if notebook.suffix != ".ipynb" or not notebook.is_file():
        problems.append(f"{where}: notebook '{item.get('notebook')}' not found next to the pipeline file")
    needs = item.get("needs") or []
    needs = [needs] if isinstance(needs, str) else list(needs)
    problems.extend(f"{where}: needs '{need}', which is not an earlier stage" for need in needs
                    if need not in earlier)
    parameters = item.get("parameters") or {}
    fan_out = item.get("fan_out") or {}
    for key, value in (("parameters", parameters), ("fan_out", fan_out)):
        if not isinstance(value, dict):
            problems.append(f"{where}: '{key}' must be a mapping")
    for parameter, grid in (fan_out.items() if isinstance(fan_out, dict) else ()):
        if not (isinstance(grid, list) and grid) and not (
                isinstance(grid, dict) and set(grid) == {"codebook_levels"}):
            problems.append(f"{where}: fan_out '{parameter}' must be a non-empty list or "
                            "{codebook_levels: QUESTION_ID}")
    timeout = item.get("timeout")
    problems += _timeout_problems(timeout, f"{where}: timeout")
    description = item.get("description") or ""
    if not isinstance(description, str):
        problems.append(f"{where}: description must be one line of text")
        description = ""
    return Stage(name=name, notebook=notebook, needs=tuple(needs),
                 parameters=dict(parameters) if isinstance(parameters, dict) else {},
                 fan_out=dict(fan_out) if isinstance(fan_out, dict) else {}, timeout=timeout,
                 description=description.strip())


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A " Did you mean 'x'?" hint naming the closest of ``known`` (difflib), or "".

    Examples
    --------
    >>> did_you_mean("clen", ["clean", "models"])
    " Did you mean 'clean'?"
    >>> did_you_mean("zzz", ["clean"])
    ''
    """
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean '{near[0]}'?" if near else ""


def parse_assignments(assignments: Iterable[str]) -> dict[str, str]:
    """Split ``NAME=VALUE`` texts given with ``-p`` into a mapping of raw values.

    Parameters
    ----------
    assignments : iterable of str

    Returns
    -------
    dict of str to str
        Values stay text; :func:`plan_runs` parses them against the declared types.

    Examples
    --------
    >>> parse_assignments(["seed=7", "group_value=cpd"])
    {'seed': '7', 'group_value': 'cpd'}
    """
    parsed = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"-p {assignment!r}: expected NAME=VALUE, e.g. -p seed=7.")
        parsed[name.strip()] = value
    return parsed


def plan_runs(
    pipeline: Pipeline,
    *,
    stages: Iterable[str] = (),
    out: str = "reports",
    options: Mapping[str, Any] | None = None,
    overrides: Mapping[str, str] | None = None,
    declared: Callable[[Path], dict] | None = None,
    grid: Mapping[str, str] | None = None,
) -> list[Run]:
    """Resolve the runs for the requested stages (and the stages they need).

    Parameters
    ----------
    pipeline : Pipeline
    stages : iterable of str
        Stage names; empty means all.
    out : str
        The output folder as notebooks receive it (replaces ``{out}``).
    options : mapping, optional
        Parameter values from command-line options, e.g. ``{"data_path": ...}``.
    overrides : mapping of str to str, optional
        Raw ``-p`` values by parameter name.
    declared : callable, optional
        Notebook path to its declared parameters; defaults to
        :func:`ipo_research.pipeline.parameters.declared_parameters`.
    grid : mapping of str to str, optional
        A sweep: raw ``--grid NAME=V1,V2,...`` values. Each stage named in ``stages`` that
        declares NAME runs once per combination of the values (times its own fan-out), each
        run named by them, e.g. ``06_profile__group_value=cpd__disclosure_threshold=4``.

    Returns
    -------
    list of Run
        In run order; fanned-out runs in the order of their grid.

    Raises
    ------
    ParameterError
        An override no selected notebook declares, or a value of the wrong type; a sweep
        without named stages, of a parameter no named stage declares, or of a stage another
        selected stage needs.
    PipelineError
        A stage parameter or fan-out its notebook does not declare.
    """
    if declared is None:
        from ipo_research.pipeline.parameters import declared_parameters as declared
    selected = pipeline.with_upstream(stages)
    declarations = {stage.name: declared(stage.notebook) for stage in selected}
    overrides = dict(overrides or {})
    _check_overrides_known(overrides, declarations)
    sweeps = _sweeps(dict(grid or {}), tuple(stages), selected, declarations, overrides)
    runs: list[Run] = []
    for stage in selected:
        stage_runs = _stage_runs(pipeline, stage, declarations[stage.name], out=out,
                                 options=dict(options or {}), overrides=overrides,
                                 sweep=sweeps.get(stage.name, {}))
        needed = tuple(run.run_id for run in runs if run.stage in stage.needs)
        clashes = sorted({run_id for run_id, _ in stage_runs} & {run.run_id for run in runs})
        if clashes:
            raise PipelineError(
                f"{relative_to_root(pipeline.source)}: stage '{stage.name}' would write "
                f"{', '.join(clashes)}, which an earlier stage writes too. Give each stage its "
                "own notebook."
            )
        swept = sweeps.get(stage.name, {})
        runs.extend(Run(run_id=run_id, stage=stage.name, notebook=stage.notebook,
                        parameters=parameters, needs=needed, timeout=stage.timeout,
                        sweep={name: parameters[name] for name in swept})
                    for run_id, parameters in stage_runs)
    return runs


def _sweeps(grid: dict[str, str], named: tuple[str, ...], selected: tuple[Stage, ...],
            declarations: dict[str, dict], overrides: dict[str, str]) -> dict[str, dict[str, list]]:
    """Per swept stage, the values of each ``--grid`` parameter it declares."""
    if not grid:
        return {}
    if not named:
        raise ParameterError("--grid sweeps the stages named on the command line; name them, "
                             "e.g. ipo-research run profile --grid disclosure_threshold=1,3,4.")
    both = sorted(set(grid) & set(overrides))
    if both:
        raise ParameterError(f"{', '.join(both)}: set with both -p and --grid; keep one.")
    for name in grid:
        if not any(name in declarations[stage] for stage in named):
            raise ParameterError(f"--grid {name}=...: no named stage ({', '.join(named)}) declares "
                                 f"'{name}'.{did_you_mean(name, {n for s in named for n in declarations[s]})}")
    needed = {need: stage.name for stage in selected for need in stage.needs}
    for stage in named:
        if stage in needed:
            raise ParameterError(f"--grid: stage '{stage}' is needed by '{needed[stage]}', whose "
                                 "runs would read one of its sweep's outputs. Sweep the stages "
                                 "nothing else selected needs (run them alone).")
    sweeps: dict[str, dict[str, list]] = {}
    for stage in named:
        declared = declarations[stage]
        values = {name: [_coerce(raw.strip(), declared[name]) for raw in text.split(",")]
                  for name, text in grid.items() if name in declared}
        if values:
            sweeps[stage] = values
    return sweeps


def _check_overrides_known(overrides: dict[str, str], declarations: dict[str, dict]) -> None:
    known = {name: parameter for declared in declarations.values()
             for name, parameter in declared.items()}
    unknown = [name for name in overrides if name not in known]
    if unknown:
        listing = ", ".join(f"{p.name} ({p.type_name})" for p in known.values())
        hints = "".join(did_you_mean(name, known) for name in unknown)
        raise ParameterError(
            f"unknown parameter {', '.join(repr(n) for n in unknown)}: no selected notebook "
            f"declares it.{hints} Known parameters: {listing}. Fix the name (-p NAME=VALUE)."
        )


def _stage_runs(pipeline: Pipeline, stage: Stage, declared: dict, *, out: str,
                options: dict, overrides: dict, sweep: dict | None = None) -> list[tuple[str, dict]]:
    where = relative_to_root(stage.notebook)
    undeclared = sorted((set(stage.parameters) | set(stage.fan_out)) - set(declared))
    if undeclared:
        raise PipelineError(
            f"{relative_to_root(pipeline.source)}: stage '{stage.name}' sets "
            f"{', '.join(undeclared)}, which {where} does not declare. Known: {', '.join(declared)}."
        )
    parameters = {name: value for name, value in {**pipeline.defaults, **options}.items()
                  if name in declared}
    parameters.update(stage.parameters)
    parameters.update({name: _coerce(raw, declared[name]) for name, raw in overrides.items()
                       if name in declared})
    parameters = {name: _substitute(value, out) for name, value in parameters.items()}
    if "context_path" not in overrides:
        parameters = _context_only_with_states(parameters)
    # A fan-out parameter set with -p makes one run, still named by its value.
    grid = {name: [parameters[name]] if name in overrides
            else _grid_values(spec, parameters, pipeline, stage)
            for name, spec in stage.fan_out.items()}
    grid.update(sweep or {})
    stem = stage.notebook.stem
    runs = []
    for combination in itertools.product(*grid.values()):
        values = dict(zip(grid, combination))
        run_parameters = {**parameters, **values}
        check_values(run_parameters, declared, where=where)
        suffix = "".join(f"__{name}={_file_safe(value)}" for name, value in values.items())
        if sweep and "out_dir" in declared:
            # Each combination writes its tables and figures into its own folder of OUT.
            folder = "__".join(f"{name}={_file_safe(values[name])}" for name in sweep)
            run_parameters["out_dir"] = f"{out}/{SWEEPS_FOLDER}/{folder}"
        runs.append((stem + suffix, {name: run_parameters[name] for name in sorted(run_parameters)}))
    return runs


def _context_only_with_states(parameters: dict) -> dict:
    """Leave the state context out (``context_path: ""``) when the codebook has no state question.

    The context table is joined by the ``state`` question (see
    :func:`ipo_research.models.run.prepare_responses`); a survey without one must not list the
    IPO state context file among its parameters. ``-p context_path=...`` still sets it.
    """
    context, codebook_path = parameters.get("context_path"), parameters.get("codebook_path")
    if not context or not isinstance(codebook_path, str) or not project_path(codebook_path).is_file():
        return parameters  # a missing codebook is preflight's to report
    resolved = project_path(codebook_path)
    if _has_state_question(str(resolved), resolved.stat().st_mtime_ns):
        return parameters
    return {**parameters, "context_path": ""}


@functools.lru_cache(maxsize=8)
def _has_state_question(codebook_path: str, mtime_ns: int) -> bool:  # mtime_ns: reread when edited
    from ipo_research.survey.codebook import load_codebook

    return load_codebook(codebook_path).has_question(STATE_QUESTION)


def _coerce(raw: str, parameter: Any) -> Any:
    try:
        value = yaml.safe_load(raw) if raw.strip() else raw
    except yaml.YAMLError as error:
        raise ParameterError(f"-p {parameter.name}={raw}: not a valid value ({error}).") from error
    if parameter.type_name == "str" and value is not None and not isinstance(value, str):
        return raw  # a str parameter takes the text as typed, e.g. -p group_value=2016
    if parameter.type_name == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _substitute(value: Any, out: str) -> Any:
    if isinstance(value, str):
        return value.replace(OUT_PLACEHOLDER, out)
    return value


def _grid_values(spec: Any, parameters: dict, pipeline: Pipeline, stage: Stage) -> list:
    if isinstance(spec, list):
        return list(spec)
    from ipo_research.survey.codebook import load_codebook

    codebook_path = parameters.get("codebook_path",
                                   pipeline.defaults.get("codebook_path", CODEBOOK_PATH))
    codebook = load_codebook(project_path(codebook_path))
    question_id = spec["codebook_levels"]
    if not codebook.has_question(question_id):
        raise PipelineError(
            f"{relative_to_root(pipeline.source)}: stage '{stage.name}' fans out over the levels "
            f"of '{question_id}', which {relative_to_root(project_path(codebook_path))} lacks."
        )
    levels = codebook.question(question_id).level_codes
    if not levels:
        raise PipelineError(f"{relative_to_root(pipeline.source)}: stage '{stage.name}' fans out "
                            f"over '{question_id}', which has no levels; use a single or likert question.")
    return list(levels)


def _file_safe(value: Any) -> str:
    return _UNSAFE_IN_FILE_NAME.sub("-", str(value)).strip("-") or "empty"
