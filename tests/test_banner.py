"""Every page says which data it shows: the synthetic banner and the confidential one."""

import json

from ipo_research.report.banner import banner_html
from ipo_research.survey.source import is_synthetic
from ipo_research.paths import SYNTHETIC_EXPORT_PATH


def test_the_shipped_export_counts_as_synthetic():
    assert is_synthetic("data/synthetic/ipo_survey_2016_synthetic.csv")
    assert is_synthetic(SYNTHETIC_EXPORT_PATH)


def test_an_export_elsewhere_is_not_synthetic(tmp_path):
    export = tmp_path / "responses.csv"
    export.write_text("org_id\nR_1\n")
    assert not is_synthetic(export)


def test_cleaned_data_takes_its_origin_from_the_source_record(tmp_path):
    parquet = tmp_path / "responses.parquet"
    parquet.write_bytes(b"")
    (tmp_path / "source.json").write_text(json.dumps({"source": "data/synthetic/x.csv", "synthetic": True}))
    assert is_synthetic(parquet)
    (tmp_path / "source.json").write_text(json.dumps({"source": "data/raw/x.csv", "synthetic": False}))
    assert not is_synthetic(parquet)


def test_synthetic_banner_says_so_and_names_the_file():
    page = banner_html(synthetic=True, source="data/synthetic/ipo_survey_2016_synthetic.csv")
    assert "SYNTHETIC DATA" in page
    assert "not show the survey's responses" in page
    assert "data/synthetic/ipo_survey_2016_synthetic.csv" in page


def test_real_data_banner_says_confidential_and_escapes_the_name():
    page = banner_html(synthetic=False, source="data/raw/<export>.csv")
    assert "CONFIDENTIAL" in page
    assert "SYNTHETIC" not in page
    assert "&lt;export&gt;" in page
