"""Reading survey exports: any supported file in, one raw text column per question out.

:func:`read_export` opens any export read-only (CSV in UTF-8 with or without BOM, UTF-16 or
Windows-1252; Excel ``.xlsx``; SPSS ``.sav``; Stata ``.dta``), detects its layout
(:mod:`ipo_research.survey.layouts`) and returns a :class:`RawExport`: one raw text column per
question. Cleaning it is :mod:`ipo_research.survey.cleaning`'s job.

Row numbers
-----------
``source_rows`` are the rows as a spreadsheet shows them, header rows included: in a
Qualtrics export the first response is row 4, in a plain CSV row 2. (They equal line numbers
unless an answer spans several lines.) In SPSS and Stata files they are case numbers from 1.
"""

from __future__ import annotations

import datetime as dt
import io as _stdio
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ipo_research.survey import layouts
from ipo_research.exceptions import ConfigError, ReadError
from ipo_research.paths import project_path, relative_to_root

__all__ = ["RawExport", "ExportGrid", "read_export", "read_grid"]

_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_STAT_SUFFIXES = {".sav": "spss", ".zsav": "spss", ".dta": "stata"}
_CONTROL_CHARACTERS = set(chr(code) for code in range(32)) - {"\t", "\n", "\r"}


@dataclass(frozen=True)
class RawExport:
    """An export as read: raw text answers, one row per respondent.

    Attributes
    ----------
    responses : pandas.DataFrame
        Columns are question ids (PII included, cleaning drops them), values raw text, ""
        when blank. A multi question is one column ``{id}``: the joined labels as exported,
        or, for layouts with one column per option, the labels of the chosen options joined
        by "; ".
    source_rows : numpy.ndarray
        Row number in the raw file of each response (see the module notes).
    layout : str
        The layout detected or forced (one of :data:`ipo_research.survey.layouts.LAYOUTS`).
    layout_reason : str
        Why: the signals that decided it (:func:`ipo_research.survey.layouts.explain_layout`),
        or "forced with --layout".
    unmapped_columns : list of str
        Headers that map to no question and are no known platform metadata.
    metadata_columns : list of str
        Recognised platform columns (dates, status, IP address, recipient...).
    path : str
        The file, relative to the project root, for messages.
    metadata : pandas.DataFrame
        The metadata columns' raw text (never written to an output).
    encoding : str or None
        The text encoding of a CSV export.
    headers : dict of str to str
        Question id -> the raw header of its column (the first one, for option columns).
    """

    responses: pd.DataFrame
    source_rows: np.ndarray
    layout: str = "plain"
    layout_reason: str = ""
    unmapped_columns: list = field(default_factory=list)
    metadata_columns: list = field(default_factory=list)
    path: str = "<memory>"
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    encoding: str | None = None
    headers: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.responses)


@dataclass(frozen=True)
class ExportGrid:
    """An export's header texts and raw cells, before any codebook maps them.

    Attributes
    ----------
    headers : list of list of str
        Candidate header texts of each column (:func:`ipo_research.survey.layouts.column_headers`).
    body : pandas.DataFrame
        The raw text cells of the responses; columns are positions.
    layout : str
    path : str
        The file, relative to the project root.
    """

    headers: list
    body: pd.DataFrame
    layout: str
    path: str


