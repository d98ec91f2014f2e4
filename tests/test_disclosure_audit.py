"""The audit of published tables finds a small count wherever it slipped through."""

import pandas as pd

from ipo_research.checks.disclosure_audit import audit_folder, main, small_counts


def _write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text(text, encoding="utf-8")


def test_a_count_of_two_in_a_frequency_table_is_found_with_its_row_and_column():
    table = pd.DataFrame({"code": ["a", "b", "c"], "count": ["10", "2", "<3"], "share": ["0.8", "0.1", "c"]})
    assert small_counts(table) == [(2, "count", 2)]


def test_marks_zeros_and_counts_at_the_threshold_pass():
    table = pd.DataFrame({"option": ["a", "b", "c"], "chosen": ["<3", "0", "3"], "n": ["40", "40", "40"]})
    assert small_counts(table) == []


def test_every_cell_of_a_crosstab_is_a_count():
    table = pd.DataFrame({"level": ["city", "Total"], "Northeast": ["c", "5"], "West": ["1", "7"],
                          "Total": ["9", "12"]})
    assert small_counts(table) == [(1, "West", 1)]


def test_shares_of_one_are_not_counts():
    table = pd.DataFrame({"item": ["Field"], "Center for Popular Democracy": ["1"], "p_value": ["1"]})
    assert small_counts(table) == []


def test_the_threshold_is_a_parameter():
    table = pd.DataFrame({"code": ["a"], "count": ["4"]})
    assert small_counts(table, threshold=5) == [(1, "count", 4)]


def test_the_folder_audit_names_the_file_and_skips_model_tables(tmp_path):
    tables = tmp_path / "tables"
    _write(tables, "landscape_states", "state,organizations\nNY,5\nVT,1\n")
    _write(tables, "model_fit", "model,n_obs,n_dropped\nm,60,2\n")
    problems = audit_folder(tables)
    assert len(problems) == 1
    assert "landscape_states.csv, row 2, column organizations: count 1" in problems[0]


def test_the_command_exits_1_on_a_small_count_and_0_on_safe_tables(tmp_path, capsys):
    tables = tmp_path / "tables"
    _write(tables, "landscape_primary_network", "code,label,count\ncpd,CPD,13\nother,Other,<3\n")
    assert main([str(tables)]) == 0
    _write(tables, "growth_plans", "option,label,chosen,n\nhire,Hire,2,70\n")
    assert main([str(tables)]) == 1
    assert "growth_plans.csv, row 1, column chosen: count 2" in capsys.readouterr().err
