"""What linked-table disclosure control costs: coordinated suppression and the joint audit.

Usage (from the project root)::

    .venv/bin/python benchmarks/linked_disclosure.py
    .venv/bin/python benchmarks/linked_disclosure.py --copies 1 2 4 8 --repeats 3

On the shipped synthetic export (the default run), it times, in one process and the same run:

* the baseline: each geography table suppressed on its own (what the landscape did before);
* the coordinated suppression of those tables (:func:`ipo_research.analysis.geography.publish_geography`);
* the joint audit of the published tables (:func:`ipo_research.analysis.linked.audit_publications`).

Then the joint audit of k copies of the published tables (k = ``--copies``), each copy's
variables renamed so it is a group of its own, as a run publishing more tables would be (one
more wave, one more grouping). The bars (issue #17):

* coordinated suppression plus joint audit of the default run take under 20 s;
* the audit time per table at the largest k is at most 1.5 times that at k = 1 (no worse than
  linear growth in the number of tables).

It prints the median timings and the ratios, and exits 1 when a bar is missed. It is not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace

DEFAULT_BAR_SECONDS = 20.0
GROWTH_BAR = 1.5


def _median_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _renamed(publications, suffix: str):
    from ipo_research.analysis.cells import Cell, TableCells

    copies = {}
    for name, item in publications.items():
        cells = item.cells
        renamed = TableCells(
            cells.key, cells.respondents,
            {f"{variable}{suffix}": levels for variable, levels in cells.domains.items()},
            tuple(Cell(cell.row, cell.column,
                       {f"{variable}{suffix}": levels for variable, levels in cell.where.items()},
                       cell.dependents, cell.value) for cell in cells.cells))
        copies[f"{name}{suffix}"] = replace(item, cells=renamed)
    return copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from ipo_research.analysis import geography, linked
    from ipo_research.analysis.context import add_state_context
    from ipo_research.paths import SYNTHETIC_EXPORT_PATH
    from ipo_research.survey.cleaned import load_responses
    from ipo_research.survey.codebook import load_codebook

    codebook = load_codebook()
    responses = add_state_context(load_responses(SYNTHETIC_EXPORT_PATH, codebook))

    def each_on_its_own():
        original = geography.suppress_linked
        geography.suppress_linked = lambda tables, threshold: dict(tables)
        try:
            return geography.publish_geography(responses, codebook)
        finally:
            geography.suppress_linked = original

    baseline = _median_time(each_on_its_own, args.repeats)
    published = geography.publish_geography(responses, codebook)
    coordinated = _median_time(lambda: geography.publish_geography(responses, codebook), args.repeats)
    audit = _median_time(lambda: linked.audit_publications(published), args.repeats)
    total = coordinated + audit
    print(f"default run, {len(published)} linked tables:")
    print(f"  each table on its own (baseline)        {baseline:7.2f} s")
    print(f"  coordinated suppression (incl. baseline) {coordinated:7.2f} s  ({coordinated / baseline:.1f}x baseline)")
    print(f"  joint audit                             {audit:7.2f} s  ({audit / baseline:.1f}x baseline)")
    print(f"  suppression + audit                     {total:7.2f} s  (bar {DEFAULT_BAR_SECONDS:.0f} s)")

    per_table = {}
    print("joint audit of k copies of the published tables (one group each):")
    for copies in args.copies:
        tables = {}
        for copy in range(copies):
            tables.update(_renamed(published, f"_{copy}"))
        seconds = _median_time(lambda: linked.audit_publications(tables, explain=False), args.repeats)
        per_table[copies] = seconds / len(tables)
        print(f"  k={copies:3d}  {len(tables):4d} tables  {seconds:7.2f} s  "
              f"{per_table[copies] * 1000:7.1f} ms per table")
    first, last = min(per_table), max(per_table)
    growth = per_table[last] / per_table[first]
    print(f"time per table at k={last} / at k={first}: {growth:.2f} (bar {GROWTH_BAR})")

    # For information (no bar): k copies linked into one group (same variables), the worst
    # case, where each integer program also grows with k.
    linked_per_table = {}
    print("joint audit of k copies linked into one group (information, no bar):")
    for copies in args.copies:
        tables = {f"{name}_{copy}": item for copy in range(copies) for name, item in published.items()}
        seconds = _median_time(lambda: linked.audit_publications(tables, explain=False), 1)
        linked_per_table[copies] = seconds / len(tables)
        print(f"  k={copies:3d}  {len(tables):4d} tables  {seconds:7.2f} s  "
              f"{linked_per_table[copies] * 1000:7.1f} ms per table")
    print(f"time per table at k={last} / at k={first}, one group: "
          f"{linked_per_table[last] / linked_per_table[first]:.2f}")
    ok = total < DEFAULT_BAR_SECONDS and growth <= GROWTH_BAR
    print("bars met" if ok else "a bar is missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
