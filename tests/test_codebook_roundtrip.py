"""The round trip on the shipped survey: codebook -> .qsf -> drafted codebook -> the same cleaned data.

``ipo-research synth`` writes the synthetic survey's ``.qsf`` next to its export, generated from
``data/codebook.yaml``. Drafting a codebook from that QSF and the synthetic export, and cleaning
with it, must give the responses the hand-written codebook gives: same columns, dtypes and
values, up to the question ids the draft chose, mapped here through each question's export tag
(the first ``source`` entry, which both codebooks carry).
"""

import pandas as pd

from ipo_research.paths import SYNTHETIC_EXPORT_PATH
from ipo_research.survey.cleaning import clean_responses
from ipo_research.survey.codebook import codebook_from_dict, load_codebook
from ipo_research.survey.draft import draft_codebook
from ipo_research.survey.exports import read_export
from ipo_research.synth._qsf import survey_file

SYNTHETIC_QSF = SYNTHETIC_EXPORT_PATH.with_suffix(".qsf")


def test_the_shipped_qsf_is_the_one_synth_writes_from_the_codebook():
    assert SYNTHETIC_QSF.read_text(encoding="utf-8") == survey_file(load_codebook())


def test_drafting_from_the_synthetic_qsf_cleans_like_the_hand_written_codebook():
    hand = load_codebook()
    draft = draft_codebook(SYNTHETIC_EXPORT_PATH, qsf=SYNTHETIC_QSF)
    assert not draft.unresolved and draft.not_drafted == []
    drafted = codebook_from_dict(draft.codebook, source="draft")
    expected = clean_responses(read_export(SYNTHETIC_EXPORT_PATH, hand), hand).responses
    got = clean_responses(read_export(SYNTHETIC_EXPORT_PATH, drafted), drafted).responses

    by_tag = {question.source[0]: question for question in hand.questions}
    renamed = {}
    for question in drafted.questions:
        hand_question = by_tag[question.source[0]]
        assert question.type == hand_question.type, question.id
        renamed.update({drafted_column: hand_column for drafted_column, hand_column
                        in zip(question.columns, hand_question.columns)})
    got = got.rename(columns=renamed)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # The draft marks the contact questions pii, as the hand-written codebook does.
    assert sorted(by_tag[q.source[0]].id for q in drafted.questions if q.pii) == sorted(hand.pii_ids)
