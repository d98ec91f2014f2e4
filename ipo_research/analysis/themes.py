"""Open-text answers coded into themes by a dictionary, counted, and quoted only when safe.

The theme dictionary (``data/themes.yaml``, next to the codebook) lists, for each text
question, themes with patterns. :func:`code_themes` marks which themes each answer carries;
:func:`theme_summary` counts them in the same shape as
:func:`ipo_research.analysis.describe.multi_summary`, so they publish and plot the same way.

Quotes are the riskiest output of a survey of named organizations. :func:`safe_quotes` only
returns answers that are short (25 words at most), carry no e-mail address, phone number,
web address or capitalised multi-word name (a person, a place, an organization), and belong
to a theme at least ``threshold`` organizations mention; at most three per theme, chosen by a
hash of the text so the choice is the same on every run and does not depend on row order,
skipping answers that end like one already chosen (the same point with another opening).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ipo_research.analysis.describe import wilson_interval
from ipo_research.exceptions import ConfigError
from ipo_research.paths import DATA_DIR, project_path, relative_to_root

__all__ = [
    "THEMES_PATH",
    "NO_THEME",
    "Theme",
    "load_themes",
    "code_themes",
    "theme_summary",
    "is_quotable",
    "safe_quotes",
]

THEMES_PATH = DATA_DIR / "themes.yaml"
NO_THEME = "no_theme"
_RISKY = {
    "an e-mail address": re.compile(r"\S+@\S+"),
    "a web address": re.compile(r"https?://|www\.|\b\w+\.(org|com|net|edu|gov|us)\b", re.I),
    "a phone number": re.compile(r"\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]?\d{4}"),
    "a capitalised name": re.compile(r"\b[A-Z][\w'’]+(?:\s+(?:of|for|and|the|de|la)?\s*[A-Z][\w'’]+)+"),
}


@dataclass(frozen=True)
class Theme:
    """One theme of a text question.

    Attributes
    ----------
    id : str
    label : str
        What a reader sees.
    patterns : tuple of str
        Case-insensitive regular expressions; any one marks an answer.
    """

    id: str
    label: str
    patterns: tuple[str, ...]

    def matches(self, texts: pd.Series) -> pd.Series:
        """Whether each text carries this theme (missing where the text is missing)."""
        expression = re.compile("|".join(rf"\b(?:{pattern})" for pattern in self.patterns),
                                re.IGNORECASE)
        strings = texts.astype("string")
        found = strings.map(lambda text: bool(expression.search(text)), na_action="ignore")
        return found.astype("boolean")


def load_themes(path: str | Path = THEMES_PATH, *, codebook=None) -> dict[str, tuple[Theme, ...]]:
    """Read the theme dictionary.

    Parameters
    ----------
    path : str or Path, default ``data/themes.yaml``
    codebook : Codebook, optional
        When given, every question of the dictionary must be a text question of it.

    Returns
    -------
    dict of str to tuple of Theme
        Themes by question id, in the file's order.

    Raises
    ------
    ConfigError
        Naming the file, the question and the theme at fault.
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if not resolved.is_file():
        raise ConfigError(f"{shown}: theme dictionary not found; create it next to the codebook.")
    raw = yaml.safe_load(resolved.read_text(encoding="utf-8")) or {}
    themes = {}
    for question, entries in (raw.get("themes") or {}).items():
        if codebook is not None and (not codebook.has_question(question)
                                     or codebook.question(question).type != "text"):
            raise ConfigError(f"{shown}: '{question}' is not a text question of the codebook; "
                              "themes code open-text answers only.")
        themes[question] = tuple(_parse_theme(entry, shown, question) for entry in entries or [])
    if not themes:
        raise ConfigError(f"{shown}: no themes; list them under `themes: {{question_id: [...]}}`.")
    return themes


def _parse_theme(entry, shown: str, question: str) -> Theme:
    if not isinstance(entry, dict) or not {"id", "label", "patterns"} <= set(entry):
        raise ConfigError(f"{shown}, question '{question}': each theme needs id, label and "
                          f"patterns (got {entry!r}).")
    for pattern in entry["patterns"]:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"{shown}, question '{question}', theme '{entry['id']}': pattern "
                              f"{pattern!r} is not a regular expression ({error}).") from None
    return Theme(id=str(entry["id"]), label=str(entry["label"]),
                 patterns=tuple(str(pattern) for pattern in entry["patterns"]))


