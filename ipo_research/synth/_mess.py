"""The mess of a real export, planted on purpose and logged cell by cell.

Private to :mod:`ipo_research.synth.generator`. :class:`Mess` takes the clean rendered answers (question
id -> strings) and the metadata columns, and changes them in place: skipped questions and
typed missing codes (more often for small organizations), currency strings, approximate
numbers, impossible numbers, stray whitespace and odd case, aliases and "4 - Strong" likert
answers, state codes, partial responses. Every change is one record of the log: the
organization's position in the truth, the question, the kind of mess, the clean text and the
raw text. A cell is messed at most once. Duplicate submissions are made in
:mod:`ipo_research.synth._rows`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.synth._export import format_times
from ipo_research.synth._draws import logistic

__all__ = ["Mess", "LOG_COLUMNS"]

LOG_COLUMNS = ("row", "org_id", "column", "question", "kind", "clean", "raw", "detail")
_MONEY = ("annual_budget", "electoral_budget", "budget_target_2019")
_APPROXIMATE = ("members", "dues_paying_members", "volunteers_2016", "voter_contacts_2016",
                "staff_fte", "organizers")
_PROGRAM_COUNTS = ("voter_contacts_2016", "volunteers_2016", "paid_canvassers_peak", "endorsements_2016",
                   "endorsed_winners_2016", "ballot_measures_2016", "members_ran_2016")
_FUNDING = ("member_funding_share", "foundation_funding_share", "union_funding_share", "other_funding_share")
_PARTIAL_CUTS = ("theory_of_change", "program_2016", "strengths", "reflections")


class Mess:
    """Plants and logs the mess of a raw export; see the module docstring.

    Parameters
    ----------
    codebook : Codebook
    truth : DataFrame
        The clean values, one row per organization.
    cells : dict
        Question id -> rendered answers (object arrays), changed in place.
    meta : dict
        Metadata tag -> values, changed in place (partial responses).
    rng : numpy.random.Generator
    """

    def __init__(self, codebook, truth, cells, meta, rng):
        self.codebook, self.truth, self.cells, self.meta, self.rng = codebook, truth, cells, meta, rng
        self.n = len(truth)
        self.records: list[dict] = []
        self.touched = {question_id: np.zeros(self.n, dtype=bool) for question_id in cells}
        self._typed_codes = 0
        budget = truth["annual_budget"].to_numpy(dtype=float, na_value=np.nan)
        # Size: missingness depends on the true 2016 budget, so the budget itself is missing not at
        # random, and the other questions at random only given the (sometimes unobserved) budget.
        self.size = (np.log(budget) - 13.2) / 0.9
        # One shuffled order of organizations hands out the rows that carry one-off mess
        # (partial, impossible, duplicated), so they differ whenever there are enough rows.
        self._special_order = rng.permutation(self.n)

    def special(self, start: int, count: int) -> np.ndarray:
        """Rows ``start`` to ``start + count`` of the shuffled order (wrapping around small exports)."""
        return self._special_order[np.arange(start, start + count) % self.n]

    def plant_all(self, *, partial: int, impossible: int) -> None:
        """Every kind of cell mess, in an order where later kinds skip messed or empty cells."""
        self.plant_partial(rows=self.special(0, partial))
        self.plant_impossible(count=impossible, start=partial)
        self.plant_missingness()
        self.plant_currency()
        self.plant_approximate()
        self.plant_label_noise()

    def log(self) -> pd.DataFrame:
        """Every change, one row each, in the order planted."""
        if not self.records:
            return pd.DataFrame(columns=list(LOG_COLUMNS))
        return pd.DataFrame({column: np.concatenate([record[column] for record in self.records])
                             for column in LOG_COLUMNS})

    # --- one method per kind of mess -------------------------------------------------------

    def plant_missingness(self) -> None:
        """Skipped answers and typed missing codes; small organizations skip money questions more."""
        size, n = self.size, self.n
        self._skip(_MONEY, logistic(-2.0 - 0.9 * size), code_share=0.5)
        block = self.rng.random(n) < logistic(-2.3 - 0.6 * size)
        for question_id in _FUNDING:
            self._change(question_id, block & self._free(question_id), "", "skipped", "funding block skipped")
        self._skip(("members", "dues_paying_members"), logistic(-2.8 - 0.4 * size), code_share=0.6)
        self._skip(("members_poc_share", "year_founded"), np.full(n, 0.05), code_share=0.8)
        self._skip(("staff_fte", "organizers", "chapters"), np.full(n, 0.03), code_share=0.0)
        self._skip(_PROGRAM_COUNTS, logistic(-3.0 - 0.5 * size), code_share=0.5)
        self._not_endorsed()
        # A click question can be skipped; single and likert ones also offered "Don't know" and
        # "Prefer not to say" (the global codes that are not numbers).
        choice = [q.id for q in self.codebook.questions if q.type in ("single", "likert") and q.id in self.cells]
        clicked = tuple(code for code in self.codebook.missing_codes if not code.lstrip("-").isdigit()
                        and code != "N/A")
        self._skip(choice, np.full(n, 0.015), code_share=0.4, codes=clicked or None)
        boxes = [q.id for q in self.codebook.questions if q.type in ("multi", "boolean") and q.id in self.cells]
        self._skip(boxes, np.full(n, 0.015), code_share=0.0)
        self._skip(("lessons_2016",), np.full(n, 0.2), code_share=0.1)
        self._skip(("vision_text",), np.full(n, 0.25), code_share=0.1)

    def plant_currency(self) -> None:
        """Dollar amounts as people type them: "$1.2M", "$45k", "250,000", "$300,000.00"."""
        styles = (_short_money, lambda v: f"${v:,.0f}", lambda v: f"{v:,.0f}",
                  lambda v: f"${v:,.2f}", _money_in_words)
        for question_id in self._present(_MONEY):
            chosen = np.flatnonzero(self._free(question_id) & (self.rng.random(self.n) < 0.35))
            values = self.truth[question_id].to_numpy(dtype=float, na_value=np.nan)[chosen]
            raw = [styles[(position + len(chosen)) % len(styles)](value) for position, value in enumerate(values)]
            self._set(question_id, chosen, raw, "currency", "currency string")

    def plant_approximate(self) -> None:
        """Approximate counts: "about 40", "~40", "30-50", "40+", "approx. 40", "around 40"."""
        styles = ("about {r}", "~{r}", "{low}-{high}", "{r}+", "approx. {r}", "around {r}")
        for question_id in self._present(_APPROXIMATE):
            values = self.truth[question_id].to_numpy(dtype=float, na_value=np.nan)
            chosen = np.flatnonzero(self._free(question_id) & (values >= 5) & (self.rng.random(self.n) < 0.06))
            rounded = _two_digits(values[chosen])
            low, high = _two_digits(rounded * 0.8), _two_digits(rounded * 1.2)
            raw = [styles[position % len(styles)].format(r=f"{r:g}", low=f"{lo:g}", high=f"{hi:g}")
                   for position, (r, lo, hi) in enumerate(zip(rounded, low, high))]
            self._set(question_id, chosen, raw, "approximate", "approximate number")

    def plant_impossible(self, *, count: int, start: int) -> None:
        """Numbers no organization can have: 140% people of color, founded in 2061."""
        for offset, (question_id, raw) in enumerate((("members_poc_share", "140"), ("year_founded", "2061"))):
            if question_id in self.cells:
                rows = self.special(start + offset * count, count)
                self._set(question_id, rows, [raw] * len(rows), "impossible", "outside the codebook range")

    def plant_label_noise(self) -> None:
        """Stray whitespace and odd case, aliases, "4 - Strong" likert answers, USPS state codes."""
        for question in self.codebook.questions:
            if question.id not in self.cells or question.type not in ("single", "likert", "multi", "boolean", "state"):
                continue
            if question.type == "state":
                self._state_spellings(question)
            if question.type == "likert":
                self._numbered_likert(question)
            if question.type == "single":
                self._aliases(question)
            self._whitespace_case(question)

    def plant_partial(self, *, rows: np.ndarray) -> None:
        """Responses left unfinished: every question from a later section on is empty."""
        rows = np.unique(rows)
        sections = [section.id for section in self.codebook.sections]
        answer_ids = [q.id for q in self.codebook.questions if q.id in self.cells]
        for position, cut in enumerate(_PARTIAL_CUTS):
            cut_rows = rows[position::len(_PARTIAL_CUTS)]
            if len(cut_rows) == 0:
                continue
            later = sections[sections.index(cut):] if cut in sections else sections[-1:]
            blanked = [q for q in answer_ids if self.codebook.question(q).section in later]
            for question_id in blanked:
                self.cells[question_id][cut_rows] = ""
                self.touched[question_id][cut_rows] = True
            progress = str(int(round(100 * (len(answer_ids) - len(blanked)) / max(len(answer_ids), 1))))
            self.meta["Progress"][cut_rows] = progress
            self.meta["Finished"][cut_rows] = "False"
            # Qualtrics records an abandoned response when it expires, a week after the last click.
            ended = np.char.replace(self.meta["EndDate"][cut_rows].astype(str), " ", "T").astype("datetime64[s]")
            self.meta["RecordedDate"][cut_rows] = format_times(ended + np.timedelta64(7, "D"))
            self._record(cut_rows, column="Finished", question="", kind="partial", clean="True", raw="False",
                         detail=f"partial response: progress {progress}, empty from section {cut} on")

    # --- helpers -----------------------------------------------------------------------------

    def _present(self, question_ids):
        return [question_id for question_id in question_ids if question_id in self.cells]

    def _free(self, question_id):
        return ~self.touched[question_id] & (self.cells[question_id] != "")

    def _skip(self, question_ids, probability, *, code_share, codes=None):
        for question_id in self._present(question_ids):
            hit = self._free(question_id) & (self.rng.random(self.n) < probability)
            typed = hit & (self.rng.random(self.n) < code_share)
            self._change(question_id, hit & ~typed, "", "skipped", "question skipped")
            rows = np.flatnonzero(typed)
            offered = codes or (*self.codebook.question(question_id).missing, *self.codebook.missing_codes)
            # Cycle through the codes, so that each of them appears in any sizeable export.
            raw = [offered[(self._typed_codes + position) % len(offered)] for position in range(len(rows))]
            self._typed_codes += len(rows)
            self._set(question_id, rows, raw, "missing_code", "typed missing code")

    def _not_endorsed(self):
        if "won_most_endorsed_2016" not in self.cells:
            return
        question = self.codebook.question("won_most_endorsed_2016")
        rows = np.flatnonzero(self.truth["won_most_endorsed_2016"].isna().to_numpy())
        code = question.missing[0] if question.missing else self.codebook.missing_codes[0]
        self._set("won_most_endorsed_2016", rows, [code] * len(rows), "missing_code", "did not endorse")

    def _state_spellings(self, question):
        draw = self.rng.random(self.n)
        codes = self.truth[question.id].astype(object).to_numpy()
        as_code = np.flatnonzero(self._free(question.id) & (draw < 0.15))
        self._set(question.id, as_code, list(codes[as_code]), "state_code", "USPS code instead of name")

    def _numbered_likert(self, question):
        rows = np.flatnonzero(self._free(question.id) & (self.rng.random(self.n) < 0.01))
        codes = self.truth[question.id].to_numpy(dtype=object)[rows]
        raw = [f"{code} - {label}" for code, label in zip(codes, self.cells[question.id][rows])]
        self._set(question.id, rows, raw, "likert_number", "code and label")

    def _aliases(self, question):
        codes = self.truth[question.id].astype(object).to_numpy()
        for level in question.levels:
            if not level.aliases:
                continue
            rows = np.flatnonzero(self._free(question.id) & (codes == level.code) & (self.rng.random(self.n) < 0.2))
            raw = [level.aliases[position % len(level.aliases)] for position in range(len(rows))]
            self._set(question.id, rows, raw, "alias", "another name for the level")

    def _whitespace_case(self, question):
        styles = (lambda s: " " + s, lambda s: s + " ", str.upper, str.lower, lambda s: "  " + s.lower() + " ")
        rows = np.flatnonzero(self._free(question.id) & (self.rng.random(self.n) < 0.03))
        raw = [styles[position % len(styles)](self.cells[question.id][row]) for position, row in enumerate(rows)]
        self._set(question.id, rows, raw, "whitespace_case", "stray whitespace or odd case")

    def _change(self, question_id, mask, value, kind, detail):
        rows = np.flatnonzero(mask)
        self._set(question_id, rows, [value] * len(rows), kind, detail)

    def _set(self, question_id, rows, raw, kind, detail):
        rows = np.asarray(rows, dtype=int)
        if len(rows) == 0:
            return
        clean = self.cells[question_id][rows].copy()
        self.cells[question_id][rows] = np.array(raw, dtype=object)
        self.touched[question_id][rows] = True
        self._record(rows, column=question_id, question=question_id, kind=kind, clean=clean, raw=raw, detail=detail)

    def _record(self, rows, **fields):
        # fields: column, question, kind, detail (one value each) and clean, raw (one per row).
        rows = np.asarray(rows, dtype=int)
        record = {"row": rows, "org_id": self.meta["ResponseId"][rows]}
        for name in LOG_COLUMNS[2:]:
            value = fields[name]
            record[name] = (np.asarray(value, dtype=object) if name in ("clean", "raw") and not isinstance(value, str)
                            else np.full(len(rows), value, dtype=object))
        self.records.append(record)


def _short_money(value: float) -> str:
    return f"${value / 1e6:.1f}M" if value >= 1e6 else f"${value / 1e3:.0f}k"


def _money_in_words(value: float) -> str:
    return f"{value / 1e6:.1f} million" if value >= 1e6 else f"{value / 1e3:.0f} thousand"


def _two_digits(values: np.ndarray) -> np.ndarray:
    """Round to two significant digits, as people do when they guess."""
    values = np.asarray(values, dtype=float)
    magnitude = np.floor(np.log10(np.maximum(values, 1.0)))
    step = 10.0 ** np.maximum(magnitude - 1, 0)
    return np.round(values / step) * step
