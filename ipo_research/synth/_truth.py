"""The "truth" of the synthetic survey: every organization's answers before any mess.

Private to :mod:`ipo_research.synth.generator`. Question ids, levels and options come from the codebook;
distributions and effects are this generator's own assumptions, keyed by the fixed question ids
and documented in ``data/synthetic/README.md``. Each step draws from its own child of one
:class:`numpy.random.SeedSequence`, so a step's draws do not depend on the others, and the
large-sample simulation of the planted effects can run the capacity steps alone.

Everything is vectorised over organizations: 100,000 rows take a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ipo_research.synth._answers import growth_answers, self_ratings, views_answers
from ipo_research.synth._draws import logistic, pick, quota_draw, weights_for
from ipo_research.synth._frame import values_to_frame
from ipo_research.synth._text import open_text_answers
from ipo_research.synth._words import STATE_WEIGHTS, WFP_STATES

__all__ = [
    "LATENT_BETA", "LATENT_NOISE_SD", "ITEM_NOISE_SD", "ITEM_SCALES", "NETWORK_SHARES",
    "CAPACITY_FORMULA", "STEPS", "capacity_values", "random_streams", "design_columns", "generate_truth",
]

# The planted effects: latent electoral capacity L = X beta + u, u ~ N(0, LATENT_NOISE_SD),
# with X the terms of the default capacity model, named as statsmodels names them.
_NETWORK_TERM = "C(primary_network, Treatment('unaffiliated'))[T.{}]"
LATENT_BETA = {
    "Intercept": -8.0,
    **{_NETWORK_TERM.format(code): effect for code, effect in
       (("cpd", 0.30), ("peoples_action", 0.40), ("pico", 0.0), ("ccc", 0.10), ("wfp", 0.70),
        ("other", 0.20))},
    "C(jurisdiction_level)[T.county]": 0.10,
    "C(jurisdiction_level)[T.state]": 0.30,
    "C(jurisdiction_level)[T.multi_state]": 0.20,
    "np.log1p(annual_budget)": 0.50,
    "member_funding_share": 0.015,
    "I(2016 - year_founded)": 0.010,
    "legal_entities__c4": 0.40,
    "legal_entities__pac": 0.30,
    "dem_margin_2016": 0.0,
}
LATENT_NOISE_SD = 0.5
# Each index item: log1p(item) = m + s * (L + e), e ~ N(0, ITEM_NOISE_SD), then rounded to a count.
ITEM_NOISE_SD = 0.5
ITEM_SCALES = {
    "voter_contacts_2016": (np.log(15000.0), 1.0),
    "volunteers_2016": (np.log(120.0), 0.8),
    "paid_canvassers_peak": (np.log1p(10.0), 0.7),
    "endorsements_2016": (np.log1p(7.0), 0.5),
}
CAPACITY_FORMULA = (
    "electoral_capacity ~ np.log1p(annual_budget) + member_funding_share + I(2016 - year_founded)"
    " + C(primary_network, Treatment('unaffiliated')) + legal_entities__c4 + legal_entities__pac"
    " + C(jurisdiction_level) + dem_margin_2016"
)
# Shares of primary networks, allocated by quota (largest remainder) so every sample has them.
NETWORK_SHARES = {"cpd": 0.17, "peoples_action": 0.17, "pico": 0.13, "ccc": 0.12, "wfp": 0.14,
                  "other": 0.04, "unaffiliated": 0.23}
_JURISDICTION_SHARES = {"city": 0.35, "county": 0.15, "state": 0.40, "multi_state": 0.10}
# Named random streams, spawned in this order (append new ones at the end to keep old draws).
STEPS = ("traits", "capacity", "program", "ratings", "views", "growth", "text", "metadata", "mess", "duplicates")


def random_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per step of the synthesis, all children of ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STEPS))
    return {step: np.random.default_rng(child) for step, child in zip(STEPS, children)}


def generate_truth(codebook, *, n: int, rngs: dict) -> tuple[pd.DataFrame, dict]:
    """Draw ``n`` organizations; return the truth frame (cleaned types) and hidden latents."""
    values, latent = capacity_values(codebook, n=n, rngs=rngs)
    self_ratings(codebook, values, latent, rngs["ratings"])
    views_answers(codebook, values, latent, rngs["views"])
    growth_answers(codebook, values, latent, rngs["growth"])
    open_text_answers(codebook, values, latent, rngs["text"])
    return values_to_frame(codebook, values, rngs["text"], n=n), latent


def capacity_values(codebook, *, n: int, rngs: dict) -> tuple[dict, dict]:
    """Organization traits, latent capacity and the 2016 program: what the capacity model uses."""
    values: dict = {}
    latent: dict = {}
    _identity(codebook, values, latent, rngs["traits"], n)
    _money_and_base(codebook, values, latent, rngs["traits"], n)
    _latent_capacity(values, latent, rngs["capacity"], n)
    _program_2016(values, latent, rngs["program"], n)
    return values, latent


def _identity(codebook, values, latent, rng, n):
    network = codebook.question("primary_network")
    values["primary_network"] = quota_draw(rng, network.level_codes, NETWORK_SHARES, n)
    level = codebook.question("jurisdiction_level")
    values["jurisdiction_level"] = pick(rng, level.level_codes,
                                        weights_for(level.level_codes, _JURISDICTION_SHARES, 0.05), n)
    values["state"] = _states(rng, values["primary_network"] == "wfp")
    age = np.clip(np.rint(np.exp(rng.normal(np.log(11.0), 0.8, n))), 0, 100)
    values["year_founded"] = (2016 - age).astype(int)
    level_shift = {"city": -0.2, "state": 0.3, "multi_state": 0.5}
    shift = np.array([level_shift.get(code, 0.0) for code in values["jurisdiction_level"]])
    # Latent size: older and wider organizations are bigger; budgets, staff and members follow it.
    latent["size"] = 0.4 * (np.log1p(age) - 2.4) / 0.8 + shift + rng.normal(0.0, 0.9, n)
    is_wfp = values["primary_network"] == "wfp"
    affiliations = codebook.question("network_affiliations")
    for code in affiliations.option_codes:
        primary = values["primary_network"] == code
        secondary = (rng.random(n) < 0.06) & (values["primary_network"] != "unaffiliated")
        values[f"network_affiliations__{code}"] = primary | (secondary & (code != "other"))
    size = latent["size"]
    entities = {
        "c3": rng.random(n) < logistic(1.8 + 0.3 * size),
        "c4": rng.random(n) < logistic(0.4 + 0.6 * size + 1.0 * is_wfp),
    }
    entities["pac"] = rng.random(n) < logistic(-0.8 + 0.5 * size + 1.2 * entities["c4"])
    entities["ie_committee"] = rng.random(n) < logistic(-2.0 + 0.6 * size + 0.8 * entities["pac"])
    entities["ballot_line"] = rng.random(n) < np.where(is_wfp, 0.6, 0.03)
    entities["c3"] |= ~np.logical_or.reduce(list(entities.values()))  # everyone has some entity
    for code in codebook.question("legal_entities").option_codes:
        values[f"legal_entities__{code}"] = entities.get(code, np.zeros(n, dtype=bool))


def _states(rng, is_wfp):
    codes = tuple(STATE_WEIGHTS)
    weights = np.array([STATE_WEIGHTS[code] for code in codes], dtype=float)
    wfp_weights = np.array([1.0 if code in WFP_STATES else 0.0 for code in codes])
    return pick(rng, codes, np.where(is_wfp[:, None], wfp_weights / wfp_weights.sum(),
                                     weights / weights.sum()))


def _money_and_base(codebook, values, latent, rng, n):
    size = latent["size"]
    budget = np.round(np.exp(np.log(550_000.0) + 0.9 * size), -3)
    values["annual_budget"] = np.maximum(budget, 5_000.0)
    staff = np.round(values["annual_budget"] / 70_000.0 * np.exp(rng.normal(0.0, 0.3, n)) * 2) / 2
    values["staff_fte"] = staff
    values["organizers"] = np.rint(staff * rng.beta(4, 4, n)).astype(int)
    multi = values["jurisdiction_level"] == "multi_state"
    statewide = values["jurisdiction_level"] == "state"
    values["chapters"] = rng.poisson(np.exp(-0.3 + 0.6 * size + 1.0 * multi + 0.5 * statewide))
    c4 = values["legal_entities__c4"]
    wfp = values["primary_network"] == "wfp"
    logits = np.column_stack([
        -0.3 + 0.4 * c4 + rng.normal(0.0, 0.8, n),       # members and small donors
        0.6 + rng.normal(0.0, 0.7, n),                   # foundations
        -0.8 + 0.8 * wfp + rng.normal(0.0, 0.9, n),      # unions
        -0.7 + rng.normal(0.0, 0.7, n),                  # other sources
    ])
    shares = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True) * 100
    rounded = np.floor(shares)
    # Whole percentages that add up to 100: the remainder goes to the largest source.
    rounded[np.arange(n), shares.argmax(axis=1)] += 100 - rounded.sum(axis=1)
    for column, name in enumerate(("member", "foundation", "union", "other")):
        values[f"{name}_funding_share"] = rounded[:, column]
    values["members"] = np.rint(np.exp(np.log(1500.0) + 0.8 * size + rng.normal(0.0, 0.6, n))).astype(int)
    dues_rate = np.clip(0.1 + 0.01 * values["member_funding_share"] + rng.normal(0.0, 0.1, n), 0.02, 0.95)
    values["dues_paying_members"] = rng.binomial(values["members"], dues_rate)
    _base(codebook, values, rng, n)


def _base(codebook, values, rng, n):
    pico = values["primary_network"] == "pico"
    chances = {"poc_working_class": 0.7, "black": 0.45, "latino": 0.45, "aapi": 0.15, "native": 0.08,
               "immigrants": 0.45, "white_working_class": 0.3, "rural": 0.2, "youth": 0.35,
               "faith": np.where(pico, 0.65, 0.2), "labor": 0.3, "tenants": 0.35, "lgbtq": 0.2,
               "other": 0.05}
    for code in codebook.question("base_constituencies").option_codes:
        values[f"base_constituencies__{code}"] = rng.random(n) < chances.get(code, 0.1)
    white = values.get("base_constituencies__white_working_class", np.zeros(n, dtype=bool))
    poc = values.get("base_constituencies__poc_working_class", np.zeros(n, dtype=bool))
    share = rng.normal(68.0 - 25.0 * white + 10.0 * poc, 15.0)
    values["members_poc_share"] = np.clip(np.rint(share), 0, 100)
    leader = codebook.question("leader_selection")
    weights = {"member_election": 0.45, "chapter_delegates": 0.2, "board_appointed": 0.25,
               "staff_selected": 0.05, "other": 0.05}
    values["leader_selection"] = pick(rng, leader.level_codes, weights_for(leader.level_codes, weights, 0.05), n)


def design_columns(values: dict) -> dict:
    """The model's terms as numbers, keyed by statsmodels term name (dem_margin_2016 is 0)."""
    n = len(values["annual_budget"])
    columns = {"Intercept": np.ones(n)}
    for term in LATENT_BETA:
        if term.startswith("C(primary_network"):
            columns[term] = (values["primary_network"] == term.split("[T.")[1][:-1]).astype(float)
        elif term.startswith("C(jurisdiction_level)"):
            columns[term] = (values["jurisdiction_level"] == term.split("[T.")[1][:-1]).astype(float)
    columns["np.log1p(annual_budget)"] = np.log1p(values["annual_budget"])
    columns["member_funding_share"] = values["member_funding_share"].astype(float)
    columns["I(2016 - year_founded)"] = (2016 - values["year_founded"]).astype(float)
    columns["legal_entities__c4"] = values["legal_entities__c4"].astype(float)
    columns["legal_entities__pac"] = values["legal_entities__pac"].astype(float)
    columns["dem_margin_2016"] = np.zeros(n)  # true coefficient 0: its value never matters
    return columns


