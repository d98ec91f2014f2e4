"""Synthetic answers that follow from an organization's traits: ratings, views and growth plans.

Private to :mod:`ipo_research.synth.generator`. Each function adds arrays to ``values`` (question id, or
``{id}__{code}`` for a multi option) for the questions of one part of the survey. Ratings and
views are a score rounded to the nearest level: ``level + driver + response style + noise``;
the drivers are listed in ``data/synthetic/README.md``.
"""

from __future__ import annotations

import numpy as np

from ipo_research.synth._draws import logistic, pick, weights_for

__all__ = ["self_ratings", "views_answers", "growth_answers"]

# Rating id -> (offset from "Adequate", driver). Drivers use the latent capacity L (mean 0,
# sd about 0.8), the latent size S (mean 0, sd about 1) and observed traits.
_RATING_DRIVERS = {
    "rating_field": (0.2, lambda v, l: 1.0 * l["capacity"]),
    "rating_candidate_recruitment": (-0.3, lambda v, l: 0.6 * l["capacity"] + 0.3 * (v["members_ran_2016"] > 0)),
    "rating_candidate_training": (-0.2, lambda v, l: 0.5 * l["capacity"]),
    "rating_small_dollar": (-0.3, lambda v, l: 0.7 * (v["member_funding_share"] - 22.0) / 12.0),
    "rating_major_donor": (-0.6, lambda v, l: 0.5 * (np.log(v["annual_budget"]) - 13.2)),
    "rating_communications": (0.0, lambda v, l: 0.4 * l["size"]),
    "rating_digital": (-0.2, lambda v, l: 0.3 * l["size"]),
    "rating_data": (-0.4, lambda v, l: 0.5 * l["size"] + 0.3 * l["capacity"]),
    "rating_policy": (0.1, lambda v, l: 0.3 * l["size"]),
    "rating_leadership_development": (0.4, lambda v, l: 0.5 * (v["leader_selection"] == "member_election")),
    "rating_coalitions": (0.5, lambda v, l: 0.0),
    "rating_legal_compliance": (0.0, lambda v, l: 0.5 * v["legal_entities__c4"] + 0.4 * v["legal_entities__pac"]
                                + 0.2 * l["size"]),
    "rating_governing_accountability": (-0.1, lambda v, l: 0.4 * l["capacity"]),
    "rating_overall_electoral": (0.0, lambda v, l: 1.2 * l["capacity"]),
}
_STRATEGY_BY_NETWORK = {
    "default": {"base_building": 0.35, "electoral": 0.25, "issue_campaigns": 0.15,
                "policy_advocacy": 0.08, "party_building": 0.05, "coalitions": 0.12},
    "wfp": {"base_building": 0.1, "electoral": 0.45, "issue_campaigns": 0.05,
            "policy_advocacy": 0.05, "party_building": 0.3, "coalitions": 0.05},
    "pico": {"base_building": 0.55, "electoral": 0.1, "issue_campaigns": 0.2,
             "policy_advocacy": 0.05, "party_building": 0.0, "coalitions": 0.1},
}


def to_levels(score: np.ndarray, question) -> np.ndarray:
    """Round a continuous score to the nearest likert code of ``question``."""
    codes = np.array(question.level_codes, dtype=int)
    return np.clip(np.rint(score), codes.min(), codes.max()).astype(int)


def self_ratings(codebook, values: dict, latent: dict, rng: np.random.Generator) -> None:
    """Strengths and weaknesses: capacity ratings driven by capacity, size and traits."""
    n = len(latent["capacity"])
    # Response style: some organizations rate themselves higher across the board.
    latent["optimism"] = rng.normal(0.0, 0.4, n)
    for question in codebook.questions_in("strengths", types=("likert",)):
        offset, driver = _RATING_DRIVERS.get(question.id, (0.0, lambda v, l: 0.0))
        score = 3.0 + offset + driver(values, latent) + latent["optimism"] + rng.normal(0.0, 0.7, n)
        values[question.id] = to_levels(score, question)


