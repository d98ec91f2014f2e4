"""Joint Wald tests of blocks of terms: every factor, and named collinear blocks.

A factor's dummies are read together (does network matter at all?), and two collinear
predictors (budget and staff, VIF above 10) can each have a wide interval while jointly they
plainly matter. Each block ``R b = 0`` is tested with ``W = (R b)' (R V R')^-1 (R b)`` and the
covariance the model reports (HC2 or CR2 for linear models, the family's own otherwise):

- linear models: ``W / q`` against ``F(q, d)``, ``d`` the residual df (HC2, classical, HC0-HC3)
  or the number of clusters less one (CR2), the conventional small-sample reference;
- maximum-likelihood families: ``W`` against chi-square with ``q`` degrees of freedom.

Blocks: every patsy factor term with two or more columns (``C(x)[T.a]``, ``C(x)[T.b]``), then
the spec's ``joint_tests``. When a model has several blocks their p-values are Holm-adjusted
together (``p_adjusted``).

Examples
--------
>>> factor_blocks(["Intercept", "C(g)[T.b]", "C(g)[T.c]", "x"])
[('C(g)', ('C(g)[T.b]', 'C(g)[T.c]'))]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ipo_research.analysis.multiplicity import adjust_p_values
from ipo_research.exceptions import ModelSpecError
from ipo_research.models.fit import P_ADJUSTMENT, ModelFit, reported_parameters
from ipo_research.models.tables import term_label

__all__ = ["JOINT_TEST_COLUMNS", "factor_blocks", "wald_test", "joint_tests"]

JOINT_TEST_COLUMNS = ["model", "block", "terms", "test", "df_num", "df_denom", "statistic",
                      "p_value", "p_adjusted"]


def factor_blocks(terms) -> list[tuple[str, tuple[str, ...]]]:
    """The factor terms with two or more dummies, in order.

    Parameters
    ----------
    terms : iterable of str
        statsmodels term names.

    Returns
    -------
    list of (factor, terms)
    """
    blocks: dict[str, list[str]] = {}
    for term in terms:
        term = str(term)
        if "[T." in term:
            blocks.setdefault(term.split("[T.")[0], []).append(term)
    return [(name, tuple(members)) for name, members in blocks.items() if len(members) >= 2]


def wald_test(params: pd.Series, cov: pd.DataFrame, terms, *, df_denom: float | None) -> dict:
    """Joint Wald test that the named coefficients are all zero.

    Parameters
    ----------
    params : Series
        Estimates, indexed by term.
    cov : DataFrame
        Their covariance.
    terms : sequence of str
        The block.
    df_denom : float or None
        Denominator degrees of freedom for an F test; None for chi-square.

    Returns
    -------
    dict
        ``test`` ("F" or "chi2"), ``df_num``, ``df_denom``, ``statistic``, ``p_value``.

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.Series({"a": 2.0, "b": 0.0})
    >>> v = pd.DataFrame([[1.0, 0.0], [0.0, 1.0]], index=["a", "b"], columns=["a", "b"])
    >>> round(wald_test(b, v, ["a", "b"], df_denom=None)["statistic"], 3)
    4.0
    """
    terms = list(terms)
    estimate = params[terms].to_numpy(dtype=float)
    block = cov.loc[terms, terms].to_numpy(dtype=float)
    statistic = float(estimate @ np.linalg.pinv(block) @ estimate)
    q = len(terms)
    if df_denom is None:
        return {"test": "chi2", "df_num": q, "df_denom": np.nan, "statistic": statistic,
                "p_value": float(stats.chi2.sf(statistic, q))}
    return {"test": "F", "df_num": q, "df_denom": float(df_denom), "statistic": statistic / q,
            "p_value": float(stats.f.sf(statistic / q, q, df_denom))}


def joint_tests(fit: ModelFit) -> pd.DataFrame:
    """Joint tests of every factor block and every named block of a complete-case fit.

    Parameters
    ----------
    fit : ModelFit
        With ``fit.result`` set.

    Returns
    -------
    DataFrame
        :data:`JOINT_TEST_COLUMNS`; ``terms`` lists the block's term labels joined by " + ".

    Raises
    ------
    ModelSpecError
        When a named block lists a term the model does not have.
    """
    result = fit.result
    params, cov = reported_parameters(result)
    small = getattr(result, "small_sample", None)
    if small is not None:
        cov = pd.DataFrame(small.cov, index=params.index, columns=params.index)
        df_denom = small.df_joint
    else:
        df_denom = float(result.df_resid) if fit.spec.family == "ols" else None
    blocks = factor_blocks(params.index)
    for name, terms in fit.spec.joint_tests:
        absent = [term for term in terms if term not in params.index]
        if absent:
            raise ModelSpecError(
                f"model '{fit.spec.id}': joint_tests '{name}' names term(s) {', '.join(absent)} that "
                f"the model does not have; its terms are {', '.join(map(str, params.index))}. "
                "Fix joint_tests in the models file.")
        blocks.append((name, tuple(terms)))
    rows = [{"model": fit.spec.id, "block": term_label(name + "[T.x]").split(" = ")[0] if "[T." not in name
             and name.startswith("C(") else name,
             "terms": " + ".join(term_label(term) for term in terms),
             **wald_test(params, cov, terms, df_denom=df_denom)} for name, terms in blocks]
    table = pd.DataFrame(rows, columns=[c for c in JOINT_TEST_COLUMNS if c != "p_adjusted"])
    table["p_adjusted"] = adjust_p_values(table["p_value"], method=P_ADJUSTMENT) if len(table) else []
    return table[JOINT_TEST_COLUMNS]