def code_themes(texts: pd.Series, themes) -> pd.DataFrame:
    """Which themes each answer carries.

    Parameters
    ----------
    texts : Series of str
        Answers to one text question (missing = no answer).
    themes : iterable of Theme

    Returns
    -------
    DataFrame of boolean
        One column per theme id plus :data:`NO_THEME`, indexed like ``texts``; rows of
        missing or blank answers are missing throughout.

    Examples
    --------
    >>> theme = Theme("money", "Money", ("funding",))
    >>> code_themes(pd.Series(["More funding", "Other", None]), [theme])["money"].tolist()
    [True, False, <NA>]
    """
    cleaned = texts.astype("string").str.strip().replace("", pd.NA)
    coded = pd.DataFrame({theme.id: theme.matches(cleaned) for theme in themes},
                         index=texts.index).astype("boolean")
    coded[NO_THEME] = ~coded.fillna(False).any(axis=1)
    coded.loc[cleaned.isna(), :] = pd.NA
    return coded


def theme_summary(coded: pd.DataFrame, themes, *, alpha: float = 0.05) -> pd.DataFrame:
    """How many answers carry each theme, most frequent first.

    Parameters
    ----------
    coded : DataFrame
        From :func:`code_themes`.
    themes : iterable of Theme
    alpha : float, default 0.05
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    DataFrame
        ``option, label, chosen, not_chosen, n, share, ci_low, ci_high`` like
        :func:`ipo_research.analysis.describe.multi_summary` (``n``: organizations that answered);
        "no theme matched" last.
    """
    labels = {theme.id: theme.label for theme in themes} | {NO_THEME: "No theme matched"}
    answered = coded.notna().all(axis=1)
    n = int(answered.sum())
    chosen = coded.loc[answered].fillna(False).sum().astype(int)
    low, high = wilson_interval(chosen.to_numpy(), [n] * len(chosen), alpha=alpha)
    summary = pd.DataFrame({
        "option": chosen.index, "label": [labels[code] for code in chosen.index],
        "chosen": chosen.to_numpy(), "not_chosen": n - chosen.to_numpy(), "n": n,
        "share": chosen.to_numpy() / n if n else float("nan"), "ci_low": low, "ci_high": high,
    })
    themed = summary[summary["option"] != NO_THEME].sort_values("chosen", ascending=False,
                                                                 kind="stable")
    return pd.concat([themed, summary[summary["option"] == NO_THEME]], ignore_index=True)


def is_quotable(text: str, *, max_words: int = 25) -> bool:
    """Whether an answer is short and free of anything that could identify someone.

    Examples
    --------
    >>> is_quotable("We need year-round funding.")
    True
    >>> is_quotable("Call Maria Lopez at 555-123-4567.")
    False
    """
    if not isinstance(text, str) or not text.strip():
        return False
    if len(text.split()) > max_words:
        return False
    return not any(pattern.search(text) for pattern in _RISKY.values())


def safe_quotes(texts: pd.Series, coded: pd.DataFrame, themes, *, threshold: int = 3,
                per_theme: int = 3, max_words: int = 25) -> pd.DataFrame:
    """A few short, safe quotes per theme.

    Parameters
    ----------
    texts : Series of str
        The answers (same index as ``coded``).
    coded : DataFrame
        From :func:`code_themes`.
    themes : iterable of Theme
    threshold : int, default 3
        Only themes carried by at least this many answers are quoted.
    per_theme : int, default 3
        Most quotes per theme.
    max_words : int, default 25

    Returns
    -------
    DataFrame
        ``theme, label, quote``; a quote appears once, under the first theme it is chosen for.
    """
    rows, used = [], set()
    for theme in themes:
        carriers = coded[theme.id].fillna(False).astype(bool)
        if int(carriers.sum()) < max(threshold, 1):
            continue
        candidates = sorted({" ".join(str(text).split()) for text in texts[carriers].dropna()}
                            - used, key=_stable_order)
        chosen, endings = [], set()
        for text in candidates:
            # Answers that end alike say the same thing with another opening: quote one.
            ending = " ".join(text.lower().split()[-6:])
            if len(chosen) < per_theme and ending not in endings and is_quotable(text, max_words=max_words):
                chosen.append(text)
                endings.add(ending)
        used.update(chosen)
        rows += [{"theme": theme.id, "label": theme.label, "quote": text} for text in chosen]
    return pd.DataFrame(rows, columns=["theme", "label", "quote"])


def _stable_order(text: str) -> str:
    # A hash spreads the choice over the answers without depending on row order or length.
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
