"""The synthetic export: reproducible, Qualtrics-shaped, messy on purpose, with recoverable effects."""

import csv
import json
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
import yaml

from ipo_research.survey.codebook import load_codebook
from ipo_research.exceptions import ConfigError
from ipo_research.paths import PROJECT_ROOT, SYNTHETIC_EXPORT_PATH
from ipo_research.synth.generator import (
    CAPACITY_FORMULA, synthesize, synthesize_export, synthesize_truth, write_mess_log,
    write_synthetic_export,
)

PLANTED_PATH = PROJECT_ROOT / "data" / "synthetic" / "planted_effects.yaml"
MESS_LOG_PATH = PROJECT_ROOT / "data" / "synthetic" / "mess_log.csv"
GLOBAL_CODES = ["N/A", "Don't know", "Prefer not to say", "-99"]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def raw():
    """The committed export as a respondent-per-row frame of strings (header rows 2-3 dropped)."""
    return pd.read_csv(SYNTHETIC_EXPORT_PATH, dtype=str, keep_default_na=False, skiprows=[1, 2])


@pytest.fixture(scope="module")
def header(codebook):
    with open(SYNTHETIC_EXPORT_PATH, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), next(reader), next(reader)


def tag(codebook, question_id):
    return codebook.question(question_id).source[0]


def answers(raw, codebook, question_id):
    return raw[tag(codebook, question_id)]


def truth_for_model(truth, codebook):
    """The truth as the analysis sees it: index by the mean_z rule, booleans as 0/1 floats."""
    index = codebook.index("electoral_capacity")
    items = pd.DataFrame({item: np.log1p(truth[item].astype(float)) for item in index.items})
    frame = pd.DataFrame({
        "electoral_capacity": ((items - items.mean()) / items.std()).mean(axis=1),
        "annual_budget": truth["annual_budget"].astype(float),
        "member_funding_share": truth["member_funding_share"].astype(float),
        "year_founded": truth["year_founded"].astype(float),
        "primary_network": truth["primary_network"].astype(str),
        "jurisdiction_level": truth["jurisdiction_level"].astype(str),
        "legal_entities__c4": truth["legal_entities__c4"].astype(float),
        "legal_entities__pac": truth["legal_entities__pac"].astype(float),
    })
    return frame


def fit_capacity(frame):
    # dem_margin_2016 comes from another table; its planted coefficient is 0, so leave it out here.
    return smf.ols(CAPACITY_FORMULA.replace(" + dem_margin_2016", ""), frame).fit(cov_type="HC3")


# --- reproducibility and size --------------------------------------------------------------

def test_default_export_regenerates_byte_identical_with_its_marker(codebook, tmp_path):
    from ipo_research.survey.source import marker_path

    written = write_synthetic_export(tmp_path / SYNTHETIC_EXPORT_PATH.name, codebook=codebook, n=75, seed=2016)
    assert written.read_bytes() == SYNTHETIC_EXPORT_PATH.read_bytes()
    assert marker_path(written).read_bytes() == marker_path(SYNTHETIC_EXPORT_PATH).read_bytes()


def test_mess_log_regenerates_byte_identical(codebook, tmp_path):
    written = write_mess_log(tmp_path / "mess.csv", codebook=codebook, n=75, seed=2016)
    assert written.read_bytes() == MESS_LOG_PATH.read_bytes()


def test_a_different_seed_gives_different_data(codebook):
    first = synthesize_truth(codebook, n=75, seed=2016)
    second = synthesize_truth(codebook, n=75, seed=2017)
    assert not first["annual_budget"].equals(second["annual_budget"])
    assert set(first["org_id"]).isdisjoint(second["org_id"])


@pytest.mark.parametrize("n", [1, 10, 500])
def test_any_number_of_organizations(codebook, n):
    survey = synthesize(codebook, n=n, seed=3)
    assert len(survey.truth) == n and survey.truth["org_id"].is_unique
    duplicates = int((survey.mess["kind"] == "duplicate").sum())
    assert len(survey.export) - 2 == n + duplicates  # two header rows, then one row per submission


@pytest.mark.parametrize("n, seed", [(0, 1), (-5, 1), (10, -1)])
def test_bad_size_or_seed_is_a_configuration_error(codebook, n, seed):
    with pytest.raises(ConfigError, match=r"synth: (n|seed) must be"):
        synthesize(codebook, n=n, seed=seed)


def test_refuses_to_write_into_data_raw(codebook):
    with pytest.raises(ConfigError, match="data/raw holds raw exports"):
        write_synthetic_export("data/raw/synthetic.csv", codebook=codebook, n=5, seed=1)


def test_export_is_utf8_with_newline_line_endings():
    content = SYNTHETIC_EXPORT_PATH.read_bytes()
    content.decode("utf-8")
    assert b"\r\n" not in content and not content.startswith(b"\xef\xbb\xbf")


