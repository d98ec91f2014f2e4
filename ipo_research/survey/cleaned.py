"""The clean stage's files: writing ``OUT/data`` and loading the cleaned responses back.

:func:`write_clean_outputs` writes ``responses.parquet``, ``quarantine.csv``,
``cleaning_log.csv`` and ``source.json``, each atomically; :func:`load_responses` is how every
analysis notebook gets its data (from that parquet, or cleaned in memory from a raw export).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ipo_research.files import atomic_path, sha256_file
from ipo_research.survey.cleaning import CleaningResult, apply_cleaned_dtypes, clean_responses, cleaned_dtypes
from ipo_research.exceptions import ConfigError, DataError, ReadError
from ipo_research.survey.exports import read_export
from ipo_research.paths import project_path, relative_to_root
from ipo_research.survey.escaping import FORMULA_STARTS, escape_csv_cell
from ipo_research.survey.source import SOURCE_RECORD_NAME, synthetic_marker

__all__ = [
    "OUTPUT_NAMES", "check_out_free", "write_clean_outputs", "load_responses"]

OUTPUT_NAMES = {
    "responses": "responses.parquet",
    "quarantine": "quarantine.csv",
    "log": "cleaning_log.csv",
    "source": SOURCE_RECORD_NAME,
}


def write_clean_outputs(result: CleaningResult, out_dir: str | Path, *,
                        source_path: str | Path) -> dict[str, Path]:
    """Write the clean stage's outputs to ``OUT/data``, each atomically.

    Parameters
    ----------
    result : CleaningResult
        From :func:`ipo_research.survey.cleaning.clean_responses`.
    out_dir : str or Path
        The run's output folder (``reports`` by default); relative to the project root.
    source_path : str or Path
        The raw export that was cleaned (hashed and named in ``source.json``).

    Returns
    -------
    dict of str to Path
        ``responses``, ``quarantine``, ``log`` and ``source`` -> the file written.

    Examples
    --------
    >>> written = write_clean_outputs(result, "reports", source_path=data_path)  # doctest: +SKIP
    >>> written["responses"].name  # doctest: +SKIP
    'responses.parquet'
    """
    folder = project_path(out_dir) / "data"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"{relative_to_root(folder)}: cannot create the output folder ({error.strerror}). "
                        "Pass another --out.") from None
    source = project_path(source_path)
    marker = synthetic_marker(source)
    record = {"source": relative_to_root(source), "sha256": sha256_file(project_path(source)),
              "synthetic": marker is not None, "synthetic_marker": marker}
    writers = {
        "responses": lambda target: result.responses.to_parquet(target, index=False, engine="pyarrow"),
        "quarantine": lambda target: _write_csv(result.quarantine, target),
        "log": lambda target: _write_csv(result.log, target),
        "source": lambda target: target.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                                   encoding="utf-8"),
    }
    written = {}
    for name, write in writers.items():
        written[name] = _write_atomically(folder / OUTPUT_NAMES[name], write)
    return written


def check_out_free(out_dir: str | Path, *, source_path: str | Path) -> None:
    """Refuse to clean into an OUT whose data came from another export.

    Parameters
    ----------
    out_dir : str or Path
        The output folder about to receive ``data/``.
    source_path : str or Path
        The export about to be cleaned.

    Raises
    ------
    ConfigError
        When ``OUT/data/source.json`` records an export with other content (by sha256); the
        message names both and says to pass ``--force`` or another ``--out``.
    """
    record_path = project_path(out_dir) / "data" / SOURCE_RECORD_NAME
    if not record_path.is_file():
        return
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except ValueError:
        record = {}
    source = project_path(source_path)
    if source.is_file() and record.get("sha256") == sha256_file(source):
        return
    raise ConfigError(
        f"{relative_to_root(record_path.parent)} holds data cleaned from {record.get('source', 'another export')}, "
        f"not from {relative_to_root(source)}; it was left unchanged. Pass --force to replace it, "
        "or choose another --out."
    )


def load_responses(data_path: str | Path, codebook) -> pd.DataFrame:
    """The cleaned responses, from ``responses.parquet`` or cleaned in memory from a raw export.

    Parameters
    ----------
    data_path : str or Path
        A ``responses.parquet`` written by the clean stage, or a raw export (read and
        cleaned in memory; nothing is written).
    codebook : Codebook

    Returns
    -------
    pandas.DataFrame
        Typed as :func:`ipo_research.survey.cleaning.cleaned_dtypes` says (Categorical levels in
        codebook order, nullable integers and booleans...).

    Raises
    ------
    ReadError
        When the file is missing or was cleaned with another codebook.

    Examples
    --------
    >>> responses = load_responses("reports/data/responses.parquet", codebook)  # doctest: +SKIP
    """
    resolved = project_path(data_path)
    shown = relative_to_root(resolved)
    if resolved.suffix.lower() != ".parquet":
        return clean_responses(read_export(resolved, codebook), codebook).responses
    if not resolved.is_file():
        raise ReadError(f"{shown}: cleaned responses not found. Run `ipo-research clean DATA --out DIR` "
                        "first, or pass the raw export instead.")
    try:
        responses = pd.read_parquet(resolved, engine="pyarrow")
    except (OSError, ValueError) as error:
        raise ReadError(f"{shown}: not a readable parquet file ({error}). Clean the export again.") from None
    absent = [name for name in cleaned_dtypes(codebook) if name not in responses]
    if absent:
        raise ReadError(f"{shown}: columns {', '.join(absent[:5])} of the codebook are missing; the file "
                        "was cleaned with another codebook. Clean the export again with this one.")
    return apply_cleaned_dtypes(responses, codebook)


def _formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    # Raw values are what respondents typed: one that a spreadsheet would read as a formula is
    # written as text (OWASP's rule, escape_csv_cell). Only the few cells that start with such a
    # character go through the per-cell rule, so a large log stays fast.
    safe = frame
    for column in frame.select_dtypes(include=["object", "string"]).columns:
        text = frame[column]
        starts = text.astype("string").str[:1].isin(FORMULA_STARTS).to_numpy(dtype=bool)
        if starts.any():
            if safe is frame:
                safe = frame.copy()
            safe.loc[starts, column] = text[starts].map(escape_csv_cell)
    return safe


def _write_csv(frame: pd.DataFrame, target: Path) -> None:
    # Arrow writes a large log ten times faster than pandas. Text is always quoted, so a
    # missing value (nothing) and an empty text ("") stay apart.
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(_formula_safe(frame), preserve_index=False)
    pacsv.write_csv(table, target, write_options=pacsv.WriteOptions(quoting_style="needed"))


def _write_atomically(final: Path, write) -> Path:
    # A temporary name in the same folder, then an atomic rename: an interrupted run leaves
    # the previous file or the new one, never half of one.
    try:
        with atomic_path(final) as partial:
            write(partial)
    except OSError as error:
        raise DataError(f"{relative_to_root(final)}: could not write ({error.strerror}). Check the output "
                        "folder is writable, or pass another --out.") from None
    return final
