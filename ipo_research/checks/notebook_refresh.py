"""Refreshing the committed notebooks' outputs, so they can serve as a regression test.

The committed ``notebooks/*.ipynb`` carry the outputs of the default run: they are what a reader
opens first and what nbval compares on ``make test``. nbval executes each committed notebook with
its default parameters, in the current environment, with the kernel's working folder set to
``notebooks/``. The pipeline's runner, by contrast, injects values (downstream stages read the
cleaned parquet, ``out_dir`` may differ), so its executed notebooks can legitimately show other
text (a parameter listing, a path). To give nbval exactly what it will reproduce, this module
executes the committed notebooks themselves, in place, with their defaults, the same way nbval
does (current-environment kernel, working folder ``notebooks/``), one at a time in run order
(file-name order), and then normalises what it writes:

- no ``injected-parameters`` cell, no papermill metadata, no execution timings;
- notebook metadata reduced to a fixed kernelspec and the language (no Python patch version);
- execution counts 1, 2, 3, ... in cell order, stream outputs coalesced;

so running it twice without a code change writes the same bytes and a reviewer's diff shows
only real changes. Each refreshed notebook is then audited for outputs that must not be
committed (errors, warnings on stderr, ``<Figure size ...>`` text, memory addresses, absolute
paths of this machine). When given the runner's output folder, it also lists the cells whose
outputs differ between the runner's run and the default execution, for the notebooks' owners.

Run it as ``make notebooks`` or::

    python -m ipo_research.checks.notebook_refresh reports/notebooks notebooks [--only 02_landscape]
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ipo_research.files import atomic_write_text
from ipo_research.exceptions import IpoResearchError, RunError
from ipo_research.paths import PROJECT_ROOT, project_path, relative_to_root

__all__ = [
    "INJECTED_TAG",
    "KERNELSPEC",
    "RefreshReport",
    "normalise_notebook",
    "execute_notebook",
    "output_problems",
    "output_differences",
    "refresh_notebooks",
    "main",
]

INJECTED_TAG = "injected-parameters"
# The venv's kernelspec, as `make setup` installs it; nbval ignores it (--nbval-current-env).
KERNELSPEC = {"display_name": "Python 3 (ipo-research)", "language": "python", "name": "python3"}
# Cell metadata that records how or when a cell ran, not what it is.
_VOLATILE_CELL_KEYS = ("execution", "papermill", "ExecuteTime", "collapsed", "scrolled", "trusted")
# Output fields nbval does not compare: images, and bookkeeping.
_UNCOMPARED_MIMES = ("image/png", "image/jpeg")
_CURRENT_ENV_KERNEL = "ipo-research-current-env"
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_MEMORY_ADDRESS = re.compile(r"\bat 0x[0-9a-fA-F]{6,}")
_FIGURE_REPR = re.compile(r"<Figure size \d+(\.\d+)?x\d+(\.\d+)? with \d+ Axes>")
# A Python warning as the warnings module prints it ("x.py:3: FutureWarning: ..."), not prose
# such as a narrative's "**Warning: small samples.**".
_WARNING_TEXT = re.compile(r"\b[A-Z]\w*Warning: |:\d+: Warning: ")


@dataclass
class RefreshReport:
    """What a refresh did.

    Attributes
    ----------
    written : list of Path
        Notebooks whose file changed.
    unchanged : list of Path
        Notebooks whose file was already up to date.
    problems : list of str
        Outputs that must not be committed, one line each (notebook, cell, what).
    run_differences : list of str
        Cells whose outputs differ between the runner's run and the default execution.
    """

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    run_differences: list[str] = field(default_factory=list)


def normalise_notebook(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` without what varies between runs of the same code.

    Drops the ``injected-parameters`` cell, papermill and timing metadata and the Python
    version; sets the kernelspec to :data:`KERNELSPEC`; numbers executed code cells 1, 2, 3, ...
    in order (execute results carry the same count); coalesces consecutive stream outputs.
    Outputs themselves are kept as they are.

    Parameters
    ----------
    notebook : NotebookNode
        An executed notebook, as nbformat reads it.

    Returns
    -------
    NotebookNode
        The normalised copy; normalising it again changes nothing.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> executed = new_notebook(cells=[new_code_cell("1 + 1", execution_count=7)])
    >>> normalise_notebook(executed).cells[0].execution_count
    1
    """
    clean = copy.deepcopy(notebook)
    clean.cells = [cell for cell in clean.cells if INJECTED_TAG not in cell.get("metadata", {}).get("tags", [])]
    clean.metadata = _stable_metadata(clean.metadata)
    count = 0
    for cell in clean.cells:
        for key in _VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type != "code":
            continue
        if cell.execution_count is not None:
            count += 1
            cell.execution_count = count
        cell.outputs = _coalesced(cell.outputs, count)
    return clean