def views_answers(codebook, values: dict, latent: dict, rng: np.random.Generator) -> None:
    """Theory of change, main strategy and reflections on 2016."""
    n = len(latent["capacity"])
    strategy = codebook.question("primary_strategy")
    rows = np.array([weights_for(strategy.level_codes,
                                 _STRATEGY_BY_NETWORK.get(network, _STRATEGY_BY_NETWORK["default"]), 0.05)
                     for network in _STRATEGY_BY_NETWORK])
    row_of = {network: position for position, network in enumerate(_STRATEGY_BY_NETWORK)}
    chosen_rows = np.array([row_of.get(network, 0) for network in values["primary_network"]], dtype=int)
    values["primary_strategy"] = pick(rng, strategy.level_codes, rows[chosen_rows])
    capacity = latent["capacity"]
    electoral = np.isin(values["primary_strategy"], ["electoral", "party_building"])
    wfp = values["primary_network"] == "wfp"
    ballot_line = values["legal_entities__ballot_line"]
    means = {
        "toc_elections": 3.6 + 0.5 * capacity + 0.7 * electoral,
        "toc_base_building": 3.9 + 0.6 * (values["primary_strategy"] == "base_building") - 0.3 * capacity,
        "toc_party_strategy": 2.9 + 0.6 * wfp - 0.8 * ballot_line + 0.3 * electoral,
        "toc_governing": 3.7 + 0.2 * capacity,
        "toc_accountability": np.full(n, 4.2),
        "reflect_more_electoral": 3.5 + 0.5 * capacity,
        "reflect_more_independent": 3.0 + 0.8 * wfp + 0.5 * ballot_line,
        "reflect_more_base_building": np.full(n, 4.0),
    }
    agreeing = rng.normal(0.0, 0.3, n)  # acquiescence: a tendency to agree with statements
    for question_id, mean in means.items():
        if codebook.has_question(question_id):
            score = mean + agreeing + rng.normal(0.0, 0.8, n)
            values[question_id] = to_levels(score, codebook.question(question_id))


def growth_answers(codebook, values: dict, latent: dict, rng: np.random.Generator) -> None:
    """Vision for growth: priorities (up to three), obstacles, plans, support and 2019 targets."""
    n = len(latent["capacity"])
    size, capacity = latent["size"], latent["capacity"]
    wfp = values["primary_network"] == "wfp"
    _top_priorities(codebook, values, rng, n, wfp=wfp, capacity=capacity)
    chances = {
        "growth_obstacles": {"funding": logistic(1.2 - 0.5 * size), "restricted_funding": 0.45,
                             "staff_capacity": logistic(0.6 - 0.4 * size), "burnout": 0.35,
                             "candidates": 0.3, "compliance": 0.15 + 0.1 * values["legal_entities__pac"],
                             "party_hostility": 0.2 + 0.25 * wfp, "data_tech": 0.3, "other": 0.05},
        "growth_plans": {"new_c4": np.where(values["legal_entities__c4"], 0.02, 0.5),
                         "new_pac": np.where(values["legal_entities__pac"], 0.05, 0.35),
                         "new_chapters": 0.3,
                         "join_network": np.where(values["primary_network"] == "unaffiliated", 0.3, 0.03),
                         "merge": 0.05, "run_members": 0.3 + 0.2 * (capacity > 0),
                         "ballot_line": 0.1 + 0.2 * wfp, "primary_challenges": 0.3},
        "support_wanted": {"general_funding": 0.85, "training": 0.5, "data_tools": 0.45, "legal": 0.25,
                           "candidate_training": 0.4, "peer_learning": 0.45, "communications": 0.3,
                           "national_strategy": 0.35},
    }
    for question_id, table in chances.items():
        for code in codebook.question(question_id).option_codes:
            values[f"{question_id}__{code}"] = rng.random(n) < table.get(code, 0.1)
    growth = np.exp(rng.normal(np.log(1.6), 0.3, n))
    values["budget_target_2019"] = np.round(values["annual_budget"] * growth, -4)
    values["staff_target_2019"] = np.round(values["staff_fte"] * growth * np.exp(rng.normal(0.0, 0.1, n)) * 2) / 2


def _top_priorities(codebook, values, rng, n, *, wfp, capacity):
    question = codebook.question("growth_priorities")
    codes = question.option_codes
    weights = {"membership": 3.0, "electoral_program": 2.0 + 1.0 * (capacity > 0), "candidate_pipeline": 2.0,
               "small_dollar": 2.0 + 1.0 * (values["member_funding_share"] < 15), "new_geography": 1.0,
               "data_tech": 1.2, "governing": 1.5, "staff": 1.5, "ballot_line": np.where(wfp, 2.0, 0.3)}
    log_weights = np.column_stack([np.broadcast_to(np.log(weights.get(code, 1.0)), (n,)) for code in codes])
    # Gumbel top-k: the k largest of log-weight + Gumbel noise are a weighted draw without replacement.
    scores = log_weights + rng.gumbel(size=(n, len(codes)))
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1)
    most = min(question.max_select or len(codes), len(codes))
    how_many = np.minimum(pick(rng, (1, 2, 3), [0.1, 0.25, 0.65], n).astype(int), most)
    for position, code in enumerate(codes):
        values[f"growth_priorities__{code}"] = ranks[:, position] < how_many
