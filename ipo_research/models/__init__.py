"""Regression models of the cleaned responses, declared in a models file.

Owns the model-spec schema and its validation (:mod:`.specs`), fitting with statsmodels
(:mod:`.fit`), multiple imputation (:mod:`.imputation`), the wild and pairs bootstrap
(:mod:`.bootstrap`), diagnostics (:mod:`.diagnostics`), tidy and side-by-side tables
(:mod:`.tables`), model figures (:mod:`.plots`), sentences (:mod:`.narrative`) and the run of
a whole models file with its saved tables (:mod:`.run`).

May import: :mod:`ipo_research.analysis` (indices, state context, the output writer and the
style), :mod:`ipo_research.survey` and the top-level helpers.

Entry points: ``specs.load_model_specs``, ``run.run_models``, ``run.save_model_run``.
"""
