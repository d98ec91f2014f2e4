"""The codebook: the shipped instrument loads, and each kind of mistake is reported clearly."""

import copy

import pytest

from ipo_research.survey.codebook import codebook_from_dict, load_codebook
from ipo_research.exceptions import CodebookError, ConfigError

SECTIONS = ["identity", "base", "scope_scale", "theory_of_change", "program_2016", "strengths",
            "reflections", "growth"]
PII = {"org_name", "contact_name", "contact_email", "contact_phone"}


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def _minimal():
    """The smallest valid codebook: a key, a likert item, two numbers and an index."""
    return {
        "survey": {"id": "tiny", "key": "rid"},
        "missing_codes": ["N/A"],
        "sections": [{"id": "main", "title": "Main"}],
        "questions": [
            {"id": "rid", "section": "main", "type": "id", "source": ["ResponseId"]},
            {"id": "rating", "section": "main", "type": "likert",
             "levels": [{"code": 1, "label": "Weak"}, {"code": 2, "label": "Strong"}]},
            {"id": "contacts", "section": "main", "type": "integer", "range": [0, None]},
            {"id": "volunteers", "section": "main", "type": "integer"},
        ],
        "indices": [{"id": "capacity", "items": ["contacts", "volunteers"], "min_items": 1}],
    }


def _problem(raw):
    with pytest.raises(CodebookError) as caught:
        codebook_from_dict(raw, source="tiny.yaml")
    return str(caught.value)


# --- the shipped codebook ------------------------------------------------------------------

def test_shipped_codebook_has_at_least_fifty_questions(codebook):
    assert len(codebook.questions) >= 50


def test_shipped_codebook_has_the_eight_sections_in_order(codebook):
    assert [section.id for section in codebook.sections] == SECTIONS


def test_every_section_has_questions(codebook):
    for section in SECTIONS:
        assert codebook.questions_in(section, include_pii=True), section


def test_the_four_contact_questions_and_only_they_are_pii(codebook):
    assert set(codebook.pii_ids) == PII


def test_key_is_org_id_mapped_from_response_id(codebook):
    assert codebook.key == "org_id"
    assert codebook.question("org_id").source[0] == "ResponseId"


def test_primary_network_levels_in_the_agreed_order(codebook):
    assert codebook.question("primary_network").level_codes == (
        "cpd", "peoples_action", "pico", "ccc", "wfp", "other", "unaffiliated")


def test_every_question_maps_tag_import_id_and_text(codebook):
    for question in codebook.questions:
        if question.id == codebook.key:
            continue
        tag, import_id, text = question.source
        assert tag.startswith("Q") and import_id.startswith("QID"), question.id
        assert text, question.id


def test_no_raw_header_maps_to_two_questions(codebook):
    headers = [header for question in codebook.questions for header in question.source]
    assert len(headers) == len(set(headers))


def test_matrix_items_carry_stem_and_item_text(codebook):
    tag, import_id, text = codebook.question("rating_data").source
    assert tag.startswith("Q") and "_" in tag
    assert text.startswith("How would you rate your organization's capacity") and " - Data" in text


def test_a_base_option_label_holds_a_comma(codebook):
    labels = [option.label for option in codebook.question("base_constituencies").options]
    assert any("," in label for label in labels)


def test_percent_questions_are_bounded_0_to_100(codebook):
    for question_id in ("members_poc_share", "member_funding_share", "foundation_funding_share",
                        "union_funding_share"):
        question = codebook.question(question_id)
        assert (question.unit, question.range) == ("percent", (0, 100))


def test_growth_priorities_allow_three(codebook):
    assert codebook.question("growth_priorities").max_select == 3


def test_electoral_capacity_index_as_agreed(codebook):
    index = codebook.index("electoral_capacity")
    assert set(index.items) == {"voter_contacts_2016", "volunteers_2016", "paid_canvassers_peak",
                                "endorsements_2016"}
    assert set(index.transform.values()) == {"log1p"} and set(index.transform) == set(index.items)
    assert (index.method, index.min_items) == ("mean_z", 3)


def test_likert_scales_have_five_labelled_levels(codebook):
    assert [level.label for level in codebook.question("rating_overall_electoral").levels] == [
        "Very weak", "Weak", "Adequate", "Strong", "Very strong"]
    assert codebook.question("toc_elections").levels[-1].label == "Strongly agree"