def read_grid(path: str | Path, *, layout: str | None = None) -> ExportGrid:
    """Read an export's headers and cells without a codebook (for drafting one).

    Parameters
    ----------
    path : str or Path
        The export; relative paths are resolved against the project root.
    layout : str, optional
        Force a layout instead of detecting it.

    Returns
    -------
    ExportGrid

    Raises
    ------
    ReadError
        As :func:`read_export` does for a file it cannot read.
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    grid, _, suffix = _read_grid(resolved, shown)
    head = [list(grid.iloc[row]) for row in range(min(3, len(grid)))]
    layout = layout or layouts.detect_layout(head, suffix=suffix)
    rows = layouts.header_row_count(layout)
    if len(grid) <= rows:
        raise ReadError(f"{shown}: the file has header row(s) but no responses. Export it again "
                        "with the responses included.")
    return ExportGrid(headers=layouts.column_headers(head[:rows], layout),
                      body=grid.iloc[rows:].reset_index(drop=True), layout=layout, path=shown)


def read_export(path: str | Path, codebook, *, layout: str | None = None) -> RawExport:
    """Read a survey export, detecting its layout, and map its columns to questions.

    Parameters
    ----------
    path : str or Path
        The export; relative paths are resolved against the project root. Opened read-only.
    codebook : Codebook
    layout : str, optional
        Force a layout (one of :data:`ipo_research.survey.layouts.LAYOUTS`) instead of detecting it.

    Returns
    -------
    RawExport

    Raises
    ------
    ConfigError
        For an unknown ``layout`` name.
    ReadError
        When the file is missing, empty, binary, in an unreadable encoding, has headers but
        no responses, duplicate headers, no column for the key, or no header the codebook
        knows; the message names the file (and row, column, value) and the fix.

    Examples
    --------
    >>> from ipo_research.survey.codebook import load_codebook
    >>> raw = read_export("data/synthetic/ipo_survey_2016_synthetic.csv", load_codebook())  # doctest: +SKIP
    >>> raw.layout  # doctest: +SKIP
    'qualtrics'
    """
    resolved = project_path(path)
    shown = relative_to_root(resolved)
    if layout is not None and layout not in layouts.LAYOUTS:
        raise ConfigError(f"unknown layout {layout!r}; use one of {', '.join(layouts.LAYOUTS)} "
                          "or leave it out to detect the layout.")
    grid, encoding, suffix = _read_grid(resolved, shown)
    head = [list(grid.iloc[row]) for row in range(min(3, len(grid)))]
    if layout is None:
        layout, layout_reason = layouts.explain_layout(head, suffix=suffix)
    else:
        layout_reason = "forced with --layout"
    _check_layout_fits(layout, suffix, shown)
    header_rows = layouts.header_row_count(layout)
    if len(grid) < header_rows:
        raise ReadError(f"{shown}: a {layout} export has {header_rows} header rows but the file has "
                        f"{len(grid)}. Export the file again, or force the layout with --layout.")
    if len(grid) == header_rows:
        raise ReadError(f"{shown}: the file has header row(s) but no responses. Export it again "
                        "with the responses included.")
    headers = layouts.column_headers(head[:header_rows], layout)
    mappings = layouts.map_columns(headers, codebook, where=shown)
    _check_mapped(mappings, codebook, shown, layout)
    body = grid.iloc[header_rows:].reset_index(drop=True)
    first_row = layouts.first_data_row(layout)
    return RawExport(
        responses=layouts.assemble_responses(body, mappings),
        source_rows=np.arange(first_row, first_row + len(body), dtype="int64"),
        layout=layout,
        layout_reason=layout_reason,
        unmapped_columns=[m.header for m in mappings if m.kind == "unmapped"],
        metadata_columns=[m.header for m in mappings if m.kind == "metadata"],
        path=shown,
        metadata=layouts.metadata_frame(body, mappings),
        encoding=encoding,
        headers=_question_headers(mappings),
    )


def _read_grid(resolved: Path, shown: str) -> tuple[pd.DataFrame, str | None, str]:
    if not resolved.is_file():
        raise ReadError(f"{shown}: file not found. Check the path (on the command line it is "
                        "relative to the current folder, in a notebook parameter to the project root).")
    if resolved.stat().st_size == 0:
        raise ReadError(f"{shown}: the file is empty. Export the survey again.")
    suffix = resolved.suffix.lower()
    if suffix in _STAT_SUFFIXES:
        return _read_stat_grid(resolved, shown, _STAT_SUFFIXES[suffix]), None, suffix
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel_grid(resolved, shown), None, suffix
    data = resolved.read_bytes()
    encoding = _encoding_of(data, shown)
    return _parse_csv(data, encoding, shown), encoding, ".csv"


def _encoding_of(data: bytes, shown: str) -> str:
    # Decode once to check (the text is dropped: pandas parses the bytes, which keeps peak
    # memory near twice the file size for large exports).
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data[:65536]:
        raise ReadError(f"{shown}: this is a binary file, not a CSV export. Export the survey as CSV, "
                        "XLSX, SAV or DTA.")
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as error:
        try:
            data.decode("cp1252")
            encoding = "windows-1252"
        except UnicodeDecodeError:
            line = data[: error.start].count(b"\n") + 1
            raise ReadError(
                f"{shown}: unreadable encoding: byte 0x{data[error.start]:02x} on line {line} is neither "
                "UTF-8 nor Windows-1252. Save the file as UTF-8 CSV."
            ) from None
    sample = data[:65536].decode(encoding, errors="ignore")
    if sample and sum(char in _CONTROL_CHARACTERS for char in sample) > max(3, len(sample) // 100):
        raise ReadError(f"{shown}: the file is not text (it holds control characters). Export the survey "
                        "as CSV, XLSX, SAV or DTA.")
    return encoding


def _parse_csv(data: bytes, encoding: str, shown: str) -> pd.DataFrame:
    # Arrow's reader is the fast path. Files it rejects (blank lines, ragged rows) go through
    # pandas' reader, which keeps blank lines as rows and names the line of a malformed row.
    grid = _parse_csv_with_arrow(data, encoding)
    if grid is not None:
        return grid
    codec = {"utf-8": "utf-8-sig", "windows-1252": "cp1252"}.get(encoding, encoding)
    try:
        grid = pd.read_csv(_stdio.BytesIO(data), header=None, dtype=str, keep_default_na=False,
                           na_filter=False, skip_blank_lines=False, engine="c", encoding=codec)
    except pd.errors.EmptyDataError:
        raise ReadError(f"{shown}: the file holds no rows. Export the survey again.") from None
    except pd.errors.ParserError as error:
        raise ReadError(f"{shown}: not a readable CSV ({str(error).strip()}). Quote cells that contain "
                        "commas, or export the survey again.") from None
    return grid.fillna("")


def _parse_csv_with_arrow(data: bytes, encoding: str) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    codec = {"utf-8": "utf8", "windows-1252": "cp1252"}.get(encoding, encoding)
    try:
        table = pacsv.read_csv(
            _stdio.BytesIO(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, encoding=codec),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=_AllText(), strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    grid = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    return grid.set_axis(range(grid.shape[1]), axis=1)


class _AllText(dict):
    # Every column is text: Arrow asks for the type of each column it finds.
    def __missing__(self, name):
        import pyarrow as pa

        return pa.string()

    def __contains__(self, name) -> bool:
        return True


def _read_excel_grid(resolved: Path, shown: str) -> pd.DataFrame:
    try:
        grid = pd.read_excel(resolved, header=None, dtype=object, sheet_name=0, engine="openpyxl")
    except Exception as error:  # openpyxl raises zip, XML and key errors for broken files
        raise ReadError(f"{shown}: not a readable Excel file ({type(error).__name__}). Open and save it "
                        "again in Excel, or export the survey as CSV.") from None
    return _as_text(grid.dropna(how="all"))


def _read_stat_grid(resolved: Path, shown: str, kind: str) -> pd.DataFrame:
    import pyreadstat

    reader = pyreadstat.read_sav if kind == "spss" else pyreadstat.read_dta
    try:
        data, meta = reader(str(resolved), apply_value_formats=True)
    except Exception as error:  # pyreadstat raises its own ReadstatError for broken files
        raise ReadError(f"{shown}: not a readable {kind.upper()} file ({error}). Save it again from "
                        f"{'SPSS' if kind == 'spss' else 'Stata'}.") from None
    labels = [label or "" for label in (meta.column_labels or [""] * len(meta.column_names))]
    header = pd.DataFrame([list(meta.column_names), labels])
    return pd.concat([header, _as_text(data)], ignore_index=True)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    # Binary formats hold typed cells; make them the text a CSV export would hold.
    text = frame.apply(lambda column: column.astype(object).map(_cell_text))
    return text.set_axis(range(frame.shape[1]), axis=1)


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value)


def _question_headers(mappings) -> dict[str, str]:
    headers: dict[str, str] = {}
    for mapping in mappings:
        if mapping.question:
            headers.setdefault(mapping.question, mapping.header)
    return headers


def _check_layout_fits(layout: str, suffix: str, shown: str) -> None:
    stat_layout = _STAT_SUFFIXES.get(suffix)
    if (stat_layout or layout in ("spss", "stata")) and layout != stat_layout:
        raise ConfigError(f"{shown}: layout '{layout}' does not fit a '{suffix}' file. Leave --layout out "
                          "to detect it.")


def _check_mapped(mappings, codebook, shown: str, layout: str) -> None:
    mapped = {m.question for m in mappings if m.question}
    if not mapped:
        first = ", ".join(f"'{m.header}'" for m in mappings[:3])
        raise ReadError(
            f"{shown}: unknown layout: no column header (e.g. {first}) matches a question id, source or "
            f"text of the codebook (read as '{layout}'). Force the layout with --layout "
            f"({', '.join(layouts.LAYOUTS)}), or add the headers to the questions' `source` lists."
        )
    if codebook.key not in mapped:
        key = codebook.question(codebook.key)
        names = ", ".join([key.id, *key.source])
        raise ReadError(
            f"{shown}: the key column is missing: no header matches question '{key.id}' ({names}). "
            "Add the respondent id column to the export, or list its header under the key's `source`."
        )