# --- Qualtrics layout ------------------------------------------------------------------------

def test_row_one_holds_metadata_then_export_tags(header, codebook):
    tags = header[0]
    assert tags[:9] == ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
                        "Finished", "RecordedDate", "ResponseId"]
    assert tags[16] == "UserLanguage"
    assert [tag(codebook, q.id) for q in codebook.questions if q.id != "org_id"] == tags[17:]


def test_row_two_holds_question_text_with_stem_and_item_for_matrices(header, codebook):
    tags, texts, _ = header
    assert texts[tags.index("StartDate")] == "Start Date"
    rating = texts[tags.index(tag(codebook, "rating_field"))]
    assert rating.startswith("How would you rate") and rating.endswith(" - Field program: door-knocking, phone banks, turnout")


def test_row_three_holds_import_ids_as_json(header, codebook):
    tags, _, imports = header
    parsed = [json.loads(cell) for cell in imports]
    assert parsed[tags.index("StartDate")] == {"ImportId": "startDate", "timeZone": "America/New_York"}
    assert parsed[tags.index("ResponseId")] == {"ImportId": "_recordId"}
    assert parsed[tags.index(tag(codebook, "rating_field"))] == {"ImportId": codebook.question("rating_field").source[1]}


def test_other_text_boxes_follow_their_question(header):
    tags = header[0]
    assert tags[tags.index("Q9") + 1] == "Q9_6_TEXT"


def test_answers_are_labels_not_codes(raw, codebook):
    labels = {level.label for level in codebook.question("jurisdiction_level").levels}
    shown = set(answers(raw, codebook, "jurisdiction_level"))
    assert "Statewide" in shown and "state" not in shown
    assert len(shown & labels) == len(labels)


def test_booleans_read_yes_and_no(raw, codebook):
    assert {"Yes", "No"} <= set(answers(raw, codebook, "won_most_endorsed_2016"))


def test_multi_select_joins_labels_with_bare_commas_even_when_a_label_has_one(raw, codebook):
    cells = answers(raw, codebook, "base_constituencies")
    label = "Faith communities, congregations and clergy"
    assert any(label in cell and cell != label for cell in cells)


def test_states_are_mostly_full_names_with_some_usps_codes(raw, codebook):
    states = answers(raw, codebook, "state").str.strip()
    codes = states.str.fullmatch(r"[A-Z]{2}")
    assert 0 < codes.sum() < (~codes).sum()
    assert "New York" in set(states)


def test_each_network_has_at_least_five_organizations_except_other(codebook):
    counts = synthesize_truth(codebook)["primary_network"].value_counts()
    assert (counts.drop("other") >= 5).all()


# --- the planted mess, found in the raw file ----------------------------------------------

def test_currency_strings(raw, codebook):
    budgets = pd.concat([answers(raw, codebook, q) for q in ("annual_budget", "electoral_budget", "budget_target_2019")])
    assert budgets.str.fullmatch(r"\$\d+(\.\d)?M").any()       # $1.2M
    assert budgets.str.fullmatch(r"\$\d+k").any()              # $450k
    assert budgets.str.fullmatch(r"\d{1,3}(,\d{3})+").any()    # 250,000
    assert budgets.str.fullmatch(r"\$\d{1,3}(,\d{3})+\.\d\d").any()  # $300,000.00


def test_approximate_numbers(raw, codebook):
    counts = pd.concat([answers(raw, codebook, q) for q in ("members", "dues_paying_members", "volunteers_2016",
                                                            "voter_contacts_2016", "staff_fte", "organizers")])
    assert counts.str.fullmatch(r"about \d+").any()
    assert counts.str.fullmatch(r"~\d+").any()
    assert counts.str.fullmatch(r"\d+-\d+").any()


@pytest.mark.parametrize("code", GLOBAL_CODES)
def test_each_global_missing_code_appears(raw, codebook, code):
    answer_columns = [tag(codebook, q.id) for q in codebook.questions if q.id != "org_id"]
    assert (raw[answer_columns] == code).any().any()


def test_a_question_specific_missing_code_appears(raw, codebook):
    assert (answers(raw, codebook, "annual_budget") == "Confidential").any()


def test_stray_whitespace_and_odd_case_in_labels(raw, codebook):
    cells = pd.concat([answers(raw, codebook, q.id) for q in codebook.questions if q.type in ("single", "likert")])
    cells = cells[cells != ""]
    assert (cells != cells.str.strip()).any()
    assert (cells.str.strip().str.isupper() & (cells.str.len() > 3)).any()


def test_duplicate_submission_shares_the_key_with_a_later_date_and_other_answers(raw, codebook):
    repeated = raw[raw["ResponseId"].duplicated(keep=False)]
    assert len(repeated) == 2
    first, second = repeated.iloc[0], repeated.iloc[1]
    assert second["RecordedDate"] > first["RecordedDate"]
    differing = [column for column in raw.columns[17:] if first[column] != second[column]]
    assert 0 < len(differing) <= 3


