"""Synthetic text answers: response ids, fake contact details and open-ended answers.

Private to :mod:`ipo_research.synth.generator`. All contact details are invented (555-01xx phone numbers,
``example.org`` addresses, made-up places); open answers join sentences from the banks in
:mod:`ipo_research.synth._words`, with themes that follow the organization's traits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.synth._draws import logistic
from ipo_research.synth._words import (
    AREA_CODES, FIRST_NAMES, LAST_NAMES, LESSON_OPENINGS, LESSON_THEMES, ORG_CORES,
    OTHER_CONSTITUENCIES, OTHER_NETWORKS, OTHER_OBSTACLES, PLACES, VISION_BODIES, VISION_OPENINGS,
    VISION_SECOND_PARAGRAPH,
)

__all__ = ["open_text_answers", "response_ids"]

_ID_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))


def response_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Qualtrics-style response ids: ``R_`` and 15 letters or digits."""
    letters = _ID_ALPHABET[rng.integers(0, len(_ID_ALPHABET), (n, 15))]
    return np.char.add("R_", np.ascontiguousarray(letters).view("<U15").ravel()).astype(object)


def open_text_answers(codebook, values: dict, latent: dict, rng: np.random.Generator) -> None:
    """Response ids, contact details, "other (please specify)" boxes and open answers."""
    n = len(latent["capacity"])
    values["org_id"] = response_ids(rng, n)
    _contacts(values, rng, n)
    for question_id, bank in (("network_affiliations_other", OTHER_NETWORKS),
                              ("base_constituencies_other", OTHER_CONSTITUENCIES),
                              ("growth_obstacles_other", OTHER_OBSTACLES)):
        chose_other = values.get(f"{question_id[:-len('_other')]}__other", np.zeros(n, dtype=bool))
        answers = _choose(rng, bank, n)
        answers[~chose_other] = None
        values[question_id] = answers
    values["lessons_2016"] = _lessons(values, latent, rng, n)
    values["vision_text"] = _visions(rng, n)


def _choose(rng, bank, n):
    return np.array(bank, dtype=object)[rng.integers(0, len(bank), n)]


def _contacts(values, rng, n):
    places, cores = _choose(rng, PLACES, n), _choose(rng, ORG_CORES, n)
    firsts, lasts = pd.Series(_choose(rng, FIRST_NAMES, n)), pd.Series(_choose(rng, LAST_NAMES, n))
    names = pd.Series(places) + " " + pd.Series(cores)
    values["org_name"] = names.to_numpy(dtype=object)
    values["contact_name"] = (firsts + " " + lasts).to_numpy(dtype=object)
    ascii_first = firsts.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    slug = names.str.lower().str.replace(r"[^a-z]", "", regex=True).str.slice(0, 18)
    values["contact_email"] = (ascii_first.str.lower() + "." + lasts.str.lower() + "@" + slug
                               + ".example.org").to_numpy(dtype=object)
    areas = pd.Series(_choose(rng, AREA_CODES, n))
    lines = pd.Series(rng.integers(0, 100, n)).map("{:02d}".format)
    style = rng.integers(0, 3, n)
    phones = np.where(style == 0, "(" + areas + ") 555-01" + lines,
                      np.where(style == 1, areas + "-555-01" + lines, areas + ".555.01" + lines))
    values["contact_phone"] = phones.astype(object)


def _lessons(values, latent, rng, n):
    themes = tuple(LESSON_THEMES)
    size = latent["size"]
    weights = {
        "funding": logistic(0.5 - 0.8 * size), "staff_capacity": np.full(n, 0.5),
        "candidate_pipeline": 0.3 + 0.4 * (values["members_ran_2016"] > 0), "data": np.full(n, 0.35),
        "coalition": np.full(n, 0.4),
        "independence": 0.2 + 0.6 * (values["primary_network"] == "wfp") + 0.4 * values["legal_entities__ballot_line"],
        "base": np.full(n, 0.4),
    }
    matrix = np.column_stack([np.broadcast_to(weights[theme], (n,)) for theme in themes])
    scores = np.log(matrix) + rng.gumbel(size=matrix.shape)
    order = np.argsort(-scores, axis=1)  # first and second theme, weighted, without repeats
    first = _theme_sentences(rng, themes, order[:, 0])
    second = _theme_sentences(rng, themes, order[:, 1])
    second[rng.random(n) < 0.6] = ""
    opening = pd.Series(_choose(rng, LESSON_OPENINGS, n))
    text = (opening + " " + pd.Series(first) + " " + pd.Series(second).str.capitalize()).str.strip()
    return (text.str.slice(0, 1).str.upper() + text.str.slice(1)).to_numpy(dtype=object)


def _theme_sentences(rng, themes, chosen):
    sentences = np.empty(len(chosen), dtype=object)
    pick_second = rng.random(len(chosen)) < 0.5
    for position, theme in enumerate(themes):
        rows = chosen == position
        sentences[rows] = np.where(pick_second[rows], LESSON_THEMES[theme][1], LESSON_THEMES[theme][0])
    return sentences


def _visions(rng, n):
    text = pd.Series(_choose(rng, VISION_OPENINGS, n)) + " " + pd.Series(_choose(rng, VISION_BODIES, n))
    # Some respondents wrote a second paragraph: a line break inside the CSV field.
    second = pd.Series(_choose(rng, VISION_SECOND_PARAGRAPH, n))
    with_second = rng.random(n) < 0.15
    text[with_second] = text[with_second] + "\n" + second[with_second]
    return text.to_numpy(dtype=object)
