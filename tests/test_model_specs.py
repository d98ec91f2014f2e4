"""Loading and validating model specs (notebooks/models.yaml)."""

import pytest

from ipo_research.survey.codebook import load_codebook
from ipo_research.exceptions import ModelSpecError
from ipo_research.models.specs import formula_columns, load_model_specs, model_specs_from_dict


def _one(**fields):
    spec = {"id": "m", "title": "M", "family": "ols", "formula": "y ~ x"}
    spec.update(fields)
    return {"models": [spec]}


def test_ols_defaults_to_hc2_complete_cases_no_bootstrap_and_min_level_size_5():
    spec = model_specs_from_dict(_one())[0]
    assert (spec.cov_type, spec.missing, spec.bootstrap, spec.imputations, spec.min_level_size) == (
        "HC2", "complete_case", 0, 20, 5)


def test_maximum_likelihood_families_default_to_nonrobust():
    assert model_specs_from_dict(_one(family="logit"))[0].cov_type == "nonrobust"


def test_unknown_family_is_named_with_the_spec():
    with pytest.raises(ModelSpecError, match=r"model 'm': unknown family 'tobit'"):
        model_specs_from_dict(_one(family="tobit"))


def test_unknown_column_is_named_with_close_known_names():
    with pytest.raises(ModelSpecError, match=r"model 'm': the formula uses unknown column 'annual_budgt'; "
                                             r"did you mean annual_budget"):
        model_specs_from_dict(_one(formula="y ~ np.log1p(annual_budgt)"),
                              columns=["y", "annual_budget", "staff_fte"])


def test_hc3_is_refused_for_logit_because_statsmodels_would_give_hc0():
    with pytest.raises(ModelSpecError, match=r"cov_type 'HC3' is not available for family logit; "
                                             r"use one of nonrobust, HC0"):
        model_specs_from_dict(_one(family="logit", cov_type="HC3"))


def test_bad_missing_strategy_negative_bootstrap_and_duplicate_ids_are_all_listed():
    raw = {"models": [
        {"id": "a", "title": "A", "family": "ols", "formula": "y ~ x", "missing": "listwise"},
        {"id": "b", "title": "B", "family": "ols", "formula": "y ~ x", "bootstrap": -5},
        {"id": "b", "title": "B", "family": "ols", "formula": "y ~ x"},
    ]}
    with pytest.raises(ModelSpecError) as error:
        model_specs_from_dict(raw, source="models.yaml")
    message = str(error.value)
    assert message.startswith("models.yaml: 3 problem(s)")
    assert "model 'a': unknown missing strategy 'listwise'" in message
    assert "model 'b': bootstrap must be a whole number of at least 0, got -5" in message
    assert "model 'b': duplicate id" in message


def test_missing_required_field_is_named():
    with pytest.raises(ModelSpecError, match=r"missing required field\(s\) title"):
        model_specs_from_dict({"models": [{"id": "m", "family": "ols", "formula": "y ~ x"}]})


def test_formula_without_tilde_is_refused():
    with pytest.raises(ModelSpecError, match="exactly one '~'"):
        model_specs_from_dict(_one(formula="y + x"))


def test_formula_columns_skip_functions_and_level_names():
    formula = ("capacity ~ np.log1p(budget) + I(2016 - founded) + C(network, Treatment('none')) "
               "+ has_pac + Q('odd name')")
    assert formula_columns(formula) == ("capacity", "budget", "founded", "network", "has_pac", "odd name")


def test_missing_models_file_says_how_to_fix(tmp_path):
    with pytest.raises(ModelSpecError, match="models file not found. Pass --models"):
        load_model_specs(tmp_path / "nope.yaml")


def test_shipped_models_file_validates_against_the_codebook_and_context_columns():
    codebook = load_codebook()
    columns = [column for question in codebook.questions for column in question.columns]
    columns += [index.id for index in codebook.indices] + ["dem_margin_2016"]
    specs = load_model_specs("notebooks/models.yaml", columns=columns)
    by_id = {spec.id: spec for spec in specs}
    assert {"capacity_ols", "capacity_ols_mice", "endorsements_count", "won_most_logit",
            "strength_ordinal"} <= set(by_id)
    assert by_id["capacity_ols"].formula == (
        "electoral_capacity ~ np.log1p(annual_budget) + member_funding_share + I(2016 - year_founded) "
        "+ C(primary_network, Treatment('unaffiliated')) + legal_entities__c4 + legal_entities__pac "
        "+ C(jurisdiction_level) + dem_margin_2016")
    assert by_id["capacity_ols"].bootstrap == 500
    assert by_id["capacity_ols_mice"].missing == "mice"
    assert all(spec.title and spec.question for spec in specs)


