"""Golden tables: the comparison with tolerances, the spec, refreshing, and the default run."""

import pandas as pd
import pytest

from ipo_research.exceptions import ConfigError
from ipo_research.checks.golden import (
    GoldenTable,
    Tolerance,
    compare_goldens,
    compare_table,
    load_golden_spec,
    main,
    refresh_goldens,
)
from ipo_research.paths import PROJECT_ROOT

GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
COEFFICIENTS = GoldenTable("coefficients.csv", keys=("model", "term"), tolerance=Tolerance(abs=1e-6, rel=1e-6))
FIT = GoldenTable("model_fit.csv", keys=("model",), exact=("family", "n_obs"), tolerance=Tolerance(abs=1e-6, rel=1e-6))


def _coefficients():
    return pd.DataFrame({
        "model": ["capacity_ols", "capacity_ols"],
        "term": ["Intercept", "member_funding_share"],
        "estimate": [-1.25, 0.012],
        "std_error": [0.4, 0.003],
    })


def test_tolerance_accepts_a_move_within_abs_plus_rel_times_expected():
    # 1e-6 + 1e-6 * 2.0 = 3e-6 allowed around 2.0
    assert Tolerance(abs=1e-6, rel=1e-6).allows(2.0, 2.0000029)


def test_tolerance_rejects_a_move_beyond_abs_plus_rel_times_expected():
    assert not Tolerance(abs=1e-6, rel=1e-6).allows(2.0, 2.0000031)


def test_tolerance_treats_two_missing_values_as_equal():
    assert Tolerance().allows(float("nan"), float("nan"))


def test_identical_tables_have_no_differences():
    assert compare_table(_coefficients(), _coefficients(), COEFFICIENTS).empty


def test_a_coefficient_moved_within_tolerance_passes():
    moved = _coefficients()
    moved.loc[1, "estimate"] = 0.012 + 5e-7
    assert compare_table(moved, _coefficients(), COEFFICIENTS).empty


def test_a_coefficient_moved_beyond_tolerance_is_one_difference_naming_model_term_and_column():
    moved = _coefficients()
    moved.loc[1, "estimate"] = 0.0121
    differences = compare_table(moved, _coefficients(), COEFFICIENTS)
    assert differences[["key", "column", "expected", "actual"]].values.tolist() == [
        ["model=capacity_ols, term=member_funding_share", "estimate", "0.012", "0.0121"]]
    assert differences.loc[0, "problem"].startswith("beyond tolerance (abs 1e-06 + rel 1e-06)")


def test_row_order_does_not_matter():
    assert compare_table(_coefficients().iloc[::-1], _coefficients(), COEFFICIENTS).empty


def test_a_missing_and_an_unexpected_term_are_differences():
    renamed = _coefficients().replace({"term": {"member_funding_share": "union_funding_share"}})
    differences = compare_table(renamed, _coefficients(), COEFFICIENTS)
    assert sorted(zip(differences["key"], differences["problem"])) == [
        ("model=capacity_ols, term=member_funding_share", "missing row"),
        ("model=capacity_ols, term=union_funding_share", "unexpected row"),
    ]


def test_a_dropped_column_is_a_difference():
    differences = compare_table(_coefficients().drop(columns="std_error"), _coefficients(), COEFFICIENTS)
    assert differences[["column", "problem"]].values.tolist() == [["std_error", "missing column"]]


def test_counts_listed_as_exact_must_be_equal():
    golden = pd.DataFrame({"model": ["m"], "family": ["ols"], "n_obs": [61], "r_squared": [0.42]})
    differences = compare_table(golden.assign(n_obs=62), golden, FIT)
    assert differences[["column", "expected", "actual", "problem"]].values.tolist() == [
        ["n_obs", "61", "62", "differs (compared exactly)"]]


def test_counts_written_as_61_or_61_point_0_are_the_same_count():
    golden = pd.DataFrame({"model": ["m"], "family": ["ols"], "n_obs": ["61"], "r_squared": [0.42]})
    assert compare_table(golden.assign(n_obs="61.0"), golden, FIT).empty


def test_a_changed_label_is_a_difference():
    golden = pd.DataFrame({"model": ["m"], "family": ["ols"], "n_obs": [61], "r_squared": [0.42]})
    differences = compare_table(golden.assign(family="logit"), golden, FIT)
    assert differences[["column", "problem"]].values.tolist() == [["family", "differs"]]


def test_a_number_turned_into_text_is_a_difference():
    moved = _coefficients().astype({"estimate": object})
    moved.loc[0, "estimate"] = "n/a"
    differences = compare_table(moved, _coefficients(), COEFFICIENTS)
    assert differences[["column", "problem"]].values.tolist() == [["estimate", "not a number"]]