def test_partial_response_is_unfinished_with_later_questions_empty(raw, codebook):
    partial = raw[raw["Finished"] == "False"]
    assert len(partial) >= 1
    assert (partial["Progress"].astype(int) < 100).all()
    later = [tag(codebook, q.id) for q in codebook.questions if q.section in ("reflections", "growth")]
    assert (partial[later] == "").all().all()
    assert (partial[tag(codebook, "state")] != "").all()


def test_impossible_numbers(raw, codebook):
    share = pd.to_numeric(answers(raw, codebook, "members_poc_share"), errors="coerce")
    founded = pd.to_numeric(answers(raw, codebook, "year_founded"), errors="coerce")
    assert (share > 100).any() and (founded > 2016).any()


def test_open_text_answers_vary_and_touch_the_themes(raw, codebook):
    lessons = answers(raw, codebook, "lessons_2016")
    visions = answers(raw, codebook, "vision_text")
    assert lessons[lessons != ""].nunique() >= 20 and visions[visions != ""].nunique() >= 15
    text = " ".join(pd.concat([lessons, visions])).lower()
    for theme in ("funding", "staff", "candidate", "data", "coalition", "party"):
        assert theme in text, theme
    assert visions.str.contains("\n").any()  # a line break inside a quoted field


def test_pii_columns_hold_obviously_fake_contacts_and_are_marked_pii(raw, codebook):
    assert set(codebook.pii_ids) == {"org_name", "contact_name", "contact_email", "contact_phone"}
    for question_id in codebook.pii_ids:
        assert (answers(raw, codebook, question_id) != "").all(), question_id
    assert answers(raw, codebook, "contact_email").str.endswith(".example.org").all()
    assert answers(raw, codebook, "contact_phone").str.contains(r"555[-.]01\d\d").all()


def test_every_logged_change_is_in_the_file(raw):
    log = pd.read_csv(MESS_LOG_PATH, dtype=str, keep_default_na=False)
    for record in log.itertuples():
        assert raw.loc[int(record.row) - 1, record.column] == record.raw, record


def test_small_organizations_skip_money_questions_more_often(codebook):
    survey = synthesize(codebook, n=4000, seed=11)
    budget = survey.truth.set_index("org_id")["annual_budget"].astype(float)
    skipped = survey.mess[(survey.mess["question"] == "annual_budget")
                          & survey.mess["kind"].isin(["skipped", "missing_code"])]["org_id"]
    small = budget < budget.quantile(0.25)
    large = budget > budget.quantile(0.75)
    missing = budget.index.isin(skipped)
    assert missing[small.to_numpy()].mean() > 2 * missing[large.to_numpy()].mean()


# --- the truth and the planted effects ------------------------------------------------------

def test_truth_has_the_cleaned_types(codebook):
    truth = synthesize_truth(codebook, n=20, seed=1)
    assert list(truth["primary_network"].cat.categories) == list(codebook.question("primary_network").level_codes)
    assert str(truth["members"].dtype) == "Int64" and str(truth["annual_budget"].dtype) == "Float64"
    assert str(truth["legal_entities__c4"].dtype) == "boolean"
    assert str(truth["rating_field"].dtype) == "Int64" and truth["rating_field"].between(1, 5).all()


def test_truth_respects_codebook_ranges(codebook):
    truth = synthesize_truth(codebook, n=2000, seed=5)
    for question in codebook.questions:
        if question.range and question.type in ("integer", "numeric"):
            low, high = question.range
            values = truth[question.id].dropna().astype(float)
            assert low is None or (values >= low).all(), question.id
            assert high is None or (values <= high).all(), question.id


def test_won_most_endorsed_follows_the_counts(codebook):
    truth = synthesize_truth(codebook, n=500, seed=2)
    endorsed = truth["endorsements_2016"] > 0
    expected = 2 * truth["endorsed_winners_2016"] > truth["endorsements_2016"]
    assert (truth.loc[endorsed, "won_most_endorsed_2016"] == expected[endorsed]).all()


def test_growth_priorities_never_exceed_three(codebook):
    truth = synthesize_truth(codebook, n=500, seed=2)
    assert truth.filter(like="growth_priorities__").sum(axis=1).max() == 3


def test_planted_effects_file_lists_every_model_term():
    planted = yaml.safe_load(PLANTED_PATH.read_text(encoding="utf-8"))
    assert planted["index_scale"]["dem_margin_2016"] == 0.0 and planted["latent"]["dem_margin_2016"] == 0.0
    assert "np.log1p(annual_budget)" in planted["index_scale"]
    assert "C(primary_network, Treatment('unaffiliated'))[T.wfp]" in planted["index_scale"]


