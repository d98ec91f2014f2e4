"""Every page says which data it shows: the synthetic banner and the confidential one."""

import hashlib
import json
import shutil

from ipo_research.report.banner import banner_html
from ipo_research.survey.source import is_synthetic, marker_path, write_marker
from ipo_research.paths import SYNTHETIC_EXPORT_PATH


def test_the_shipped_export_counts_as_synthetic():
    assert is_synthetic("data/synthetic/ipo_survey_2016_synthetic.csv")
    assert is_synthetic(SYNTHETIC_EXPORT_PATH)


def test_an_export_elsewhere_is_not_synthetic(tmp_path):
    export = tmp_path / "responses.csv"
    export.write_text("org_id\nR_1\n")
    assert not is_synthetic(export)


def test_the_marker_travels_with_the_file_wherever_it_is_copied(tmp_path):
    copy = tmp_path / "s75.csv"
    shutil.copy(SYNTHETIC_EXPORT_PATH, copy)
    assert not is_synthetic(copy)  # without its marker a copy is real data
    shutil.copy(marker_path(SYNTHETIC_EXPORT_PATH), marker_path(copy))
    assert marker_path(copy).name == "s75.csv.synthetic.json"
    assert is_synthetic(copy)


def test_a_file_edited_after_it_was_marked_is_not_synthetic(tmp_path):
    export = tmp_path / "s.csv"
    export.write_text("org_id\nR_1\n")
    write_marker(export, seed=1, n=1)
    assert is_synthetic(export)
    marker = json.loads(marker_path(export).read_text())
    assert marker == {"file": "s.csv", "generator": "ipo-research synth", "marker": 1, "n": 1, "seed": 1,
                      "sha256": hashlib.sha256(b"org_id\nR_1\n").hexdigest()}
    export.write_text("org_id\nR_1\nR_2\n")
    assert not is_synthetic(export)


def test_the_folder_alone_does_not_make_a_file_synthetic(tmp_path):
    # A file under data/synthetic/ without a marker: stands for a real export put there by mistake.
    fake_root = tmp_path
    (fake_root / "data" / "synthetic").mkdir(parents=True)
    export = fake_root / "data" / "synthetic" / "export.csv"
    export.write_text("org_id\nR_1\n")
    assert not is_synthetic(export)
    marker_path(export).write_text("{not json")
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


def test_data_cleaned_from_a_marked_export_elsewhere_gets_the_synthetic_banner(tmp_path):
    from ipo_research.pipeline.runner import _data_record
    from ipo_research.report.banner import data_banner
    from ipo_research.survey.cleaned import write_clean_outputs
    from ipo_research.survey.cleaning import clean_responses
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.survey.exports import read_export

    export = tmp_path / "elsewhere.csv"
    shutil.copy(SYNTHETIC_EXPORT_PATH, export)
    shutil.copy(marker_path(SYNTHETIC_EXPORT_PATH), marker_path(export))
    codebook = load_codebook()
    written = write_clean_outputs(clean_responses(read_export(export, codebook), codebook), tmp_path / "out",
                                  source_path=export)
    record = json.loads(written["source"].read_text())
    assert record["synthetic"] is True
    assert record["synthetic_marker"]["sha256"] == hashlib.sha256(export.read_bytes()).hexdigest()
    parquet = str(written["responses"])
    assert "SYNTHETIC DATA" in data_banner(parquet).data  # the pages of every later stage
    assert _data_record({"data_path": parquet}) == {"path": parquet, "synthetic": True}  # the manifest
