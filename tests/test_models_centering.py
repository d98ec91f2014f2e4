"""Centering named terms (``center`` in the models file): thresholds move, slopes do not."""

import numpy as np
import pandas as pd
import pytest

from ipo_research.exceptions import ModelSpecError
from ipo_research.models.fit import fit_complete_case
from ipo_research.models.specs import ModelSpec


def _ordinal_data(n=200, seed=3):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame({"x": rng.normal(5.0, 2.0, n), "d": rng.integers(0, 2, n).astype(float)})
    latent = 0.7 * data["x"] + 0.5 * data["d"] + rng.logistic(size=n)
    data["y"] = np.digitize(latent, [2.5, 3.5, 4.5]).astype(float)
    return data


def test_centering_shifts_each_ordinal_threshold_by_slope_times_mean_and_keeps_slopes():
    data = _ordinal_data()
    spec = ModelSpec(id="o", title="O", family="ordinal_logit", formula="y ~ np.log1p(x) + d",
                     cov_type="nonrobust")
    plain = fit_complete_case(data, spec).coefficients.set_index("term")["estimate"]
    centered_fit = fit_complete_case(data, ModelSpec(**{**spec.__dict__, "center": ("np.log1p(x)",)}))
    centered = centered_fit.coefficients.set_index("term")["estimate"]
    mean = np.log1p(data["x"]).mean()
    assert centered["np.log1p(x)"] == pytest.approx(plain["np.log1p(x)"], rel=1e-4)
    for threshold in ("0/1", "1/2", "2/3"):
        assert centered[threshold] == pytest.approx(plain[threshold] - plain["np.log1p(x)"] * mean, abs=1e-3)
    assert any(f"'np.log1p(x)' at {mean:.3g}" in note for note in centered_fit.notes)


def test_centering_a_term_the_model_lacks_or_a_0_1_term_is_refused():
    data = _ordinal_data()
    base = dict(id="o", title="O", family="logit", formula="d ~ x", cov_type="nonrobust")
    with pytest.raises(ModelSpecError, match=r"model 'o': center names term\(s\) z that the model does not have"):
        fit_complete_case(data, ModelSpec(**base, center=("z",)))
    base["formula"] = "y ~ x + d"
    base["family"] = "ols"
    with pytest.raises(ModelSpecError, match=r"model 'o': center names 0/1 term\(s\) d"):
        fit_complete_case(data, ModelSpec(**base, center=("d",)))
