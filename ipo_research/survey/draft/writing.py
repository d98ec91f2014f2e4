"""Writing a drafted codebook: YAML that ``load_codebook`` reads, with the review list on top."""

from __future__ import annotations

from pathlib import Path

import yaml

from ipo_research.exceptions import ConfigError
from ipo_research.files import atomic_write_text
from ipo_research.paths import project_path, relative_to_root

__all__ = ["render_draft", "write_draft", "check_writable"]


def render_draft(document: dict, *, header: list[str]) -> str:
    """The draft as YAML text, ``header`` lines first as comments.

    Parameters
    ----------
    document : dict
        The codebook mapping.
    header : list of str
        Comment lines (without ``#``).

    Returns
    -------
    str
    """
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header)
    # libyaml's emitter when PyYAML has it (ten times faster on a 500-question survey).
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=None)
    return comments + body


def write_draft(text: str, path, *, force: bool = False) -> Path:
    """Write the draft; an existing file is replaced only with ``force``.

    Raises
    ------
    ConfigError
        When ``path`` exists and ``force`` is false.
    """
    resolved = check_writable(path, force=force)
    resolved.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(resolved, text)


def check_writable(path, *, force: bool = False) -> Path:
    """The resolved path, after checking it may be written.

    Raises
    ------
    ConfigError
        When ``path`` exists and ``force`` is false.
    """
    resolved = project_path(path)
    if resolved.exists() and not force:
        raise ConfigError(f"{relative_to_root(resolved)} already exists; nothing was written. Pass "
                          "--force to overwrite it, or --out another path.")
    return resolved