def _stable_metadata(metadata: NotebookNode) -> NotebookNode:
    language = {key: value for key, value in metadata.get("language_info", {}).items() if key != "version"}
    stable = {"kernelspec": dict(KERNELSPEC)}
    if language:
        stable["language_info"] = language
    return nbformat.from_dict(stable)


def _coalesced(outputs: list, count: int) -> list:
    merged = []
    for output in outputs:
        if output.output_type == "execute_result":
            output.execution_count = count
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None and previous.output_type == "stream"
                and previous.name == output.name):
            previous.text += output.text
            continue
        merged.append(output)
    return merged


def _current_env_kernel_specs():
    """Kernel specs that resolve our name to the Python running this module (like nbval's current env)."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager

    class _CurrentEnvSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            if kernel_name == _CURRENT_ENV_KERNEL:
                return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES,
                                              **ipykernel.kernelspec.get_kernel_dict())
            return super().get_kernel_spec(kernel_name)

    return _CurrentEnvSpecs()


def execute_notebook(path: str | Path, *, timeout: int = 600) -> NotebookNode:
    """Execute a notebook with its default parameters, as nbval will, and return it.

    Outputs and any injected-parameters cell are dropped first; the kernel runs the Python of
    this process with its working folder set to the notebook's folder. The file is not written.

    Parameters
    ----------
    path : str or Path
        The notebook, e.g. ``"notebooks/02_landscape.ipynb"``.
    timeout : int
        Seconds a cell may run.

    Returns
    -------
    NotebookNode
        The executed notebook (not yet normalised).

    Raises
    ------
    RunError
        When a cell raises; the message names the notebook, the cell and the error.
    """
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = project_path(path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = [cell for cell in notebook.cells if INJECTED_TAG not in cell.metadata.get("tags", [])]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    manager = KernelManager(kernel_name=_CURRENT_ENV_KERNEL, kernel_spec_manager=_current_env_kernel_specs())
    client = NotebookClient(notebook, km=manager, timeout=timeout, record_timing=False, coalesce_streams=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        # The kernel's own log (transport notices) is not the notebook's output: silence it, as nbval does.
        client.execute(env={**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}, stderr=subprocess.DEVNULL)
    except CellExecutionError as error:
        failed = next((number for number, cell in enumerate(notebook.cells, start=1)
                       if any(output.output_type == "error" for output in cell.get("outputs", []))), "?")
        raise RunError(f"{relative_to_root(path)} cell {failed} failed while refreshing outputs: "
                       f"{_last_line(str(error))}. Run the notebook in 'make lab' to see it, fix it, "
                       f"then rerun 'make notebooks'.") from None
    return notebook


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else ""


def _last_line(text: str) -> str:
    # Tracebacks from the kernel carry terminal colours; a message is read as plain text.
    lines = [_ANSI_COLOUR.sub("", line) for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def output_problems(notebook: NotebookNode, *, where: str) -> list[str]:
    """Outputs that must not be committed, one line each.

    Looks for error outputs, anything on stderr (warnings), warning text, ``<Figure size ...>``
    shown without an image, memory addresses, and absolute paths of this machine.

    Parameters
    ----------
    notebook : NotebookNode
        An executed notebook.
    where : str
        The notebook's name, for the messages.

    Returns
    -------
    list of str
        Empty when the outputs are clean.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell, new_output
    >>> cell = new_code_cell("fig", outputs=[new_output("execute_result",
    ...     data={"text/plain": "<Figure size 640x480 with 1 Axes>"}, execution_count=1)])
    >>> output_problems(new_notebook(cells=[cell]), where="x.ipynb")
    ['x.ipynb cell 1: <Figure size ...> text without an image; close the figure or display(fig)']
    """
    problems = []
    for number, cell in enumerate(notebook.cells, start=1):
        for output in cell.get("outputs", []):
            problems += [f"{where} cell {number}: {problem}" for problem in _problems_in(output)]
    return problems


def _problems_in(output: NotebookNode) -> list[str]:
    if output.output_type == "error":
        return [f"error output {output.ename}: {output.evalue}"]
    if output.output_type == "stream" and output.name == "stderr":
        return [f"stderr output (a warning?): {_first_line(output.text)!r}"]
    texts = [output.text] if output.output_type == "stream" else [
        value for mime, value in output.get("data", {}).items()
        if mime.startswith("text/") or mime.endswith(("json", "+xml"))]
    found = []
    joined = "\n".join(value if isinstance(value, str) else str(value) for value in texts)
    if _FIGURE_REPR.search(joined) and not any(mime.startswith("image/") for mime in output.get("data", {})):
        found.append("<Figure size ...> text without an image; close the figure or display(fig)")
    if _WARNING_TEXT.search(joined):
        found.append(f"warning text: {_WARNING_TEXT.search(joined).group(0).strip()}")
    if _MEMORY_ADDRESS.search(joined):
        found.append(f"memory address in output: {_MEMORY_ADDRESS.search(joined).group(0)!r}")
    # A CI container may have HOME=/, which every path contains: only real folders count.
    for absolute in sorted({str(PROJECT_ROOT), str(Path.home())} - {"/"}):
        if absolute in joined:
            found.append(f"absolute path of this machine in output ({absolute}); show paths relative to the root")
    return found


def output_differences(refreshed: NotebookNode, from_run: NotebookNode, *, where: str) -> list[str]:
    """Code cells whose compared outputs differ between two executions of a notebook.

    Compares what nbval compares (text and HTML outputs, stream text; not images, metadata or
    execution counts). Cells are paired in order, the run's injected-parameters cell left out;
    a pair whose source differs is skipped.

    Parameters
    ----------
    refreshed : NotebookNode
        The notebook executed with its defaults.
    from_run : NotebookNode
        The same notebook as the runner executed it.
    where : str
        The notebook's name, for the messages.

    Returns
    -------
    list of str
        One line per differing cell.
    """
    run_cells = [cell for cell in from_run.cells if INJECTED_TAG not in cell.metadata.get("tags", [])]
    differences = []
    for number, (cell, other) in enumerate(zip(refreshed.cells, run_cells), start=1):
        # Pair cells by position; a pair whose source differs is not the same cell (notebook edited since).
        if cell.cell_type != "code" or other.source != cell.source:
            continue
        if _compared(cell.outputs) != _compared(other.outputs):
            differences.append(f"{where} cell {number}: outputs differ between the default execution "
                               "and the pipeline run (a parameter or path shown?)")
    return differences


def _compared(outputs: list) -> list:
    compared = []
    for output in _coalesced(copy.deepcopy(outputs), 0):
        if output.output_type == "stream":
            compared.append((output.name, output.text))
        elif output.output_type in ("display_data", "execute_result"):
            compared.append(sorted((mime, str(value)) for mime, value in output.data.items()
                                   if mime not in _UNCOMPARED_MIMES))
        else:
            compared.append((output.output_type, output.get("evalue", "")))
    return compared


def refresh_notebooks(notebooks_dir: str | Path, *, run_dir: str | Path | None = None,
                      only: list[str] | None = None, timeout: int = 600) -> RefreshReport:
    """Execute the committed notebooks with their defaults and write them back, normalised.

    Notebooks run one at a time in file-name order (their run order). A notebook's file is
    rewritten only when its normalised content changed.

    Parameters
    ----------
    notebooks_dir : str or Path
        The committed notebooks, ``"notebooks"``.
    run_dir : str or Path, optional
        The runner's executed notebooks (``"reports/notebooks"``), to list cells whose outputs
        differ from the default execution.
    only : list of str, optional
        Stage file names to refresh (``["02_landscape"]``); all notebooks when omitted.
    timeout : int
        Seconds a cell may run.

    Returns
    -------
    RefreshReport

    Raises
    ------
    RunError
        When a notebook fails; notebooks refreshed before it stay written.
    """
    folder = project_path(notebooks_dir)
    paths = sorted(folder.glob("[0-9]*.ipynb"))
    if only:
        unknown = sorted(set(only) - {path.stem for path in paths})
        if unknown:
            raise RunError(f"{relative_to_root(folder)}: no notebook named {', '.join(unknown)}. "
                           f"Known: {', '.join(path.stem for path in paths)}.")
        paths = [path for path in paths if path.stem in only]
    report = RefreshReport()
    for path in paths:
        where = relative_to_root(path)
        refreshed = normalise_notebook(execute_notebook(path, timeout=timeout))
        report.problems += output_problems(refreshed, where=where)
        if _write_if_changed(refreshed, path):
            report.written.append(path)
        else:
            report.unchanged.append(path)
        executed = project_path(run_dir) / path.name if run_dir is not None else None
        if executed is not None and executed.is_file():
            report.run_differences += output_differences(refreshed, nbformat.read(executed, as_version=4),
                                                         where=where)
    return report


def _write_if_changed(notebook: NotebookNode, path: Path) -> bool:
    nbformat.validate(notebook)
    text = nbformat.writes(notebook)
    if not text.endswith("\n"):
        text += "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m ipo_research.checks.notebook_refresh RUN_DIR NOTEBOOKS_DIR``; returns the exit code.

    Exits 1 when a notebook fails or a refreshed notebook has outputs that must not be
    committed (the notebooks are written anyway, so the diff shows them).
    """
    parser = argparse.ArgumentParser(prog="python -m ipo_research.checks.notebook_refresh",
                                     description="Refresh the committed notebooks' outputs from a default execution.")
    parser.add_argument("run_dir", help="the runner's executed notebooks, e.g. reports/notebooks (compared, not copied)")
    parser.add_argument("notebooks_dir", help="the committed notebooks, e.g. notebooks")
    parser.add_argument("--only", nargs="+", metavar="STAGE", help="refresh only these notebooks, e.g. 02_landscape")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    args = parser.parse_args(argv)
    try:
        report = refresh_notebooks(args.notebooks_dir, run_dir=args.run_dir, only=args.only, timeout=args.timeout)
    except IpoResearchError as error:
        print(f"notebook_refresh: {error}", file=sys.stderr)
        return error.exit_code
    for path in report.written:
        print(f"refreshed {relative_to_root(path)}")
    for path in report.unchanged:
        print(f"unchanged {relative_to_root(path)}")
    if report.run_differences:
        print("note: these cells show other text in the runner's run (injected data_path or out_dir?); "
              "the committed notebooks keep the default execution, which is what nbval reproduces:")
    for line in report.run_differences:
        print(f"note: {line}")
    for line in report.problems:
        print(f"problem: {line}", file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
