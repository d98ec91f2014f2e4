"""Checking tools run from the Makefile as ``python -m ipo_research.checks.<name>``.

Owns the golden-table comparison (:mod:`.golden`), refreshing the committed notebooks
(:mod:`.notebook_refresh`) and the disclosure audit of a run's published tables
(:mod:`.disclosure_audit`).

May import: :mod:`ipo_research.analysis` (the disclosure rules it audits against) and the
top-level helpers. Nothing imports it.
"""
