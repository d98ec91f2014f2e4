"""The instrument and its data: from a survey export to cleaned, typed responses.

Owns the codebook (:mod:`.codebook`), the export layouts and readers (:mod:`.layouts`,
:mod:`.exports`), the cleaning rules (:mod:`.cleaning`, with :mod:`.numbers`, :mod:`.text`
and :mod:`.states`), the clean stage's files (:mod:`.cleaned`), where a data file came from
(:mod:`.source`: the synthetic marker) and the problem list of ``ipo-research validate`` (:mod:`.validation`).

May import: :mod:`ipo_research.exceptions`, :mod:`ipo_research.paths`,
:mod:`ipo_research.files`. Nothing else in the package; everything above builds on this.

Entry points: ``codebook.load_codebook``, ``exports.read_export``,
``cleaning.clean_responses``, ``cleaned.write_clean_outputs``, ``cleaned.load_responses``,
``validation.validate_export``.
"""