def _latent_capacity(values, latent, rng, n):
    columns = design_columns(values)
    linear = sum(LATENT_BETA[term] * columns[term] for term in LATENT_BETA)
    latent["capacity"] = linear + rng.normal(0.0, LATENT_NOISE_SD, n)


def _program_2016(values, latent, rng, n):
    capacity = latent["capacity"]
    for item, (middle, scale) in ITEM_SCALES.items():
        logged = middle + scale * (capacity + rng.normal(0.0, ITEM_NOISE_SD, n))
        values[item] = np.maximum(np.rint(np.expm1(logged)), 0).astype(np.int64)
    endorsed = values["endorsements_2016"]
    values["endorsed_winners_2016"] = rng.binomial(endorsed, logistic(0.3 + 0.8 * capacity))
    won_most = (2 * values["endorsed_winners_2016"] > endorsed).astype(object)
    won_most[endorsed == 0] = None  # nothing endorsed: the question does not apply
    values["won_most_endorsed_2016"] = won_most
    ballot_line = values["legal_entities__ballot_line"]
    values["members_ran_2016"] = rng.poisson(np.exp(-0.6 + 0.6 * capacity + 0.4 * ballot_line))
    statewide = values["jurisdiction_level"] == "state"
    values["ballot_measures_2016"] = rng.poisson(np.exp(0.3 + 0.3 * capacity + 0.3 * statewide))
    share = logistic(-1.6 + 0.6 * capacity + 0.5 * values["legal_entities__c4"]
                     + 0.4 * values["legal_entities__pac"] + rng.normal(0.0, 0.3, n))
    values["electoral_budget"] = np.round(values["annual_budget"] * share, -3)
