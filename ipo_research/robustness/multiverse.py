"""The multiverse file (``notebooks/robustness.yaml``): which analyst choices to vary.

For one headline model of the models file and one of its terms, the file lists the choices a
specification curve runs through; every combination is one specification:

- ``outcomes``: the model's outcome and alternatives (first: the model's own);
- ``optional_controls``: terms of the model's formula that may be left out (every subset);
- ``missing``: ``complete_case`` and/or ``mice``;
- ``outliers``: ``none``, ``winsorize`` (numeric design columns clipped at the 5th and 95th
  percentiles) and/or ``cooks`` (rows with Cook's distance above 4/n dropped, then refitted);
- ``index``: how an outcome that is a codebook index is scored: ``mean_z`` (the codebook's
  rule), ``pca`` (first principal component of the z-scored items) and/or ``sum`` (sum of the
  transformed items, prorated over answered items); an outcome that is not an index is used as
  answered (``index`` reads ``as_answered``);
- ``cov_type``: OLS covariance types (``nonrobust``, ``HC0`` to ``HC3``).

The ``sensitivity`` and ``power`` sections name the terms whose sensitivity to an unmeasured
confounder and power the notebook reports. Every mistake is reported at once, with its place in
the file and the fix (:class:`ipo_research.exceptions.ModelSpecError`, exit code 2).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ipo_research.exceptions import ModelSpecError
from ipo_research.models.specs import read_spec_file

__all__ = [
    "MISSING_CHOICES", "OUTLIER_CHOICES", "INDEX_CHOICES", "COV_TYPES", "CHOICE_COLUMNS",
    "Headline", "Multiverse", "load_multiverse", "multiverse_from_dict", "formula_terms",
    "specifications",
]

MISSING_CHOICES = ("complete_case", "mice")
OUTLIER_CHOICES = ("none", "winsorize", "cooks")
INDEX_CHOICES = ("mean_z", "pca", "sum")
COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")
CHOICE_COLUMNS = ["outcome", "controls", "missing", "outliers", "index", "cov_type"]
_SECTIONS = {"headline", "multiverse", "inference", "sensitivity", "power"}
_MULTIVERSE_KEYS = {"outcomes", "optional_controls", "missing", "outliers", "index", "cov_type", "imputations"}


@dataclass(frozen=True)
class Headline:
    """A model of the models file and one of its terms (statsmodels name); for sensitivity,
    the observed covariate term a confounder is compared with."""

    model: str
    term: str
    benchmark: str = ""
    label: str = ""


@dataclass(frozen=True)
class Multiverse:
    """A validated multiverse file.

    Attributes
    ----------
    headline : Headline
        The model and term the specification curve is about.
    spec : ModelSpec
        The headline model's spec from the models file.
    outcomes, optional_controls, missing, outliers, index, cov_types : tuple of str
    imputations : int
        Imputed data sets of each ``mice`` specification.
    draws : int
        Resampling draws of the curve's inference under the null.
    sensitivity, power : tuple of Headline
    power_replicates : int
        Simulated surveys of the power check (0: none).
    source : str
        The file, relative to the project root.
    """

    headline: Headline
    spec: object
    outcomes: tuple
    optional_controls: tuple
    missing: tuple
    outliers: tuple
    index: tuple
    cov_types: tuple
    imputations: int
    draws: int
    sensitivity: tuple
    power: tuple
    power_replicates: int
    source: str

    @property
    def base_terms(self) -> tuple[str, ...]:
        """Right-hand-side terms of the headline model kept in every specification."""
        return tuple(term for term in formula_terms(self.spec.formula) if term not in self.optional_controls)


def formula_terms(formula: str) -> tuple[str, ...]:
    """The right-hand-side terms of a formula as written, split on top-level ``+``.

    >>> formula_terms("y ~ a + C(g, Treatment('x')) + np.log1p(b)")
    ('a', "C(g, Treatment('x'))", 'np.log1p(b)')
    """
    rhs = formula.split("~", 1)[1]
    terms, depth, current = [], 0, ""
    for char in rhs:
        depth += char in "([" 
        depth -= char in ")]"
        if char == "+" and depth == 0:
            terms.append(current.strip())
            current = ""
        else:
            current += char
    terms.append(current.strip())
    return tuple(term for term in terms if term)


def load_multiverse(path: str | Path, specs, *, columns=None, index_ids=()) -> Multiverse:
    """Read and validate a multiverse file.

    Parameters
    ----------
    path : str or Path
        Relative paths resolve against the project root.
    specs : list of ModelSpec
        The models file's specs; ``headline.model`` must be one of them.
    columns : iterable of str, optional
        Column names an outcome may use (checked when given).
    index_ids : iterable of str
        Codebook index ids (outcomes whose construction can vary).

    Raises
    ------
    ModelSpecError
        For a missing or unreadable file and for every rule it breaks, all listed at once.
    """
    raw, shown = read_spec_file(path, missing_hint="multiverse file not found. Pass robustness_path "
                                "with a robustness YAML file (see notebooks/robustness.yaml).")
    return multiverse_from_dict(raw, specs, source=shown, columns=columns, index_ids=index_ids)


def _choices(section: dict, key: str, allowed, default, problems, source) -> tuple:
    value = section.get(key, list(default))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        problems.append(f"{source}: multiverse.{key} must be a non-empty list, got {value!r}")
        return tuple(default)
    if allowed is not None:
        for item in value:
            if item not in allowed:
                problems.append(f"{source}: multiverse.{key}: unknown choice {item!r}; "
                                f"use one of {', '.join(allowed)}")
    return tuple(value)


def _headline(raw, where: str, specs_by_id: dict, problems: list, *, need_benchmark: bool) -> Headline | None:
    if not isinstance(raw, dict) or "model" not in raw or "term" not in raw:
        problems.append(f"{where}: needs 'model' (an id of the models file) and 'term' "
                        "(a term as statsmodels names it)")
        return None
    model, term = str(raw["model"]), str(raw["term"])
    spec = specs_by_id.get(model)
    if spec is None:
        problems.append(f"{where}: model {model!r} is not in the models file "
                        f"(ids: {', '.join(specs_by_id)})")
        return None
    if spec.family != "ols":
        problems.append(f"{where}: model {model!r} is {spec.family}; this stage handles ols models "
                        "only. Name an ols model.")
    if need_benchmark and not raw.get("benchmark"):
        problems.append(f"{where}: needs 'benchmark', an observed covariate term of {model!r}")
    return Headline(model=model, term=term, benchmark=str(raw.get("benchmark", "")),
                    label=str(raw.get("label", term)))


def multiverse_from_dict(raw, specs, *, source: str = "robustness", columns=None, index_ids=()) -> Multiverse:
    """Validate a parsed multiverse file; see :func:`load_multiverse`."""
    if not isinstance(raw, dict):
        raise ModelSpecError(f"{source}: expected a mapping with sections {', '.join(sorted(_SECTIONS))}")
    problems: list[str] = []
    for key in sorted(set(raw) - _SECTIONS):
        problems.append(f"{source}: unknown section {key!r}; the sections are {', '.join(sorted(_SECTIONS))}")
    specs_by_id = {spec.id: spec for spec in specs}
    headline = _headline(raw.get("headline"), f"{source}: headline", specs_by_id, problems, need_benchmark=False)
    section = raw.get("multiverse") or {}
    if not isinstance(section, dict):
        problems.append(f"{source}: multiverse must be a mapping")
        section = {}
    for key in sorted(set(section) - _MULTIVERSE_KEYS):
        problems.append(f"{source}: multiverse: unknown key {key!r}; the keys are {', '.join(sorted(_MULTIVERSE_KEYS))}")
    spec = specs_by_id.get(headline.model) if headline else None
    outcomes = _choices(section, "outcomes", None, [spec.outcome] if spec else ["y"], problems, source)
    optional = tuple(section.get("optional_controls") or ())
    missing = _choices(section, "missing", MISSING_CHOICES, ["complete_case"], problems, source)
    outliers = _choices(section, "outliers", OUTLIER_CHOICES, ["none"], problems, source)
    index = _choices(section, "index", INDEX_CHOICES, ["mean_z"], problems, source)
    cov_types = _choices(section, "cov_type", COV_TYPES, [spec.cov_type if spec else "HC3"], problems, source)
    if spec is not None:
        terms = formula_terms(spec.formula)
        for control in optional:
            if control not in terms:
                problems.append(f"{source}: multiverse.optional_controls: {control!r} is not a term of "
                                f"{spec.id}'s formula; copy it as written there")
        if headline.term in optional:
            problems.append(f"{source}: the headline term {headline.term!r} cannot be optional")
        if outcomes[0] != spec.outcome:
            problems.append(f"{source}: multiverse.outcomes must start with {spec.id}'s outcome "
                            f"{spec.outcome!r}")
    if columns is not None:
        known = set(columns)
        for outcome in outcomes:
            if outcome not in known:
                problems.append(f"{source}: multiverse.outcomes: {outcome!r} is not a column of the data")
    inference = raw.get("inference") or {}
    draws = inference.get("draws", 500) if isinstance(inference, dict) else None
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 0:
        problems.append(f"{source}: inference.draws must be a whole number >= 0, got {draws!r}")
        draws = 0
    imputations = section.get("imputations", 5)
    if not isinstance(imputations, int) or isinstance(imputations, bool) or imputations < 2:
        problems.append(f"{source}: multiverse.imputations must be a whole number >= 2, got {imputations!r}")
        imputations = 5
    sensitivity = tuple(item for position, entry in enumerate(raw.get("sensitivity") or [], 1)
                        if (item := _headline(entry, f"{source}: sensitivity entry {position}",
                                              specs_by_id, problems, need_benchmark=True)))
    power_section = raw.get("power") or {}
    power = tuple(item for position, entry in enumerate(power_section.get("terms") or [], 1)
                  if (item := _headline(entry, f"{source}: power entry {position}", specs_by_id,
                                        problems, need_benchmark=False)))
    replicates = power_section.get("replicates", 0)
    if not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 0:
        problems.append(f"{source}: power.replicates must be a whole number >= 0, got {replicates!r}")
        replicates = 0
    if problems:
        raise ModelSpecError("the multiverse file has problems:\n- " + "\n- ".join(problems))
    del index_ids  # the notebook passes them; construction choices apply to index outcomes only
    return Multiverse(headline=headline, spec=spec, outcomes=outcomes, optional_controls=optional,
                      missing=missing, outliers=outliers, index=index, cov_types=cov_types,
                      imputations=imputations, draws=draws, sensitivity=sensitivity, power=power,
                      power_replicates=replicates, source=source)


def specifications(multiverse: Multiverse, *, index_ids=()) -> pd.DataFrame:
    """Every combination of choices, one row per specification.

    Columns: ``spec_id`` (1, 2, ...) and :data:`CHOICE_COLUMNS`; ``controls`` lists the optional
    controls kept, joined by " + " (``none`` when none is kept). Index construction varies for
    outcomes in ``index_ids`` only.
    """
    optional = multiverse.optional_controls
    subsets = [combo for size in range(len(optional), -1, -1)
               for combo in itertools.combinations(optional, size)]
    rows = []
    for outcome in multiverse.outcomes:
        methods = multiverse.index if outcome in set(index_ids) else ("as_answered",)
        for subset, missing, outliers, method, cov_type in itertools.product(
                subsets, multiverse.missing, multiverse.outliers, methods, multiverse.cov_types):
            rows.append({"outcome": outcome, "controls": " + ".join(subset) or "none",
                         "missing": missing, "outliers": outliers, "index": method,
                         "cov_type": cov_type})
    table = pd.DataFrame(rows, columns=CHOICE_COLUMNS)
    table.insert(0, "spec_id", range(1, len(table) + 1))
    return table
