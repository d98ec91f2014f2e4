"""Running the notebooks as a pipeline: plan, execute, record.

Owns the stage plan read from ``notebooks/pipeline.yaml`` (:mod:`.plan`), notebook
parameters and their checks (:mod:`.parameters`), executing one notebook with papermill
(:mod:`.execution`), the checks of every file a run reads before any kernel starts
(:mod:`.preflight`), the parallel, incremental runner (:mod:`.runner`) the run manifest
(:mod:`.manifest`) and the locked environment every run records (:mod:`.environment`).

May import: :mod:`ipo_research.report` (to render pages and the index after a run),
:mod:`ipo_research.models` (model specs, for preflight), :mod:`ipo_research.survey` (the
codebook and the data's source) and the top-level helpers.
Nothing below imports it; only :mod:`ipo_research.cli` does.

Entry points: ``runner.run_pipeline``, ``runner.pipeline_status``,
``parameters.check_parameters`` (called by every notebook's first cell).
"""