def test_a_column_mixing_shares_and_suppression_marks_compares_each_cell_by_its_kind():
    spec = GoldenTable("shares.csv", keys=("code",), tolerance=Tolerance(abs=1e-4))
    golden = pd.DataFrame({"code": ["cpd", "other"], "share": ["0.1757", "<3"]})
    assert compare_table(golden.assign(share=["0.17575", "<3"]), golden, spec).empty
    differences = compare_table(golden.assign(share=["0.1757", "0.0405"]), golden, spec)
    assert differences[["key", "expected", "actual", "problem"]].values.tolist() == [
        ["code=other", "<3", "0.0405", "differs"]]


def test_an_empty_cell_that_gets_a_value_is_a_difference():
    golden = pd.DataFrame({"model": ["m"], "family": ["ols"], "n_obs": [61], "r_squared": [None]})
    differences = compare_table(golden.assign(r_squared=0.42), golden, FIT)
    assert differences[["column", "expected", "actual"]].values.tolist() == [["r_squared", "", "0.42"]]


def test_duplicate_keys_are_reported_once_per_key():
    doubled = pd.concat([_coefficients(), _coefficients().iloc[:1]])
    differences = compare_table(doubled, _coefficients(), COEFFICIENTS)
    assert differences[["key", "problem"]].values.tolist() == [
        ["model=capacity_ols, term=Intercept", "duplicate key in the actual table"]]


def _golden_folder(folder, yaml_text, **tables):
    folder.mkdir(exist_ok=True)
    (folder / "golden.yaml").write_text(yaml_text, encoding="utf-8")
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False)
    return folder


_SPEC = "tables:\n  coefficients.csv:\n    keys: [model, term]\n    tolerance: {abs: 1.0e-6, rel: 1.0e-6}\n"


def test_spec_reads_keys_exact_columns_and_tolerance(tmp_path):
    _golden_folder(tmp_path, _SPEC + "  model_fit.csv:\n    keys: [model]\n    exact: [n_obs]\n")
    assert load_golden_spec(tmp_path) == [
        GoldenTable("coefficients.csv", keys=("model", "term"), tolerance=Tolerance(abs=1e-6, rel=1e-6)),
        GoldenTable("model_fit.csv", keys=("model",), exact=("n_obs",)),
    ]


def test_spec_without_keys_is_refused_with_the_table_named(tmp_path):
    _golden_folder(tmp_path, "tables:\n  shares.csv:\n    tolerance: {abs: 0.001}\n")
    with pytest.raises(ConfigError, match="table 'shares.csv' needs 'keys:'"):
        load_golden_spec(tmp_path)


def test_spec_with_a_misspelt_tolerance_is_refused(tmp_path):
    _golden_folder(tmp_path, "tables:\n  shares.csv:\n    keys: [x]\n    tolerance: {absolute: 0.001}\n")
    with pytest.raises(ConfigError, match=r"tolerance takes 'abs' and 'rel', not \['absolute'\]"):
        load_golden_spec(tmp_path)


def test_compare_goldens_reads_both_folders_and_reports_a_moved_coefficient(tmp_path):
    golden = _golden_folder(tmp_path / "golden", _SPEC, coefficients=_coefficients())
    run = _golden_folder(tmp_path / "run", "", coefficients=_coefficients().assign(estimate=[-1.25, 0.02]))
    differences = compare_goldens(run, golden)
    assert differences[["table", "column", "actual"]].values.tolist() == [["coefficients.csv", "estimate", "0.02"]]


def test_compare_goldens_reports_a_table_the_run_did_not_write(tmp_path):
    golden = _golden_folder(tmp_path / "golden", _SPEC, coefficients=_coefficients())
    (tmp_path / "run").mkdir()
    differences = compare_goldens(tmp_path / "run", golden)
    assert differences["problem"].str.startswith("file not found").tolist() == [True]


def test_refresh_copies_the_run_tables_byte_for_byte(tmp_path):
    golden = _golden_folder(tmp_path / "golden", _SPEC, coefficients=_coefficients())
    run = _golden_folder(tmp_path / "run", "", coefficients=_coefficients().assign(estimate=[-1.5, 0.02]))
    written = refresh_goldens(run, golden)
    assert written == [golden / "coefficients.csv"]
    assert (golden / "coefficients.csv").read_bytes() == (run / "coefficients.csv").read_bytes()


