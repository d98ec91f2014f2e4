"""Sparse levels by rule, leverage near 1, and joint Wald tests of blocks."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ipo_research.exceptions import DataError, ModelSpecError
from ipo_research.models.fit import fit_complete_case, model_frame
from ipo_research.models.levels import check_level_sizes, leverage, level_sizes, merge_levels
from ipo_research.models.specs import ModelSpec, model_specs_from_dict
from ipo_research.models.wald import factor_blocks, joint_tests


def _spec(formula, **fields):
    return ModelSpec(id="m", title="M", family="ols", formula=formula, cov_type="HC2", **fields)


def _frame(sizes, seed=0):
    rng = np.random.default_rng(seed)
    groups = [name for name, size in sizes.items() for _ in range(size)]
    x = rng.normal(size=len(groups))
    effects = {"a": 0.0, "b": 1.0, "c": 2.0, "d": -1.0}
    y = np.array([effects[g] for g in groups]) + 0.5 * x + rng.normal(scale=0.3, size=len(groups))
    return pd.DataFrame({"y": y, "x": x, "g": pd.Categorical(groups, categories=list(sizes))},
                        index=[f"r{i}" for i in range(len(groups))])


def test_a_level_with_two_members_is_refused_by_default_naming_the_level_and_the_fix():
    data = _frame({"a": 10, "b": 8, "c": 2})
    with pytest.raises(ModelSpecError) as error:
        fit_complete_case(data, _spec("y ~ x + C(g)"))
    message = str(error.value)
    assert "model 'm'" in message and "'g' = 'c' (2)" in message and "min_level_size 5" in message
    assert "merge_levels: {g: {c:" in message


def test_a_merged_level_moves_its_rows_to_the_stated_neighbour_and_says_so():
    data = _frame({"a": 10, "b": 8, "c": 2})
    spec = _spec("y ~ x + C(g)", merge_levels=(("g", "c", "b"),))
    frame = model_frame(data, spec)
    assert frame["g"].value_counts().to_dict() == {"a": 10, "b": 10}
    fit = fit_complete_case(frame, spec)
    assert "C(g)[T.c]" not in set(fit.coefficients["term"])
    assert any("level 'c' (2 row(s)) merged into 'b'" in note for note in fit.notes)
    # The merged fit equals a fit on data where the two rows were recorded as 'b'.
    recoded = data.assign(g=pd.Categorical(data["g"].astype(str).replace("c", "b"), categories=["a", "b"]))
    direct = fit_complete_case(recoded, _spec("y ~ x + C(g)"))
    assert fit.coefficients["estimate"].to_numpy() == pytest.approx(direct.coefficients["estimate"].to_numpy())


def test_merging_into_an_unknown_level_is_a_spec_error():
    data = _frame({"a": 10, "b": 8, "c": 2})
    with pytest.raises(ModelSpecError, match=r"'g' has no level 'zz'"):
        model_frame(data, _spec("y ~ x + C(g)", merge_levels=(("g", "c", "zz"),)))


def test_a_zero_one_predictor_with_few_ones_is_refused_and_counted_both_ways():
    data = _frame({"a": 10, "b": 10})
    data["flag"] = 0.0
    data.iloc[:3, data.columns.get_loc("flag")] = 1.0
    sizes = level_sizes(data, _spec("y ~ x + flag"))
    assert sizes.to_dict("records") == [{"column": "flag", "level": "0", "n": 17},
                                        {"column": "flag", "level": "1", "n": 3}]
    with pytest.raises(ModelSpecError, match=r"'flag' = '1' \(3\)"):
        check_level_sizes(data, _spec("y ~ x + flag"))
    check_level_sizes(data, _spec("y ~ x + flag", min_level_size=3))  # at the minimum: allowed


def test_a_singleton_level_has_leverage_one_and_the_fit_is_refused_even_when_allowed_by_size():
    data = _frame({"a": 10, "b": 8, "c": 1})
    assert leverage(pd.get_dummies(data["g"], dtype=float)).max() == pytest.approx(1.0)
    with pytest.raises(DataError, match=r"leverage of at least 0.95"):
        fit_complete_case(data, _spec("y ~ x + C(g)", min_level_size=1))


def test_models_file_fields_are_read_and_checked():
    specs = model_specs_from_dict({"models": [{
        "id": "m", "title": "M", "family": "ols", "formula": "y ~ x + C(g) + z", "cluster": "s",
        "min_level_size": 4, "merge_levels": {"g": {"c": "b"}}, "joint_tests": {"xz": ["x", "z"]}}]})
    spec = specs[0]
    assert (spec.cov_type, spec.cluster, spec.min_level_size) == ("CR2", "s", 4)
    assert spec.merge_levels == (("g", "c", "b"),) and spec.joint_tests == (("xz", ("x", "z")),)
    with pytest.raises(ModelSpecError, match=r"merge_levels maps a column"):
        model_specs_from_dict({"models": [{"id": "m", "title": "M", "family": "ols", "formula": "y ~ x",
                                           "merge_levels": ["g"]}]})
    with pytest.raises(ModelSpecError, match=r"cluster is available for family ols only"):
        model_specs_from_dict({"models": [{"id": "m", "title": "M", "family": "logit", "formula": "y ~ x",
                                           "cluster": "s"}]})
    with pytest.raises(ModelSpecError, match=r"min_level_size must be a whole number of at least 1"):
        model_specs_from_dict({"models": [{"id": "m", "title": "M", "family": "ols", "formula": "y ~ x",
                                           "min_level_size": 0}]})


def test_factor_blocks_group_the_dummies_of_each_factor():
    assert factor_blocks(["Intercept", "C(g)[T.b]", "C(g)[T.c]", "x", "C(h)[T.y]"]) == [
        ("C(g)", ("C(g)[T.b]", "C(g)[T.c]"))]


def test_joint_test_of_a_factor_under_nonrobust_errors_equals_the_nested_model_f_test():
    import statsmodels.formula.api as smf

    data = _frame({"a": 10, "b": 8, "c": 7, "d": 6})
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x + C(g)", cov_type="nonrobust")
    table = joint_tests(fit_complete_case(data, spec)).set_index("block")
    full = smf.ols("y ~ x + C(g)", data).fit()
    reduced = smf.ols("y ~ x", data).fit()
    f_value, p_value, df_diff = full.compare_f_test(reduced)
    assert table.loc["g", "statistic"] == pytest.approx(f_value)
    assert table.loc["g", "p_value"] == pytest.approx(p_value)
    assert (table.loc["g", "df_num"], table.loc["g", "df_denom"]) == (3, full.df_resid)


def test_a_named_block_of_two_collinear_predictors_is_jointly_clear_while_each_is_not():
    rng = np.random.default_rng(7)
    n = 60
    common = rng.normal(size=n)
    data = pd.DataFrame({"u": common + 0.01 * rng.normal(size=n), "v": common + 0.01 * rng.normal(size=n)})
    data["y"] = 0.5 * data["u"] + 0.5 * data["v"] + rng.normal(scale=1.0, size=n)
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ u + v", cov_type="HC2",
                     joint_tests=(("uv", ("u", "v")),))
    fit = fit_complete_case(data, spec)
    slopes = fit.coefficients.set_index("term").loc[["u", "v"]]
    table = joint_tests(fit).set_index("block")
    assert table.loc["uv", "p_value"] < 1e-6
    assert ((slopes["conf_low"] < 0) & (slopes["conf_high"] > 0)).all()  # each alone is compatible with zero...
    assert table.loc["uv", "p_value"] < slopes["p_value"].min() / 1000  # ...jointly they are not
    assert table.loc["uv", "test"] == "F" and table.loc["uv", "df_denom"] == n - 3


def test_a_named_block_with_an_unknown_term_is_a_spec_error():
    data = _frame({"a": 10, "b": 10})
    spec = ModelSpec(id="m", title="M", family="ols", formula="y ~ x", cov_type="HC2",
                     joint_tests=(("xw", ("x", "w")),))
    with pytest.raises(ModelSpecError, match=r"joint_tests 'xw' names term\(s\) w"):
        joint_tests(fit_complete_case(data, spec))


def test_maximum_likelihood_blocks_use_chi_square():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"x": rng.normal(size=80), "z": rng.normal(size=80)})
    data["y"] = rng.poisson(np.exp(0.3 + 0.4 * data["x"]))
    spec = ModelSpec(id="p", title="P", family="poisson", formula="y ~ x + z", cov_type="HC0",
                     joint_tests=(("xz", ("x", "z")),))
    fit = fit_complete_case(data, spec)
    row = joint_tests(fit).iloc[0]
    b = fit.result.params[["x", "z"]].to_numpy()
    v = np.asarray(fit.result.cov_params())[1:, 1:]
    expected = float(b @ np.linalg.solve(v, b))
    assert row["test"] == "chi2" and row["statistic"] == pytest.approx(expected)
    assert row["p_value"] == pytest.approx(stats.chi2.sf(expected, 2))
