"""Describing the cleaned responses, safely: tables, sentences and figures for the chapters.

Owns descriptive statistics (:mod:`.describe`), disclosure control of small counts
(:mod:`.disclosure`, with its suppression engine :mod:`._suppression`), indices and their
reliability (:mod:`.indices`), open-text themes (:mod:`.themes`), the state context table
(:mod:`.context`), plain-words sentences (:mod:`.narrative`), the one-group profile
(:mod:`.profile`), and the writer of a run's tables and figures (:mod:`.outputs`).

Figures live with what they draw: the descriptive figures here (:mod:`.plots`,
:mod:`.tilemap`), the model figures in :mod:`ipo_research.models.plots`. The shared look
(:mod:`.style`) and the writer (:mod:`.outputs`) live here because the models build on this
package, never the other way round.

May import: :mod:`ipo_research.survey` and the top-level helpers (exceptions, paths, files).

Entry points: ``describe.frequency_table`` and its siblings, the ``disclosure.publish_*``
functions, ``outputs.save_table``, ``outputs.figure_output``, ``profile.build_profile``.
"""