def test_a_models_file_with_a_key_besides_models_names_it():
    raw = {"models": _one()["models"], "defaults": {"cov_type": "HC1"}}
    with pytest.raises(ModelSpecError, match=r"models.yaml: unknown top-level key\(s\) defaults"):
        model_specs_from_dict(raw, source="models.yaml")


def test_auxiliary_columns_are_read_as_a_tuple_for_a_mice_spec():
    spec = model_specs_from_dict(_one(missing="mice", auxiliary=["staff_fte", "z"]),
                                 columns=["y", "x", "staff_fte", "z"])[0]
    assert spec.auxiliary == ("staff_fte", "z")
    assert model_specs_from_dict(_one())[0].auxiliary == ()


@pytest.mark.parametrize(("fields", "message"), [
    ({"missing": "mice", "auxiliary": "staff_fte"}, r"auxiliary is a list of column names, e\.g\. "
                                                    r"auxiliary: \[staff_fte\], got 'staff_fte'"),
    ({"auxiliary": ["staff_fte"]}, r"auxiliary columns feed the imputation model only; they need `missing: mice`"),
    ({"missing": "mice", "auxiliary": ["x"]}, r"auxiliary column 'x' is already in the formula"),
    ({"missing": "mice", "auxiliary": ["staff_ft"]}, r"the auxiliary column 'staff_ft' is not in the data; "
                                                     r"did you mean staff_fte"),
    ({"missing": "mice", "auxiliary": ["staff_fte", "staff_fte"]}, r"auxiliary lists a column twice"),
])
def test_bad_auxiliary_fields_are_named_with_the_fix(fields, message):
    with pytest.raises(ModelSpecError, match=rf"model 'm': {message}"):
        model_specs_from_dict(_one(**fields), columns=["y", "x", "staff_fte"])
def test_penalty_defaults_to_none_and_firth_is_kept_for_a_nonrobust_logit():
    assert model_specs_from_dict(_one(family="logit"))[0].penalty == "none"
    spec = model_specs_from_dict(_one(family="logit", penalty="firth"))[0]
    assert (spec.penalty, spec.cov_type) == ("firth", "nonrobust")


def test_firth_penalty_is_refused_for_other_families_naming_the_spec():
    with pytest.raises(ModelSpecError, match=r"model 'm': penalty firth is available for family logit "
                                             r"only, got family 'probit'"):
        model_specs_from_dict(_one(family="probit", penalty="firth"))


def test_firth_penalty_needs_the_penalized_information_not_a_sandwich():
    with pytest.raises(ModelSpecError, match=r"model 'm': penalty firth .* cov_type must be nonrobust "
                                             r"\(got 'HC0'\)"):
        model_specs_from_dict(_one(family="logit", penalty="firth", cov_type="HC0"))


def test_firth_penalty_is_refused_with_imputation_or_the_bootstrap():
    for extra in ({"missing": "mice"}, {"bootstrap": 200}):
        with pytest.raises(ModelSpecError, match=r"penalty firth needs `missing: complete_case` and "
                                                 r"`bootstrap: 0`"):
            model_specs_from_dict(_one(family="logit", penalty="firth", **extra))


def test_unknown_penalty_lists_the_allowed_ones():
    with pytest.raises(ModelSpecError, match=r"model 'm': unknown penalty 'ridge'; use one of none, firth"):
        model_specs_from_dict(_one(family="logit", penalty="ridge"))


def test_center_is_a_list_of_term_names():
    assert model_specs_from_dict(_one(center=["x"]))[0].center == ("x",)
    with pytest.raises(ModelSpecError, match=r"model 'm': center is a list of term names"):
        model_specs_from_dict(_one(center="x"))
