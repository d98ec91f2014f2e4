"""ipo-research: reproducible analysis of the 2016 survey of Independent Political Organizations.

The package tree is the pipeline, read top to bottom as imports may point:

- :mod:`ipo_research.cli`: the ``ipo-research`` command line;
- :mod:`ipo_research.pipeline`, :mod:`ipo_research.checks`, :mod:`ipo_research.synth`:
  running the notebooks, checking a run's outputs, and the synthetic export;
- :mod:`ipo_research.report`: the pages a reader sees;
- :mod:`ipo_research.models`: regression models declared in a models file;
- :mod:`ipo_research.analysis`: describing responses safely (tables, sentences, figures);
- :mod:`ipo_research.survey`: the instrument and its data, from an export to clean responses;
- :mod:`ipo_research.files`, :mod:`ipo_research.paths`, :mod:`ipo_research.exceptions`:
  helpers every layer may use.

Notebooks hold narrative, parameters and calls; everything else lives here. docs/design.md
holds the contracts and the layer diagram; ``lint-imports`` checks the layers.
"""

__version__ = "0.1.0"
