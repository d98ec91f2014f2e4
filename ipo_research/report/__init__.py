"""What a reader sees: rendered pages, the index page and the data banner.

Owns rendering executed notebooks to HTML and writing ``OUT/index.html`` (:mod:`.pages`) and
the banner that tells synthetic data from confidential responses (:mod:`.banner`).

May import: :mod:`ipo_research.survey` (where the data came from) and the top-level helpers.
It knows nothing of how runs are planned or executed.

Entry points: ``pages.render_pages``, ``pages.write_index``, ``banner.data_banner``.
"""
