"""Model specs: what to fit, read from a models YAML file and checked before anything runs.

The schema is in docs/design.md (every field in :data:`MODELS_FILE_FIELDS`): ``id, title, family,
formula`` are required; ``question`` (the one-line question a model answers, for the reader),
``cov_type``, ``missing``, ``imputations`` (how many imputed data sets ``missing: mice`` draws,
default 20), ``auxiliary`` (columns that join the imputation model of ``missing: mice`` but not
the formula), ``bootstrap``, ``center`` (terms centered at their mean) and ``penalty`` (``firth``
for a Firth-penalized logit with profile intervals, family ``logit`` with ``cov_type: nonrobust``
only) are optional. Every mistake raises :class:`~ipo_research.exceptions.ModelSpecError` naming
the file, the spec and the fix.

Covariance types allowed per family: ``ols`` takes ``nonrobust``, ``HC0`` to ``HC3`` and
``CR2`` (default ``HC2`` with Bell-McCaffrey degrees of freedom, or ``CR2`` when the spec names
a ``cluster`` column); the maximum-likelihood families (``logit``, ``probit``, ``poisson``,
``negbin``, ``ordinal_logit``) take ``nonrobust`` and the sandwich ``HC0``, because
statsmodels computes HC1 to HC3 for them exactly like HC0 (default ``HC0`` for ``poisson``,
whose model-based errors are too small on overdispersed counts, ``nonrobust`` for the rest).

Sparse levels are handled by rule: ``min_level_size`` (default 5) is the fewest fitted rows a
factor level, or either side of a 0/1 predictor, may rest on; ``merge_levels`` merges named
levels into a stated neighbour first; a fit that still has a smaller level is refused
(:mod:`ipo_research.models.levels`). ``joint_tests`` names blocks of collinear terms that are
tested jointly besides every factor's block.

Examples
--------
>>> specs = model_specs_from_dict({"models": [
...     {"id": "m", "title": "M", "family": "ols", "formula": "y ~ x"}]})
>>> specs[0].cov_type, specs[0].missing, specs[0].bootstrap, specs[0].min_level_size
('HC2', 'complete_case', 0, 5)
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable


from ipo_research.exceptions import ModelSpecError
from ipo_research.paths import MODELS_PATH, project_path, relative_to_root
from ipo_research.files import read_yaml

__all__ = [
    "read_spec_file",
    "FAMILIES",
    "COV_TYPES",
    "MODELS_FILE_FIELDS",
    "MISSING_STRATEGIES",
    "PENALTIES",
    "ModelSpec",
    "load_model_specs",
    "model_columns",
    "model_specs_from_dict",
    "formula_columns",
    "formula_outcome",
    "specs_table",
]

FAMILIES = ("ols", "logit", "probit", "ordinal_logit", "poisson", "negbin")
COV_TYPES = {
    "ols": ("nonrobust", "HC0", "HC1", "HC2", "HC3", "CR2"),
    **{family: ("nonrobust", "HC0") for family in FAMILIES if family != "ols"},
}
DEFAULT_COV_TYPE = {"ols": "HC2", "poisson": "HC0",
                    **{family: "nonrobust" for family in FAMILIES if family not in ("ols", "poisson")}}
DEFAULT_MIN_LEVEL_SIZE = 5
MISSING_STRATEGIES = ("complete_case", "mice")
_REQUIRED = ("id", "title", "family", "formula")
# Every field a models file accepts; docs/design.md documents each and a test keeps them equal.
MODELS_FILE_FIELDS = {
    "models_file": ("models",),
    "model": (*_REQUIRED, "question", "cov_type", "cluster", "missing", "imputations", "auxiliary",
              "bootstrap", "min_level_size", "merge_levels", "joint_tests", "penalty", "center"),
}
PENALTIES = ("none", "firth")
_FIELDS = set(MODELS_FILE_FIELDS["model"])
# Names a formula may call or use that are not columns: patsy's helpers and numpy.
_FORMULA_NAMES = {"np", "numpy", "C", "I", "Q", "Treatment", "Sum", "Diff", "Helmert", "Poly",
                  "center", "standardize", "scale", "bs", "cr", "cc", "te", "log", "exp", "abs"}


@dataclass(frozen=True)
class ModelSpec:
    """One model to fit.

    Attributes
    ----------
    id : str
        Unique id; the ``model`` column of every output table.
    title : str
        Short title for tables and pages.
    family : str
        One of :data:`FAMILIES`.
    formula : str
        statsmodels (patsy) formula over cleaned column names.
    cov_type : str
        Covariance type (see the module notes for what each family allows).
    missing : str
        ``complete_case`` or ``mice``.
    bootstrap : int
        Bootstrap replicates (wild bootstrap-t for ols, pairs otherwise); 0 turns it off.
    question : str
        The question the model answers, in one line (may be empty).
    imputations : int
        Imputed data sets drawn when ``missing`` is ``mice``.
    cluster : str
        Column whose values group correlated rows (``cov_type: CR2``); empty for none.
    min_level_size : int
        Fewest rows a factor level (or either side of a 0/1 predictor) may rest on.
    merge_levels : tuple of (column, level, neighbour)
        Levels merged into a stated neighbour before fitting.
    joint_tests : tuple of (name, tuple of terms)
        Named blocks of terms tested jointly (factor blocks are tested without being named).
    auxiliary : tuple of str
        Columns in the imputation model of ``missing: mice`` only, not in the formula.
    penalty : str
        ``none`` (maximum likelihood) or ``firth`` (Firth-penalized logit with profile
        penalized-likelihood intervals, :mod:`ipo_research.models.firth`).
    center : tuple of str
        Terms (statsmodels term names) centered at their mean over the fitted rows, so the
        intercept or the ordinal thresholds read at typical values; slopes are unchanged.
    """

    id: str
    title: str
    family: str
    formula: str
    cov_type: str
    missing: str = "complete_case"
    bootstrap: int = 0
    question: str = ""
    imputations: int = 20
    cluster: str = ""
    min_level_size: int = DEFAULT_MIN_LEVEL_SIZE
    merge_levels: tuple = ()
    joint_tests: tuple = ()
    auxiliary: tuple = ()
    penalty: str = "none"
    center: tuple = ()

    @property
    def outcome(self) -> str:
        """The column on the left of the formula."""
        return formula_outcome(self.formula)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the formula uses, outcome first."""
        return formula_columns(self.formula)

    @property
    def frame_columns(self) -> tuple[str, ...]:
        """The formula's columns, then the cluster column when one is named."""
        extra = (self.cluster,) if self.cluster and self.cluster not in self.columns else ()
        return self.columns + extra


