"""The synthetic export: a seeded stand-in for the confidential responses.

Owns generating organizations with planted effects (:mod:`._truth`, :mod:`._frame`,
:mod:`._answers`, :mod:`._text`, :mod:`._words`, :mod:`._draws`), rendering them in the
layout Qualtrics writes (:mod:`._export`, :mod:`._rows`), adding the mess real exports have
(:mod:`._mess`), and the public entry points in :mod:`.generator`.

May import: :mod:`ipo_research.survey` (states), :mod:`ipo_research.analysis` (the index rule,
so the planted index is computed as the analysis computes it) and the top-level helpers.

Entry points: ``generator.synthesize``, ``generator.write_synthetic_export``,
``generator.write_planted_effects``.
"""
