"""ipo-research: reproducible analysis of the 2016 survey of Independent Political Organizations.

The package holds what the notebooks call: reading and cleaning a survey export against its
codebook, describing and modeling the cleaned responses, and running the notebooks as a
pipeline. Notebooks hold narrative, parameters and calls; everything else lives here.
"""

__version__ = "0.1.0"