# --- mistakes --------------------------------------------------------------------------------

def test_minimal_codebook_is_valid():
    assert codebook_from_dict(_minimal()).key == "rid"


def test_unknown_type_names_question_and_rule():
    raw = _minimal()
    raw["questions"][2]["type"] = "number"
    message = _problem(raw)
    assert "question 'contacts'" in message and "unknown type 'number'" in message


def test_duplicate_id_names_question_and_rule():
    raw = _minimal()
    raw["questions"].append(copy.deepcopy(raw["questions"][3]))
    message = _problem(raw)
    assert "question 'volunteers'" in message and "duplicate id" in message


def test_single_without_levels_names_question_and_rule():
    raw = _minimal()
    raw["questions"].append({"id": "level", "section": "main", "type": "single"})
    message = _problem(raw)
    assert "question 'level'" in message and "a single question needs `levels`" in message


def test_likert_without_levels_names_question_and_rule():
    raw = _minimal()
    del raw["questions"][1]["levels"]
    message = _problem(raw)
    assert "question 'rating'" in message and "a likert question needs `levels`" in message


def test_multi_without_options_names_question_and_rule():
    raw = _minimal()
    raw["questions"].append({"id": "plans", "section": "main", "type": "multi"})
    message = _problem(raw)
    assert "question 'plans'" in message and "a multi question needs `options`" in message


def test_index_with_unknown_item_names_index_item_and_rule():
    raw = _minimal()
    raw["indices"][0]["items"] = ["contacts", "canvassers"]
    message = _problem(raw)
    assert "index 'capacity'" in message and "item 'canvassers' is not a question" in message


def test_range_low_above_high_names_question_and_rule():
    raw = _minimal()
    raw["questions"][2]["range"] = [10, 5]
    message = _problem(raw)
    assert "question 'contacts'" in message and "range low end 10 is above its high end 5" in message


def test_key_that_is_not_an_id_question_is_refused():
    raw = _minimal()
    raw["survey"]["key"] = "contacts"
    message = _problem(raw)
    assert "survey key 'contacts'" in message and "must be a question of type `id`" in message


def test_every_problem_is_listed_at_once():
    raw = _minimal()
    raw["questions"][2]["type"] = "number"
    raw["questions"][3]["range"] = [9, 1]
    message = _problem(raw)
    assert "question 'contacts': unknown type" in message
    assert "question 'volunteers': range low end 9 is above its high end 1" in message


def test_codebook_mistakes_are_configuration_errors():
    with pytest.raises(ConfigError) as caught:
        codebook_from_dict({"survey": {"id": "x", "key": "rid"}, "questions": []})
    assert caught.value.exit_code == 2


def test_missing_file_names_the_file_and_the_fix(tmp_path):
    with pytest.raises(CodebookError, match=r"nowhere\.yaml: codebook not found\. Pass --codebook"):
        load_codebook(tmp_path / "nowhere.yaml")


def test_bad_yaml_names_the_file_and_says_fix_the_syntax(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("survey: {id: x, key: rid\nquestions: [\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"broken\.yaml: line \d+, column \d+: .*Fix the YAML syntax there"):
        load_codebook(broken)


def test_a_yaml_file_with_a_mistake_names_the_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text("survey: {id: tiny, key: rid}\nquestions:\n  - {id: rid, type: id}\n"
                    "  - {id: scale, type: likert}\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"(?s)tiny\.yaml: .*question 'scale': a likert question needs `levels`"):
        load_codebook(path)


@pytest.mark.parametrize("where, patch", [
    ("the codebook", lambda raw: raw.update(extra_top=1)),
    ("survey", lambda raw: raw["survey"].update(organisation="x")),
    ("section 'main'", lambda raw: raw["sections"][0].update(colour="red")),
    ("question 'rid'", lambda raw: raw["questions"][0].update(requried=True)),
    ("question 'rating', level '1'", lambda raw: raw["questions"][1]["levels"][0].update(alias="w")),
    ("index 'capacity'", lambda raw: raw["indices"][0].update(weights=[1, 2])),
])
def test_a_field_the_schema_does_not_know_is_reported_with_its_place(where, patch):
    raw = _minimal()
    patch(raw)
    with pytest.raises(CodebookError) as error:
        codebook_from_dict(raw, source="tiny.yaml")
    assert f"{where}: unknown field(s)" in str(error.value)
    assert "docs/design.md" in str(error.value)
