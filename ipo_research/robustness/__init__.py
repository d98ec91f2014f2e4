"""Robustness of the models' findings: sensitivity to an unmeasured confounder, power and
minimum detectable effects, and the specification curve over a declared multiverse.

Sits between ``report`` and ``models`` in the layers: it builds on fitted models and is read by
notebooks, never by the models themselves.
"""