def load_model_specs(path: str | Path = MODELS_PATH, *,
                     columns: Iterable[str] | None = None) -> list[ModelSpec]:
    """Read and validate a models YAML file.

    Parameters
    ----------
    path : str or Path, default ``notebooks/models.yaml``
        Relative paths resolve against the project root.
    columns : iterable of str, optional
        Names a formula may use (data columns, codebook ids, index ids). When given, a formula
        naming anything else is an error that lists the closest known names.

    Returns
    -------
    list of ModelSpec
        In file order.

    Raises
    ------
    ModelSpecError
        For a missing or unreadable file and for every rule a spec breaks.

    Examples
    --------
    >>> [spec.id for spec in load_model_specs()][:1]  # doctest: +SKIP
    ['capacity_ols']
    """
    raw, shown = read_spec_file(path, missing_hint="models file not found. Pass --models with a "
                                "models YAML file (the schema is in docs/design.md, Model specs).")
    return model_specs_from_dict(raw, source=shown, columns=columns)


def read_spec_file(path: str | Path, *, missing_hint: str) -> tuple[Any, str]:
    """Parse a YAML spec file (models, multiverse); errors are :class:`ModelSpecError`.

    Parameters
    ----------
    path : str or Path
        Relative paths resolve against the project root.
    missing_hint : str
        What to say after the file's name when it does not exist.

    Returns
    -------
    raw : object
        The parsed YAML.
    shown : str
        The path as messages show it (relative to the project root).
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if not resolved.is_file():
        raise ModelSpecError(f"{shown}: {missing_hint}")
    return read_yaml(resolved, shown=shown, error=ModelSpecError), shown


def model_columns(codebook, *, context_path: str = "", state_column: str = "state") -> tuple[str, ...]:
    """The columns a model formula may name once :func:`ipo_research.models.run.prepare_responses` has run.

    Known before any data is read, so a models file can be checked against them up front.

    Parameters
    ----------
    codebook : Codebook
    context_path : str, default ""
        The state context file; its columns count when given and the codebook has a
        ``state_column`` question.
    state_column : str, default "state"

    Returns
    -------
    tuple of str
        Cleaned columns (:func:`ipo_research.survey.cleaning.cleaned_dtypes`), index ids and,
        when joined, the state context columns.
    """
    from ipo_research.survey.cleaning import cleaned_dtypes

    columns = [*cleaned_dtypes(codebook), *(index.id for index in codebook.indices)]
    if context_path and codebook.has_question(state_column):
        from ipo_research.analysis.context import CONTEXT_COLUMNS

        columns += CONTEXT_COLUMNS
    return tuple(columns)


def model_specs_from_dict(raw: Any, *, source: str = "models",
                          columns: Iterable[str] | None = None) -> list[ModelSpec]:
    """Build and validate model specs from parsed YAML (``{"models": [...]}``).

    Parameters
    ----------
    raw : dict
        The parsed document.
    source : str, default "models"
        Name of the file, for messages.
    columns : iterable of str, optional
        Known column names; see :func:`load_model_specs`.

    Returns
    -------
    list of ModelSpec

    Raises
    ------
    ModelSpecError
        Listing every problem, each naming the spec id.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list) or not raw["models"]:
        raise ModelSpecError(f"{source}: a models file is a mapping with a non-empty `models:` list "
                             "(see docs/design.md, Model specs).")
    unknown = sorted(str(key) for key in set(raw) - set(MODELS_FILE_FIELDS["models_file"]))
    if unknown:
        raise ModelSpecError(f"{source}: unknown top-level key(s) {', '.join(unknown)}; a models file "
                             "holds only a `models:` list (see docs/design.md, Model specs).")
    known = None if columns is None else set(columns)
    problems: list[str] = []
    specs: list[ModelSpec] = []
    seen: set[str] = set()
    for position, item in enumerate(raw["models"], start=1):
        spec_id = item.get("id") if isinstance(item, dict) else None
        if spec_id is not None and spec_id in seen:
            problems.append(f"model '{spec_id}': duplicate id (ids must be unique)")
        seen.add(spec_id)
        spec = _parse_spec(item, position, known, problems)
        if spec is not None:
            specs.append(spec)
    if problems:
        listed = "\n".join(f"  - {problem}" for problem in problems)
        raise ModelSpecError(f"{source}: {len(problems)} problem(s) in the model specs:\n{listed}")
    return specs


