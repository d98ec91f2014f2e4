"""How cleaning scales: synthesize large exports, clean them, compare with pandas.read_csv.

Usage (from the project root)::

    .venv/bin/python benchmarks/clean_scale.py                 # 10,000 and 100,000 responses
    .venv/bin/python benchmarks/clean_scale.py --sizes 2000 20000 --repeats 1

Both commands run as whole processes, in the same run, several times each; the medians are
compared. The bars (issue #3):

* cleaning the largest export takes at most 8 times as long as ``pandas.read_csv`` of it;
* ten times the rows takes at most 11 times as long to clean;
* the clean process's peak memory stays under 2 GiB.

It prints the timings and the ratios, and exits 1 when a bar is missed. It is not a test.

This script imports neither pandas nor the package: the exports are written by
``ipo-research synth`` in a child process. A child started by a large parent would report the
parent's memory as its own peak (Linux keeps the high-water mark across exec), so the parent
stays small.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READ_BAR = 8.0
SCALE_BAR = 11.0
MEMORY_BAR_BYTES = 2 * 1024**3


def run_process(command: list[str]) -> tuple[float, int]:
    """Run ``command`` to completion; return its wall time in seconds and peak RSS in bytes."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss * 1024  # Linux reports kilobytes


def write_export(path: Path, *, n: int, seed: int) -> Path:
    """Write a synthetic export of ``n`` responses with ``ipo-research synth`` in a child process."""
    subprocess.run([sys.executable, "-m", "ipo_research.cli", "synth", "--n", str(n), "--seed", str(seed),
                    "--out", str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def measure(export: Path, out_dir: Path, repeats: int) -> dict[str, float]:
    """Median wall time of read_csv and of clean on ``export``, and clean's peak memory."""
    read = [sys.executable, "-c", f"import pandas; pandas.read_csv({str(export)!r})"]
    clean = [sys.executable, "-m", "ipo_research.cli", "clean", str(export), "--out", str(out_dir)]
    read_times, clean_times, peaks = [], [], []
    for _ in range(repeats):
        read_times.append(run_process(read)[0])
        seconds, peak = run_process(clean)
        clean_times.append(seconds)
        peaks.append(peak)
    return {"read_csv": statistics.median(read_times), "clean": statistics.median(clean_times),
            "peak": max(peaks)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the ratios; return 0 when every bar is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command (median taken)")
    parser.add_argument("--seed", type=int, default=2016)
    args = parser.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory(prefix="clean_scale_") as folder:
        for size in args.sizes:
            export = write_export(Path(folder) / f"export_{size}.csv", n=size, seed=args.seed)
            results[size] = measure(export, Path(folder) / f"out_{size}", args.repeats)
            print(f"{size:>8,} responses: read_csv {results[size]['read_csv']:6.2f} s, clean "
                  f"{results[size]['clean']:6.2f} s, clean peak memory {results[size]['peak'] / 1024**2:7.0f} MiB")
    small, large = args.sizes
    read_ratio = results[large]["clean"] / results[large]["read_csv"]
    scale_ratio = results[large]["clean"] / results[small]["clean"]
    peak = max(result["peak"] for result in results.values())
    checks = [
        (f"clean / read_csv at {large:,}", read_ratio, f"<= {READ_BAR:g}", read_ratio <= READ_BAR),
        (f"clean {large:,} / clean {small:,} ({large // small}x rows)", scale_ratio, f"<= {SCALE_BAR:g}",
         scale_ratio <= SCALE_BAR),
        ("peak memory (GiB)", peak / 1024**3, "< 2", peak < MEMORY_BAR_BYTES),
    ]
    for name, value, bar, met in checks:
        print(f"{name:<45} {value:6.2f}  (bar {bar}: {'met' if met else 'MISSED'})")
    return 0 if all(met for *_, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