def test_large_sample_recovers_the_index_scale_coefficients(codebook):
    planted = yaml.safe_load(PLANTED_PATH.read_text(encoding="utf-8"))["index_scale"]
    fitted = fit_capacity(truth_for_model(synthesize_truth(codebook, n=20_000, seed=99), codebook))
    for term, estimate in fitted.params.drop("Intercept").items():
        assert estimate == pytest.approx(planted[term], abs=0.05), term


def test_default_sample_confidence_intervals_cover_the_truth(codebook):
    planted = yaml.safe_load(PLANTED_PATH.read_text(encoding="utf-8"))["index_scale"]
    fitted = fit_capacity(truth_for_model(synthesize_truth(codebook, n=75, seed=2016), codebook))
    intervals = fitted.conf_int().drop("Intercept")
    covered = [low <= planted[term] <= high for term, (low, high) in intervals.iterrows()]
    # 14 slopes at 95% each: about 0.7 misses expected; the default sample misses one
    # (the 3 organizations of "other", see data/synthetic/README.md).
    assert sum(not hit for hit in covered) <= 1


def test_planted_effects_file_matches_the_generator():
    from ipo_research.synth.generator import LATENT_BETA

    planted = yaml.safe_load(PLANTED_PATH.read_text(encoding="utf-8"))
    assert planted["latent"] == LATENT_BETA
    # index scale = beta / sd(L + e): the simulation and the analytic value agree closely
    for term, analytic in planted["index_scale_analytic"].items():
        assert planted["index_scale"][term] == pytest.approx(analytic, abs=0.005), term


def test_answers_left_clean_render_the_truth(raw, codebook):
    truth = synthesize_truth(codebook).set_index("org_id")
    log = pd.read_csv(MESS_LOG_PATH, dtype=str, keep_default_na=False)
    first = raw.drop_duplicates("ResponseId").set_index("ResponseId")
    for question_id in ("jurisdiction_level", "members", "rating_overall_electoral", "legal_entities"):
        question = codebook.question(question_id)
        messed = set(log.loc[log["question"] == question_id, "org_id"])
        kept = [org for org in first.index if org not in messed and first.at[org, "Finished"] == "True"]
        shown = first.loc[kept, tag(codebook, question_id)]
        if question.type == "multi":
            expected = [",".join(o.label for o in question.options if truth.at[org, f"{question_id}__{o.code}"])
                        for org in kept]
        elif question.type == "integer":
            expected = [str(truth.at[org, question_id]) for org in kept]
        else:
            expected = [question.label_of(truth.at[org, question_id]) for org in kept]
        assert shown.tolist() == expected, question_id


def test_readme_names_the_rows_of_the_structural_mess():
    readme = (PROJECT_ROOT / "data" / "synthetic" / "README.md").read_text(encoding="utf-8")
    log = pd.read_csv(MESS_LOG_PATH, dtype=str, keep_default_na=False)
    for kind in ("duplicate", "partial", "impossible"):
        line = next(text for text in readme.splitlines() if text.startswith(f"| `{kind}` |"))
        for row in log.loc[log["kind"] == kind, "row"]:
            assert re.search(rf"\b{row}\b", line.rsplit("|", 2)[1]), (kind, row)


def test_command_line_writes_the_export(tmp_path):
    from ipo_research.cli import main

    target = tmp_path / "small.csv"
    assert main(["synth", "--n", "10", "--seed", "4", "--out", str(target)]) == 0
    assert len(pd.read_csv(target, dtype=str, skiprows=[1, 2])) == 11  # 10 and one duplicate


def test_command_line_refuses_a_bad_size_with_exit_code_2(tmp_path, capsys):
    from ipo_research.cli import main

    assert main(["synth", "--n", "0", "--out", str(tmp_path / "none.csv")]) == 2
    assert "n must be a positive whole number" in capsys.readouterr().err
    assert not (tmp_path / "none.csv").exists()


def test_command_line_refuses_to_overwrite_without_force_and_marks_what_it_writes(tmp_path, capsys):
    from ipo_research.cli import main
    from ipo_research.survey.source import is_synthetic, marker_path

    target = tmp_path / "elsewhere.csv"
    target.write_text("my own survey\n")
    assert main(["synth", "--n", "10", "--seed", "4", "--out", str(target)]) == 2
    assert "already exists; it was left unchanged. Pass --force" in capsys.readouterr().err
    assert target.read_text() == "my own survey\n" and not marker_path(target).exists()
    assert main(["synth", "--n", "10", "--seed", "4", "--out", str(target), "--force"]) == 0
    assert is_synthetic(target)
    marker = json.loads(marker_path(target).read_text())
    assert (marker["n"], marker["seed"], marker["file"]) == (10, 4, "elsewhere.csv")