def _parse_spec(item: Any, position: int, known: set[str] | None,
                problems: list[str]) -> ModelSpec | None:
    if not isinstance(item, dict):
        problems.append(f"model #{position}: each model is a mapping with {', '.join(_REQUIRED)}")
        return None
    where = f"model '{item.get('id', f'#{position}')}'"
    before = len(problems)
    absent = [name for name in _REQUIRED if not item.get(name)]
    if absent:
        problems.append(f"{where}: missing required field(s) {', '.join(absent)}")
    unknown = sorted(set(item) - _FIELDS)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    family = item.get("family")
    if family is not None and family not in FAMILIES:
        problems.append(f"{where}: unknown family {family!r}; use one of {', '.join(FAMILIES)}")
    cov_type = item.get("cov_type", DEFAULT_COV_TYPE.get(family, "nonrobust"))
    if family in FAMILIES and cov_type not in COV_TYPES[family]:
        problems.append(f"{where}: cov_type {cov_type!r} is not available for family {family}; "
                        f"use one of {', '.join(COV_TYPES[family])}")
    missing = item.get("missing", "complete_case")
    if missing not in MISSING_STRATEGIES:
        problems.append(f"{where}: unknown missing strategy {missing!r}; use one of {', '.join(MISSING_STRATEGIES)}")
    cluster = item.get("cluster", "")
    if not isinstance(cluster, str):
        problems.append(f"{where}: cluster must be a column name, got {cluster!r}")
    elif cluster and family != "ols":
        problems.append(f"{where}: cluster is available for family ols only (cov_type CR2); "
                        "remove it or use family ols")
    elif cluster and item.get("missing", "complete_case") != "complete_case":
        problems.append(f"{where}: cluster needs `missing: complete_case` (CR2 is not pooled "
                        "across imputations); remove cluster or the imputation")
    if family == "ols" and "cov_type" not in item:
        cov_type = "CR2" if cluster else "HC2"
    if cov_type == "CR2" and not cluster:
        problems.append(f"{where}: cov_type CR2 needs a `cluster:` column (e.g. cluster: state)")
    elif cluster and isinstance(cluster, str) and cov_type != "CR2":
        problems.append(f"{where}: a cluster column needs cov_type CR2 (or leave cov_type out)")
    if isinstance(cluster, str) and cluster and known is not None and cluster not in known:
        problems.append(f"{where}: the cluster column '{cluster}' is not in the data")
    _check_penalty(item, where, cov_type, problems)
    center = item.get("center", [])
    if not isinstance(center, list) or not all(isinstance(term, str) and term for term in center):
        problems.append(f"{where}: center is a list of term names, e.g. center: [electoral_capacity, "
                        f"'np.log1p(annual_budget)'], got {center!r}")
        center = []
    merges = _parse_merges(item.get("merge_levels", {}), where, problems)
    joint = _parse_joint_tests(item.get("joint_tests", {}), where, problems)
    for name, low in (("bootstrap", 0), ("imputations", 2), ("min_level_size", 1)):
        value = item.get(name, low)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            problems.append(f"{where}: {name} must be a whole number of at least {low}, got {value!r}")
    if item.get("formula"):
        _check_formula(str(item["formula"]), where, known, problems)
    auxiliary = _parse_auxiliary(item, where, known, problems)
    if len(problems) > before:
        return None
    return ModelSpec(
        id=str(item["id"]), title=str(item["title"]), family=family, formula=str(item["formula"]),
        cov_type=cov_type, missing=missing, bootstrap=item.get("bootstrap", 0),
        question=str(item.get("question", "")), imputations=item.get("imputations", 20),
        cluster=cluster, min_level_size=item.get("min_level_size", DEFAULT_MIN_LEVEL_SIZE),
        merge_levels=merges, joint_tests=joint, auxiliary=auxiliary,
        penalty=item.get("penalty", "none"), center=tuple(center),
    )


