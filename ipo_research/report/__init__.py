"""What a reader sees: rendered pages, the report site around them, the PDF and the data banner.

Owns turning an executed notebook into page bodies with numbered, captioned figures and tables
(:mod:`.chapter`), a run's two pages and the operator's runs view (:mod:`.pages`), the shared
page shell (:mod:`.layout`), the site: front page, navigation, figures page and search index
(:mod:`.site`), printing it to PDF with headless Chromium (:mod:`.pdf`) and the banner that
tells synthetic data from confidential responses (:mod:`.banner`).

May import: :mod:`ipo_research.models` (term labels), :mod:`ipo_research.survey` (codebook,
where the data came from) and the top-level helpers. It knows nothing of how runs are planned
or executed.

Entry points: ``pages.render_pages``, ``site.build_site``, ``pdf.write_pdf``,
``banner.data_banner``.
"""
