"""The specification curve (Simonsohn, Simmons & Nelson 2020) and its inference.

:func:`build_designs` turns every specification of a multiverse into an outcome vector and a
design matrix (index construction, controls, missing-data handling and outlier rule applied);
:func:`specification_curve` fits them all (ordinary least squares in numpy, with the same
covariance types and t-based inference as the models stage; ``mice`` specifications pool their
imputed fits by Rubin's rules); :func:`curve_inference` tests the curve as a whole under the
null of no effect, as the paper proposes for linear models: in every draw the organizations are
resampled with replacement (the same draw for every specification) from data whose outcome has
the term's estimated effect removed (``y - b x``), and all specifications are refitted. The
draws run in a process pool; draw ``k`` uses the random stream ``(seed, k)`` whatever the pool
size, so the result does not depend on ``jobs``.

A draw refits each specification whole, its outlier rule included (winsorizing and Cook's
distance are applied to the resampled rows); a ``mice`` specification is refitted on its first
completed data set (the imputation is not redrawn).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
import multiprocessing

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.exceptions import DataError
from ipo_research.models.fit import complete_cases, design_matrices, model_frame
from ipo_research.models.imputation import impute_frames
from ipo_research.analysis.indices import compute_index, index_items
from ipo_research.robustness.multiverse import CHOICE_COLUMNS, formula_terms, specifications

__all__ = [
    "CURVE_COLUMNS", "INFERENCE_COLUMNS", "Design", "ols_fit", "index_scores", "build_designs",
    "specification_curve", "null_draws", "curve_inference", "curve_sentence", "warning_notes",
]

CURVE_COLUMNS = ["spec_id", *CHOICE_COLUMNS, "estimate", "std_error", "p_value", "n_obs", "significant"]
INFERENCE_COLUMNS = ["statistic", "observed", "p_value", "draws", "direction"]
_ALPHA = 0.05
_WINSOR = (5.0, 95.0)


@dataclass
class Design:
    """One specification ready to fit: outcome, design, the term's column and the rows used.

    ``y``, ``X`` and ``rows`` are before the outlier rule, which every fit applies (the observed
    one and each null draw alike). ``rows`` are positions in the responses (for resampling the
    same organizations across specifications); ``completed`` holds every imputed (y, X) pair of
    a ``mice`` specification (``y``, ``X`` and ``rows`` are its first).
    """

    spec_id: int
    y: np.ndarray
    X: np.ndarray
    column: int
    rows: np.ndarray
    cov_type: str
    outliers: str = "none"
    completed: list | None = None


def ols_fit(y: np.ndarray, X: np.ndarray, column: int, cov_type: str) -> tuple[float, float, int]:
    """Estimate and standard error of one coefficient, and the residual degrees of freedom.

    Same numbers as statsmodels' ``OLS(y, X).fit(cov_type=..., use_t=True)`` for
    ``nonrobust`` and ``HC0`` to ``HC3`` (a rank-deficient design falls back to the
    pseudo-inverse, as statsmodels does).
    """
    n, k = X.shape
    gram = X.T @ X
    try:
        xtx_inv = np.linalg.inv(gram)
    except np.linalg.LinAlgError:
        xtx_inv = np.linalg.pinv(gram)
    beta = xtx_inv @ (X.T @ y)
    resid = y - X @ beta
    df = n - k
    row = xtx_inv[column]
    if cov_type == "nonrobust":
        variance = row[column] * (resid @ resid) / df
    else:
        weights = resid ** 2
        if cov_type in ("HC2", "HC3"):
            leverage = ((X @ xtx_inv) * X).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                # leverage 1 (a level seen once) makes the variance infinite, as in statsmodels
                weights = weights / (1 - leverage) ** (1 if cov_type == "HC2" else 2)
        projected = X @ row
        with np.errstate(invalid="ignore"):
            variance = float(projected ** 2 @ weights)
        if not np.isfinite(variance):
            variance = np.inf
        if cov_type == "HC1":
            variance *= n / df
    return float(beta[column]), float(np.sqrt(variance)), df


def _p_value(estimate: float, se: float, df: float) -> float:
    return float(2 * stats.t.sf(abs(estimate / se), df))


def index_scores(responses: pd.DataFrame, index, method: str) -> pd.Series:
    """Score an index by ``mean_z`` (the codebook's rule), ``pca`` or ``sum``.

    ``pca``: first principal component of the z-scored items (unanswered items at the mean),
    scaled to standard deviation 1 and signed to correlate positively with ``mean_z``. ``sum``:
    the sum of the transformed items, prorated over the answered ones (mean times the number of
    items). Both are then put on the scale of the codebook's score (its mean and standard
    deviation), so estimates compare across constructions. Respondents without a codebook
    score (fewer than ``min_items`` answered items) get none.
    """
    base = compute_index(responses, index)
    if method == "mean_z":
        return base
    items = index_items(responses, index)
    answered = base.notna()
    if method == "sum":
        score = items.mean(axis=1) * items.shape[1]
    elif method == "pca":
        z = ((items - items.mean()) / items.std(ddof=1)).where(answered)
        filled = z[answered].fillna(0.0).to_numpy()
        _, _, vt = np.linalg.svd(filled - filled.mean(axis=0), full_matrices=False)
        component = pd.Series(filled @ vt[0], index=z[answered].index)
        component = component / component.std(ddof=1)
        if np.corrcoef(component, base[answered].astype(float))[0, 1] < 0:
            component = -component
        score = component.reindex(items.index)
    else:
        raise DataError(f"index construction {method!r} is unknown; use mean_z, pca or sum")
    score = score.where(answered)
    # On the codebook index's scale (its mean and standard deviation), so estimates compare.
    reference = base.astype(float)
    score = (score - score.mean()) / score.std(ddof=1) * reference.std(ddof=1) + reference.mean()
    return score.astype("Float64").rename(index.id)


def _winsorize(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    def clip(values):
        low, high = np.percentile(values, _WINSOR)
        return np.clip(values, low, high)
    X = X.copy()
    for j in range(X.shape[1]):
        if len(np.unique(X[:, j])) > 2:
            X[:, j] = clip(X[:, j])
    return clip(y), X


def _cooks_keep(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    n, k = X.shape
    xtx_inv = np.linalg.pinv(X.T @ X)
    resid = y - X @ (xtx_inv @ (X.T @ y))
    leverage = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    mse = resid @ resid / (n - k)
    cooks = resid ** 2 / (k * mse) * leverage / (1 - leverage) ** 2
    return cooks <= 4 / n


def _apply_outliers(y, X, rule):
    if rule == "winsorize":
        return _winsorize(y, X)
    if rule == "cooks":
        keep = _cooks_keep(y, X)
        return y[keep], X[keep]
    return y, X


def _fit_rule(y, X, column, cov_type, rule) -> tuple[float, float, int, int]:
    """Apply the outlier rule, then fit: estimate, SE, residual df and rows used."""
    y, X = _apply_outliers(y, X, rule)
    estimate, se, df = ols_fit(y, X, column, cov_type)
    return estimate, se, df, len(y)


def _matrices(data: pd.DataFrame, spec, term: str, positions: pd.Series):
    y, X = design_matrices(data, spec)
    if term not in X.columns:
        raise DataError(f"specification curve: the term {term!r} is not in the design of "
                        f"{spec.formula!r} (columns: {', '.join(X.columns)})")
    rows = positions.loc[data.index].to_numpy()
    return y.iloc[:, 0].to_numpy(float), X.to_numpy(float), list(X.columns).index(term), rows


def build_designs(responses: pd.DataFrame, multiverse, *, indices=(), key: str | None = None,
                  seed: int = 2016, table: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[Design]]:
    """The specifications of a multiverse and their designs.

    Parameters
    ----------
    responses : DataFrame
        Prepared responses (indices and context added), one row per organization.
    multiverse : Multiverse
    indices : iterable of codebook Index
        The codebook's indices; an outcome among them can be scored another way.
    key : str, optional
        The survey key column (becomes the row index of model frames).
    seed : int
        Seed of the imputations.
    table : DataFrame, optional
        Specifications to build (default: all of :func:`specifications`).

    Returns
    -------
    table : DataFrame
        :func:`specifications`' rows.
    designs : list of Design
        In the table's order.
    """
    by_id = {index.id: index for index in indices}
    if table is None:
        table = specifications(multiverse, index_ids=by_id)
    term = multiverse.headline.term
    terms = formula_terms(multiverse.spec.formula)
    rescored: dict[tuple[str, str], pd.DataFrame] = {}
    imputed: dict[str, list] = {}
    built: dict[tuple, list] = {}  # (formula, index, missing) -> [(y, X, column, rows), ...]
    designs = []
    for row in table.itertuples(index=False):
        kept = set(row.controls.split(" + ")) if row.controls != "none" else set()
        rhs = [t for t in terms if t not in multiverse.optional_controls or t in kept]
        spec = replace(multiverse.spec, formula=f"{row.outcome} ~ " + " + ".join(rhs),
                       cov_type=row.cov_type, missing=row.missing)
        # A level merge of the models file applies only while its column stays in the formula.
        spec = replace(spec, merge_levels=tuple(merge for merge in spec.merge_levels
                                                if merge[0] in spec.columns))
        cache_key = (spec.formula, row.index, row.missing)
        if cache_key not in built:
            data = responses
            if row.index not in ("as_answered", "mean_z"):
                if (row.outcome, row.index) not in rescored:
                    rescored[(row.outcome, row.index)] = responses.assign(
                        **{row.outcome: index_scores(responses, by_id[row.outcome], row.index)})
                data = rescored[(row.outcome, row.index)]
            frame = model_frame(data, spec, key=key)
            positions = pd.Series(np.arange(len(frame)), index=frame.index)
            if row.missing == "complete_case":
                complete, _, _ = complete_cases(frame)
                built[cache_key] = [_matrices(complete, spec, term, positions)]
            else:
                if not imputed:
                    full = model_frame(responses, replace(multiverse.spec, missing="mice"), key=key)
                    # statsmodels' chained equations warn when a step's design is rank-deficient
                    # (sparse dummies among the covariates); the warnings are counted for the
                    # page (table.attrs["notes"]) instead of printed once per step.
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        imputed["all"] = impute_frames(full, m=multiverse.imputations, seed=seed)
                    table.attrs["notes"] = warning_notes(caught, where="the imputations of the curve's mice specifications")
                built[cache_key] = []
                for filled in imputed["all"]:
                    # Imputed once on the codebook's index; another scoring replaces the observed
                    # outcome values and keeps the imputed ones (same scale, see index_scores).
                    filled = filled[list(frame.columns)].copy()
                    filled[row.outcome] = frame[row.outcome].fillna(filled[row.outcome])
                    usable, _, _ = complete_cases(filled)
                    built[cache_key].append(_matrices(usable, spec, term, positions))
        y, X, column, rows = built[cache_key][0]
        completed = [(vy, vX) for vy, vX, _, _ in built[cache_key]] if row.missing == "mice" else None
        designs.append(Design(row.spec_id, y, X, column, rows, row.cov_type, row.outliers, completed))
    return table, designs


def warning_notes(caught, *, where: str) -> list[str]:
    """Recorded warnings as sentences, one per kind with its count.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     for _ in range(3):
    ...         warnings.warn("rank-deficient", RuntimeWarning)
    >>> warning_notes(caught, where="the imputations")
    ['During the imputations, RuntimeWarning "rank-deficient" was raised 3 times.']
    """
    counts = Counter((item.category.__name__, str(item.message)) for item in caught)
    return [f'During {where}, {category} "{message}" was raised {count} time{"s" if count > 1 else ""}.'
            for (category, message), count in counts.items()]


def _fit_design(design: Design) -> tuple[float, float, float, int]:
    if not design.completed:
        estimate, se, df, n = _fit_rule(design.y, design.X, design.column, design.cov_type, design.outliers)
        return estimate, se, _p_value(estimate, se, df), n
    fits = [_fit_rule(y, X, design.column, design.cov_type, design.outliers) for y, X in design.completed]
    estimates = np.array([f[0] for f in fits])
    within = np.mean([f[1] ** 2 for f in fits])
    m = len(fits)
    between = estimates.var(ddof=1)
    total = within + (1 + 1 / m) * between
    ratio = within / ((1 + 1 / m) * between) if between > 0 else np.inf
    df = min((m - 1) * (1 + ratio) ** 2 if np.isfinite(ratio) else fits[0][2], fits[0][2])
    estimate = float(estimates.mean())
    return estimate, float(np.sqrt(total)), _p_value(estimate, np.sqrt(total), df), fits[0][3]


def specification_curve(table: pd.DataFrame, designs: list[Design]) -> pd.DataFrame:
    """Fit every specification: :data:`CURVE_COLUMNS`, sorted by ``spec_id``."""
    fits = [_fit_design(design) for design in designs]
    curve = table.copy()
    curve["estimate"] = [f[0] for f in fits]
    curve["std_error"] = [f[1] for f in fits]
    curve["p_value"] = [f[2] for f in fits]
    curve["n_obs"] = [f[3] for f in fits]
    curve["significant"] = curve["p_value"] < _ALPHA
    return curve[CURVE_COLUMNS]


def null_draws(designs: list[Design], estimates: np.ndarray, draws, *, seed: int, n_rows: int):
    """Estimates and two-sided p-values of every specification in the given null draws.

    Returns two arrays of shape (len(draws), len(designs)).
    """
    draws = list(draws)
    out_b = np.empty((len(draws), len(designs)))
    out_t = np.empty_like(out_b)
    out_df = np.empty_like(out_b)
    nulls = [design.y - estimates[i] * design.X[:, design.column] for i, design in enumerate(designs)]
    # A resample can repeat one organization of a small level until its row has leverage 1:
    # Cook's distance is then undefined and the variance estimate not positive. Such a fit counts
    # as not significant (t = 0 below) and the draw is kept; numpy's warnings about it are not
    # news, so they are not printed for each of the thousands of fits.
    with np.errstate(divide="ignore", invalid="ignore"):
        _fill_null_draws(designs, nulls, draws, seed=seed, n_rows=n_rows, out=(out_b, out_t, out_df))
    return out_b, 2 * stats.t.sf(np.abs(out_t), out_df)


def _fill_null_draws(designs, nulls, draws, *, seed: int, n_rows: int, out) -> None:
    out_b, out_t, out_df = out
    for d, draw in enumerate(draws):
        rng = np.random.default_rng([seed, draw])
        counts = np.bincount(rng.integers(0, n_rows, n_rows), minlength=n_rows)
        for i, design in enumerate(designs):
            picked = np.repeat(np.arange(len(design.rows)), counts[design.rows])
            estimate, se, df, _ = _fit_rule(nulls[i][picked], design.X[picked], design.column,
                                            design.cov_type, design.outliers)
            out_b[d, i] = estimate
            out_t[d, i] = estimate / se if se > 0 else 0.0
            out_df[d, i] = max(df, 1)


def _statistics(estimates: np.ndarray, p_values: np.ndarray) -> np.ndarray:
    """Per row (one set of specifications): |median estimate|, count significant in the
    dominant direction (the sign of the median) and Stouffer Z in that direction."""
    estimates, p_values = np.atleast_2d(estimates), np.atleast_2d(p_values)
    median = np.median(estimates, axis=1)
    direction = np.where(median >= 0, 1.0, -1.0)[:, None]
    agrees = np.sign(estimates) == direction
    significant = ((p_values < _ALPHA) & agrees).sum(axis=1)
    one_sided = np.where(agrees, p_values / 2, 1 - p_values / 2)
    z = stats.norm.isf(np.clip(one_sided, 1e-300, 1 - 1e-16))
    stouffer = z.sum(axis=1) / np.sqrt(estimates.shape[1])
    return np.column_stack([np.abs(median), significant, stouffer])


def curve_inference(curve: pd.DataFrame, designs: list[Design], *, draws: int, seed: int,
                    n_rows: int, jobs: int = 1) -> pd.DataFrame:
    """Test the curve as a whole against resampling under the null of no effect.

    Parameters
    ----------
    curve : DataFrame
        From :func:`specification_curve`.
    designs : list of Design
    draws : int
        Resampling draws (0: observed statistics only, p-values empty).
    seed : int
    n_rows : int
        Organizations in the responses (the rows the draws resample).
    jobs : int, default 1
        Worker processes.

    Returns
    -------
    DataFrame
        :data:`INFERENCE_COLUMNS`, three rows: ``median_estimate``, ``share_significant``
        (specifications with p < 0.05 in the dominant direction, as a share), ``stouffer_z``.
        A p-value is the share of draws whose statistic, each in its own dominant direction,
        is at least as large (the median in absolute value).
    """
    estimates = curve["estimate"].to_numpy(float)
    direction = 1.0 if np.median(estimates) >= 0 else -1.0
    observed = _statistics(estimates, curve["p_value"].to_numpy(float))[0]
    p_values = [np.nan] * 3
    if draws:
        chunks = [range(start, draws, max(jobs, 1)) for start in range(max(jobs, 1))]
        if jobs > 1:
            # fork starts workers in milliseconds; spawn (elsewhere) re-imports the package
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            context = multiprocessing.get_context(method)
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                parts = list(pool.map(_draw_chunk, [(designs, estimates, chunk, seed, n_rows) for chunk in chunks]))
        else:
            parts = [_draw_chunk((designs, estimates, chunks[0], seed, n_rows))]
        order = np.concatenate([list(chunk) for chunk in chunks])
        b = np.concatenate([part[0] for part in parts])[np.argsort(order)]
        p = np.concatenate([part[1] for part in parts])[np.argsort(order)]
        # each draw in its own dominant direction, as the observed curve (Simonsohn et al. 2020)
        null = _statistics(b, p)
        p_values = [float(np.mean(null[:, j] >= observed[j] - 1e-12)) for j in range(3)]
    share = observed[1] / len(estimates)
    return pd.DataFrame({
        "statistic": ["median_estimate", "share_significant", "stouffer_z"],
        "observed": [direction * observed[0], share, observed[2]],
        "p_value": p_values,
        "draws": draws,
        "direction": "positive" if direction > 0 else "negative",
    }, columns=INFERENCE_COLUMNS)


def _draw_chunk(arguments):
    designs, estimates, chunk, seed, n_rows = arguments
    return null_draws(designs, estimates, chunk, seed=seed, n_rows=n_rows)


def curve_sentence(curve: pd.DataFrame, inference: pd.DataFrame, *, label: str) -> str:
    """Plain words on the curve and its inference."""
    stats_by = inference.set_index("statistic")
    share = stats_by.loc["share_significant", "observed"]
    direction = stats_by.loc["median_estimate", "direction"]
    text = (f"Across {len(curve)} specifications the estimate of `{label}` ranges from "
            f"{curve['estimate'].min():.3g} to {curve['estimate'].max():.3g} (median "
            f"{stats_by.loc['median_estimate', 'observed']:.3g}); {100 * share:.0f}% of the "
            f"specifications are significant at 5% in the {direction} direction.")
    if stats_by["draws"].iloc[0]:
        draws = int(stats_by["draws"].iloc[0])
        p = stats_by["p_value"]
        def shown(value):
            return f"< {1 / draws:.3g}" if value == 0 else f"= {value:.3g}"
        text += (f" Under the null of no effect ({draws} resampling draws) a median this far "
                 f"from zero has p {shown(p['median_estimate'])}, this share of significant "
                 f"specifications p {shown(p['share_significant'])} and the aggregate Stouffer Z "
                 f"({stats_by.loc['stouffer_z', 'observed']:.2f}) p {shown(p['stouffer_z'])}.")
    return text