def _parse_auxiliary(item: dict, where: str, known: set[str] | None, problems: list[str]) -> tuple:
    raw = item.get("auxiliary", [])
    if not isinstance(raw, list) or not all(isinstance(column, str) and column for column in raw):
        problems.append(f"{where}: auxiliary is a list of column names, e.g. auxiliary: [staff_fte], "
                        f"got {raw!r}")
        return ()
    if raw and item.get("missing", "complete_case") != "mice":
        problems.append(f"{where}: auxiliary columns feed the imputation model only; they need "
                        "`missing: mice` (or remove auxiliary)")
    try:
        in_formula = set(formula_columns(str(item.get("formula", "")))) if item.get("formula") else set()
    except ModelSpecError:
        in_formula = set()  # the formula's own problem is reported already
    for column in dict.fromkeys(raw):
        if column in in_formula:
            problems.append(f"{where}: auxiliary column '{column}' is already in the formula; "
                            "list only columns the formula does not use")
        elif known is not None and column not in known:
            similar = difflib.get_close_matches(column, sorted(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(similar)}?" if similar else "; check the column names of the cleaned data"
            problems.append(f"{where}: the auxiliary column '{column}' is not in the data{hint}")
    if len(set(raw)) < len(raw):
        problems.append(f"{where}: auxiliary lists a column twice: {raw!r}")
    return tuple(dict.fromkeys(raw))


def _check_penalty(item: dict, where: str, cov_type: str, problems: list[str]) -> None:
    penalty = item.get("penalty", "none")
    if penalty not in PENALTIES:
        problems.append(f"{where}: unknown penalty {penalty!r}; use one of {', '.join(PENALTIES)}")
    elif penalty == "firth":
        if item.get("family") != "logit":
            problems.append(f"{where}: penalty firth is available for family logit only, got family "
                            f"{item.get('family')!r}; remove the penalty or use family logit")
        if cov_type != "nonrobust":
            problems.append(f"{where}: penalty firth reports the inverse penalized information and "
                            f"profile intervals, so cov_type must be nonrobust (got {cov_type!r}); "
                            "remove cov_type or set it to nonrobust")
        if item.get("missing", "complete_case") != "complete_case" or item.get("bootstrap", 0):
            problems.append(f"{where}: penalty firth needs `missing: complete_case` and `bootstrap: 0` "
                            "(imputation and the bootstrap refit by maximum likelihood); remove the "
                            "penalty or those settings")


def _parse_merges(raw: Any, where: str, problems: list[str]) -> tuple:
    shape = (f"{where}: merge_levels maps a column to {{level: neighbour}}, e.g. "
             "merge_levels: {primary_network: {other: unaffiliated}}")
    if not isinstance(raw, dict):
        problems.append(shape)
        return ()
    merges = []
    for column, mapping in raw.items():
        if not isinstance(mapping, dict) or not mapping:
            problems.append(shape)
            continue
        for level, neighbour in mapping.items():
            if str(level) == str(neighbour) or str(neighbour) in {str(key) for key in mapping}:
                problems.append(f"{where}: merge_levels for '{column}' merges '{level}' into "
                                f"'{neighbour}', which is itself merged or the same level; name a "
                                "level that stays")
            merges.append((str(column), str(level), str(neighbour)))
    return tuple(merges)


def _parse_joint_tests(raw: Any, where: str, problems: list[str]) -> tuple:
    if not isinstance(raw, dict) or not all(
            isinstance(terms, list) and len(terms) >= 2 and all(isinstance(t, str) for t in terms)
            for terms in raw.values()):
        problems.append(f"{where}: joint_tests maps a name to a list of two or more term names, "
                        "e.g. joint_tests: {budget_and_staff: ['np.log1p(annual_budget)', "
                        "'np.log1p(staff_fte)']}")
        return ()
    return tuple((str(name), tuple(terms)) for name, terms in raw.items())


def _check_formula(formula: str, where: str, known: set[str] | None, problems: list[str]) -> None:
    try:
        used = formula_columns(formula)
    except ModelSpecError as error:
        problems.append(f"{where}: {error}")
        return
    if known is None:
        return
    for column in used:
        if column not in known:
            similar = difflib.get_close_matches(column, sorted(known), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(similar)}?" if similar else "; check the column names of the cleaned data"
            problems.append(f"{where}: the formula uses unknown column '{column}'{hint}")


def formula_outcome(formula: str) -> str:
    """The column on the left of ``~`` in a formula.

    Parameters
    ----------
    formula : str

    Returns
    -------
    str
    """
    return formula_columns(formula)[0]


def formula_columns(formula: str) -> tuple[str, ...]:
    """Every data column a formula uses, outcome first, in order of appearance.

    Parameters
    ----------
    formula : str
        A statsmodels formula, e.g. ``"y ~ np.log1p(x) + C(g, Treatment('a'))"``.

    Returns
    -------
    tuple of str

    Raises
    ------
    ModelSpecError
        When the formula has no ``~`` or cannot be parsed.

    Examples
    --------
    >>> formula_columns("y ~ np.log1p(x) + I(2016 - year) + C(g, Treatment('a'))")
    ('y', 'x', 'year', 'g')
    """
    from patsy import ModelDesc, PatsyError

    if formula.count("~") != 1:
        raise ModelSpecError(f"formula {formula!r} needs exactly one '~' (outcome ~ predictors)")
    try:
        description = ModelDesc.from_formula(formula)
    except PatsyError as error:
        raise ModelSpecError(f"formula {formula!r} cannot be parsed ({error.message})") from None
    if not description.lhs_termlist:
        raise ModelSpecError(f"formula {formula!r} has no outcome on the left of '~'")
    columns: list[str] = []
    for term in (*description.lhs_termlist, *description.rhs_termlist):
        for factor in term.factors:
            for name in _names_in(factor.code, formula):
                if name not in columns:
                    columns.append(name)
    return tuple(columns)


def _names_in(code: str, formula: str) -> list[str]:
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError:
        raise ModelSpecError(f"formula {formula!r}: cannot read the term {code!r}") from None
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    attribute_owners = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Q":
            names += [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        elif (isinstance(node, ast.Name) and id(node) not in called
              and id(node) not in attribute_owners and node.id not in _FORMULA_NAMES):
            names.append(node.id)
    return sorted(set(names), key=names.index)


def specs_table(specs: list[ModelSpec]):
    """The specs as a table for the reader: what each model asks and how it is fitted.

    Parameters
    ----------
    specs : list of ModelSpec

    Returns
    -------
    DataFrame
        ``model, title, question, family, outcome, cov_type, cluster, missing, bootstrap,
        min_level_size, penalty``.
    """
    import pandas as pd

    return pd.DataFrame([
        {"model": spec.id, "title": spec.title, "question": spec.question, "family": spec.family,
         "outcome": spec.outcome, "cov_type": spec.cov_type, "cluster": spec.cluster,
         "missing": spec.missing, "bootstrap": spec.bootstrap, "min_level_size": spec.min_level_size,
         "penalty": spec.penalty}
        for spec in specs
    ])
