"""Notebook parameters: what a notebook declares, and checking what it was given.

Each notebook has one cell tagged ``parameters`` with typed defaults. papermill injects the
values of a run in a cell right after it. The cell after that calls :func:`check_parameters`,
so an unknown name or a value of the wrong type stops the notebook with a message that lists
the parameters the notebook knows. The runner uses :func:`declared_parameters` to check
command-line values before it starts a kernel.
"""

from __future__ import annotations

import ast
import types
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ipo_research.exceptions import ParameterError
from ipo_research.paths import NOTEBOOKS_DIR, project_path, relative_to_root

__all__ = ["Parameter", "declared_parameters", "check_parameters", "check_values", "notebook_path"]

# Names IPython puts in a kernel's namespace; they are never parameters.
_KERNEL_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}
# A declared type accepts values of these types too (an int is a fine float).
_ACCEPTS = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}


@dataclass(frozen=True)
class Parameter:
    """A parameter declared in a notebook's ``parameters`` cell.

    Attributes
    ----------
    name : str
    type_name : str
        The declared or inferred type (``str``, ``int``, ``float``, ``bool``, ``list``,
        ``dict``, or ``None`` when the default is None and no annotation says otherwise).
    default : str
        The default as written in the cell.
    help : str
        The comment beside it.
    """

    name: str
    type_name: str
    default: str
    help: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` fits this parameter's type (None is accepted for a None default)."""
        if value is None:
            return self.default == "None"
        allowed = _ACCEPTS.get(self.type_name)
        if allowed is None:
            return True
        if isinstance(value, bool) and self.type_name != "bool":
            return False
        return isinstance(value, allowed)


def notebook_path(notebook: str | Path) -> Path:
    """The path of a notebook given by stage file name (``"04_models"``) or by path."""
    candidate = Path(notebook)
    if candidate.suffix != ".ipynb":
        return NOTEBOOKS_DIR / f"{notebook}.ipynb"
    return project_path(candidate)


@lru_cache(maxsize=64)
def _declared(path: Path, mtime_ns: int) -> dict[str, Parameter]:
    # Parse the cell directly: importing papermill (and nbformat's schema validator) takes
    # 1.5-3 s, which every notebook's check cell and every runner start would pay.
    inspected = _inspect_parameters_cell(path)
    if inspected is None:
        import papermill

        inspected = papermill.inspect_notebook(str(path))
    return {
        name: Parameter(
            name=name,
            type_name=_type_name(info),
            default=str(info.get("default")),
            help=str(info.get("help", "")),
        )
        for name, info in inspected.items()
    }


def _inspect_parameters_cell(path: Path) -> dict[str, dict] | None:
    """What papermill.inspect_notebook reports for ``name: type = value  # help`` lines.

    Returns None when the cell is not plain Python, so papermill's own parser decides.
    """
    import io
    import json
    import tokenize

    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return None
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return {}
    source = tagged[0].get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError):
        return None
    comments = {t.start[0]: t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT}
    found = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            name, annotation = node.target.id, ast.get_source_segment(source, node.annotation)
        elif isinstance(node, ast.Assign) and [type(t) for t in node.targets] == [ast.Name]:
            name, annotation = node.targets[0].id, "None"
        else:
            continue
        found[name] = {"name": name, "inferred_type_name": annotation.strip("'\""),
                       "default": ast.get_source_segment(source, node.value),
                       "help": comments.get(node.end_lineno, "")}
    return found


def _type_name(info: dict) -> str:
    # papermill reads the type from an annotation only; without one, take it from the default.
    annotated = str(info.get("inferred_type_name", "None")).split("[")[0]
    if annotated != "None":
        return annotated
    try:
        default = ast.literal_eval(str(info.get("default")))
    except (ValueError, SyntaxError):
        return "None"
    return "None" if default is None else type(default).__name__


def declared_parameters(notebook: str | Path) -> dict[str, Parameter]:
    """The parameters a notebook declares in its ``parameters`` cell.

    Parameters
    ----------
    notebook : str or Path
        Stage file name without extension (``"04_models"``) or a path to an ``.ipynb``.

    Returns
    -------
    dict of str to Parameter
        In the order the cell declares them.

    Examples
    --------
    >>> sorted(declared_parameters("01_clean"))[:2]  # doctest: +SKIP
    ['codebook_path', 'data_path']
    """
    path = notebook_path(notebook)
    if not path.is_file():
        raise ParameterError(f"{relative_to_root(path)}: notebook not found.")
    return _declared(path.resolve(), path.stat().st_mtime_ns)


def check_values(values: dict[str, Any], declared: dict[str, Parameter], *, where: str) -> None:
    """Raise :class:`ParameterError` if ``values`` has unknown names or wrong types.

    Parameters
    ----------
    values : dict
        Parameter values to check.
    declared : dict of str to Parameter
        What the notebook declares.
    where : str
        The notebook, for the message.
    """
    problems = []
    for name, value in values.items():
        if name not in declared:
            problems.append(f"unknown parameter '{name}' (value {value!r})")
        elif not declared[name].accepts(value):
            problems.append(
                f"parameter '{name}' must be {declared[name].type_name}, got {value!r} "
                f"({type(value).__name__})"
            )
    if problems:
        known = ", ".join(f"{p.name} ({p.type_name}, default {p.default})" for p in declared.values())
        raise ParameterError(
            f"{where}: " + "; ".join(problems)
            + f". Known parameters: {known}. Fix the name or value (-p NAME=VALUE)."
        )


def check_parameters(namespace: dict[str, Any], *, notebook: str) -> dict[str, Any]:
    """Check the parameters a running notebook was given, right after the parameters cell.

    Every public, non-module, non-callable name in ``namespace`` must be declared in the
    notebook's ``parameters`` cell and have the declared type. Call it from the cell right after
    the parameters cell, with only imports run before, so the namespace holds nothing else.

    Parameters
    ----------
    namespace : dict
        The notebook's ``globals()``.
    notebook : str
        The notebook's stage file name, e.g. ``"04_models"``.

    Returns
    -------
    dict
        The parameters' values by name, to show the reader what this run used.

    Raises
    ------
    ParameterError
        Naming every unknown or mistyped parameter and listing the known ones.
    """
    declared = declared_parameters(notebook)
    given = {
        name: value for name, value in namespace.items()
        if not name.startswith("_") and name not in _KERNEL_NAMES
        and not isinstance(value, (types.ModuleType, type)) and not callable(value)
    }
    check_values(given, declared, where=relative_to_root(notebook_path(notebook)))
    return {name: given[name] for name in declared if name in given}
