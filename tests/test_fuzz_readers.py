"""Fuzzed readers: ``validate`` and ``clean`` on mutated exports of every supported layout.

Every case starts from a fixture export of one layout (plain CSV with and without BOM and in
Windows-1252, Qualtrics, SurveyMonkey CSV and XLSX, Google Forms, Excel, SPSS ``.sav``, Stata
``.dta``) and breaks it: truncated, random bytes, flipped bytes, NUL bytes, zero bytes, the
header only, a line in another encoding, text under a binary format's name. Two large cases
run once each: a 5 MB cell and 10,000 columns. The only outcomes allowed are success, or an
:class:`~ipo_research.exceptions.IpoResearchError` that the command turns into exit 1 or 2 and
a message of a few lines: never a traceback, never a hang (each case runs under a time limit),
and the input file is never changed.

``make test`` runs a bounded number of examples (well under 60 s); ``make fuzz`` sets
``IPO_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ipo_research.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
CODEBOOK = FIXTURES / "garden_codebook.yaml"
SEEDS = {
    "plain": "garden_plain.csv", "plain_bom": "garden_plain_bom.csv",
    "plain_cp1252": "garden_plain_cp1252.csv", "qualtrics": "garden_qualtrics.csv",
    "surveymonkey": "garden_surveymonkey.csv", "surveymonkey_xlsx": "garden_surveymonkey.xlsx",
    "google_forms": "garden_google_forms.csv", "excel": "garden_plain.xlsx",
    "spss": "garden.sav", "stata": "garden.dta",
}
EXAMPLES = int(os.environ.get("IPO_FUZZ_EXAMPLES", "4"))
CASE_SECONDS = 30
MAX_MESSAGE_LINES = 12


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    def stop(signum, frame):
        raise _Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _command(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _time_limit(CASE_SECONDS):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _check_both_commands(path: Path, out_dir: Path) -> None:
    before = hashlib.sha256(path.read_bytes()).digest()
    for argv in (["validate", str(path), "--codebook", str(CODEBOOK)],
                 ["clean", str(path), "--codebook", str(CODEBOOK), "--out", str(out_dir)]):
        code, _, err = _command(argv)
        assert code in (0, 1, 2), (argv[0], code, err)
        assert "Traceback" not in err
        if code == 2 or (code == 1 and argv[0] == "clean"):
            # an error: a message of a few lines naming what is wrong
            assert err.strip(), (argv[0], code)
            assert len(err.strip().splitlines()) <= MAX_MESSAGE_LINES, err
    assert hashlib.sha256(path.read_bytes()).digest() == before, "the input file was changed"


def _mutate(data: bytes, kind: str, draw_bytes: bytes, position: float) -> bytes:
    at = int(position * len(data))
    if kind == "truncate":
        return data[:at]
    if kind == "random":
        return draw_bytes
    if kind == "flip":
        flipped = bytearray(data)
        for offset, byte in enumerate(draw_bytes[:16]):
            flipped[(at + offset * 97) % len(flipped)] ^= byte or 0xFF
        return bytes(flipped)
    if kind == "nul":
        return data[:at] + b"\x00" * (1 + len(draw_bytes) % 64) + data[at:]
    if kind == "zero":
        return b""
    if kind == "header_only":
        return data.split(b"\n", 1)[0] + b"\n"
    if kind == "mixed_encoding":
        return data + "R_99,Zoë Ünal,NY,2016-01-01,Café ½,1,2,3,4,Neutral,Herbs,No\n".encode("cp1252") \
            + "R_98,Zoë,NY\n".encode("utf-16")
    if kind == "text_named_binary":
        return b"respondent,plots\nR_1,2\n" + draw_bytes
    raise AssertionError(kind)


KINDS = ["truncate", "random", "flip", "nul", "zero", "header_only", "mixed_encoding",
         "text_named_binary"]


@pytest.mark.parametrize("layout", sorted(SEEDS))
@given(kind=st.sampled_from(KINDS), draw_bytes=st.binary(min_size=0, max_size=512),
       position=st.floats(min_value=0, max_value=1))
@settings(max_examples=EXAMPLES, deadline=None, derandomize="IPO_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_mutated_export_is_read_or_refused_with_a_clear_error(layout, kind, draw_bytes, position, tmp_path):
    seed = FIXTURES / SEEDS[layout]
    path = tmp_path / f"case{seed.suffix}"
    path.write_bytes(_mutate(seed.read_bytes(), kind, draw_bytes, position))
    _check_both_commands(path, tmp_path / "out")


@pytest.mark.parametrize("suffix", [".xlsx", ".sav", ".dta"])
def test_text_under_a_binary_formats_name_is_a_clear_error(suffix, tmp_path):
    path = tmp_path / f"export{suffix}"
    path.write_bytes((FIXTURES / "garden_plain.csv").read_bytes())
    code, _, err = _command(["validate", str(path), "--codebook", str(CODEBOOK)])
    assert code in (1, 2) and err.strip() and "Traceback" not in err
    assert path.name in err


def test_a_five_megabyte_cell_is_read_or_refused(tmp_path):
    lines = (FIXTURES / "garden_plain.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[4] = "x" * 5_000_000  # garden_site, an open text
    path = tmp_path / "big_cell.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    _check_both_commands(path, tmp_path / "out")


@pytest.mark.slow  # about 15 s: run by CI (see Makefile)
def test_ten_thousand_columns_are_read_or_refused(tmp_path):
    lines = (FIXTURES / "garden_plain.csv").read_text(encoding="utf-8").splitlines()
    extra = [f"extra_{i}" for i in range(10_000)]
    rows = [lines[0] + "," + ",".join(extra)] + [line + "," + ",".join("1" * 1 for _ in extra)
                                                  for line in lines[1:3]]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _check_both_commands(path, tmp_path / "out")