def test_refresh_writes_nothing_when_the_run_lacks_a_table(tmp_path):
    golden = _golden_folder(tmp_path / "golden", _SPEC, coefficients=_coefficients())
    before = (golden / "coefficients.csv").read_bytes()
    (tmp_path / "run").mkdir()
    with pytest.raises(ConfigError, match="coefficients.csv: not found"):
        refresh_goldens(tmp_path / "run", golden)
    assert (golden / "coefficients.csv").read_bytes() == before


def test_command_line_exits_1_and_prints_the_differences(tmp_path, capsys):
    golden = _golden_folder(tmp_path / "golden", _SPEC, coefficients=_coefficients())
    run = _golden_folder(tmp_path / "run", "", coefficients=_coefficients().assign(estimate=[-1.25, 0.5]))
    assert main([str(run), str(golden)]) == 1
    assert "member_funding_share" in capsys.readouterr().out


def test_command_line_exits_0_when_the_run_agrees(tmp_path):
    golden = _golden_folder(tmp_path / "golden", _SPEC, coefficients=_coefficients())
    run = _golden_folder(tmp_path / "run", "", coefficients=_coefficients())
    assert main([str(run), str(golden)]) == 0


def _golden(name):
    return pd.read_csv(GOLDEN_DIR / name, dtype=str, keep_default_na=False)


def _spec(name):
    return {spec.name: spec for spec in load_golden_spec(GOLDEN_DIR)}[name]


@pytest.mark.xdist_group("default_run")
def test_the_default_run_agrees_with_the_goldens(default_run_dir):
    # The in-process default run leaves out notebooks/07_robustness (minutes of simulation);
    # make test compares its tables after nbval has executed the notebook (in CI).
    differences = compare_goldens(default_run_dir / "tables", GOLDEN_DIR, skip_notebooks=("07_robustness",))
    assert differences.empty, "\n" + differences.to_string(index=False)


def test_every_golden_table_names_the_notebook_that_writes_it():
    notebooks = {path.stem for path in (PROJECT_ROOT / "notebooks").glob("*.ipynb")}
    assert {spec.name: spec.notebook in notebooks for spec in load_golden_spec(GOLDEN_DIR)} == {
        spec.name: True for spec in load_golden_spec(GOLDEN_DIR)}


def test_skipping_a_notebook_leaves_out_its_tables_and_says_which(tmp_path, capsys):
    # Only the models tables are in this run: skipping the notebooks that write the others
    # leaves nothing to differ, and the command names every table it did not compare.
    run = tmp_path / "tables"
    run.mkdir()
    models_tables = [spec.name for spec in load_golden_spec(GOLDEN_DIR) if spec.notebook == "04_models"]
    assert "coefficients.csv" in models_tables
    for name in models_tables:
        (run / name).write_bytes((GOLDEN_DIR / name).read_bytes())
    others = ["02_landscape", "03_strengths", "07_robustness"]
    assert main([str(run), str(GOLDEN_DIR), *[f"--skip-notebook={name}" for name in others]]) == 0
    printed = capsys.readouterr().out
    assert ("not compared, as asked (--skip-notebook): landscape_primary_network.csv, "
            "landscape_legal_entities.csv, strengths_ratings.csv, specification_curve.csv") in printed
    assert main([str(run), str(GOLDEN_DIR), "--skip-notebook=07_robustness"]) == 1
    assert "file not found" in capsys.readouterr().out


def test_every_golden_table_named_in_the_spec_is_committed():
    missing = [spec.name for spec in load_golden_spec(GOLDEN_DIR) if not (GOLDEN_DIR / spec.name).is_file()]
    assert missing == [], "run 'make goldens' and review the diff"


def _move_capacity_coefficient(by_tolerances: float):
    """The golden coefficients with capacity_ols's member_funding_share estimate moved."""
    spec, golden = _spec("coefficients.csv"), _golden("coefficients.csv")
    row = golden.index[(golden["model"] == "capacity_ols") & (golden["term"] == "member_funding_share")][0]
    estimate = float(golden.loc[row, "estimate"])
    allowed = spec.tolerance.abs + spec.tolerance.rel * abs(estimate)
    moved = golden.copy()
    moved.loc[row, "estimate"] = repr(estimate + by_tolerances * allowed)
    return compare_table(moved, golden, spec)


def test_a_default_run_coefficient_moved_beyond_its_tolerance_fails_the_golden_comparison():
    differences = _move_capacity_coefficient(2.0)
    assert differences[["key", "column"]].values.tolist() == [
        ["model=capacity_ols, term=member_funding_share", "estimate"]]


def test_a_default_run_coefficient_moved_within_its_tolerance_passes():
    assert _move_capacity_coefficient(0.5).empty
