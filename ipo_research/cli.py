"""The ``ipo-research`` command line.

Each subcommand parses its options here and calls one public function of the package. Errors
derived from :class:`~ipo_research.exceptions.IpoResearchError` end the command with their exit
code (1 data or notebook failed, 2 usage or configuration) and their message alone; ``--debug``
shows the traceback as well.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from ipo_research.exceptions import IpoResearchError
from ipo_research.paths import CODEBOOK_PATH, MODELS_PATH, REPORTS_DIR, SYNTHETIC_EXPORT_PATH, relative_to_root

__all__ = ["main", "build_parser"]

# The export layouts of ipo_research.survey.layouts.LAYOUTS, listed here so `--help` stays fast.
_LAYOUTS = ("plain", "qualtrics", "surveymonkey", "google_forms", "spss", "stata")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ipo-research``, with one subparser per command."""
    parser = argparse.ArgumentParser(
        prog="ipo-research",
        description="Reproducible analysis of the 2016 survey of Independent Political Organizations.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="execute the notebooks of notebooks/pipeline.yaml")
    run.add_argument("stages", nargs="*", metavar="STAGE", help="stages to run (default: all)")
    run.add_argument("--data", help="survey export to analyse (default: the synthetic export)")
    run.add_argument("--codebook", help=f"codebook YAML (default: {relative_to_root(CODEBOOK_PATH)})")
    run.add_argument("--models", help=f"model specs YAML (default: {relative_to_root(MODELS_PATH)})")
    run.add_argument("--out", help=f"output folder (default: {relative_to_root(REPORTS_DIR)})")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="notebook parameter, repeatable")
    run.add_argument("--jobs", type=int, default=None, help="parallel runs (default: number of cores)")
    run.add_argument("--force", action="store_true", help="redo every run, even if nothing changed")
    run.add_argument("--pipeline", help=argparse.SUPPRESS)  # another pipeline file, for tests
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser("validate", help="check an export against the codebook")
    validate.add_argument("data", help="survey export (CSV, XLSX, SAV or DTA)")
    validate.add_argument("--codebook", default=str(relative_to_root(CODEBOOK_PATH)))
    validate.add_argument("--layout", default=None, choices=_LAYOUTS,
                          help="force the export layout instead of detecting it")
    validate.set_defaults(handler=_cmd_validate)

    clean = commands.add_parser("clean", help="clean an export into OUT/data")
    clean.add_argument("data", help="survey export (CSV, XLSX, SAV or DTA)")
    clean.add_argument("--codebook", default=str(relative_to_root(CODEBOOK_PATH)))
    clean.add_argument("--out", default=str(relative_to_root(REPORTS_DIR)))
    clean.add_argument("--layout", default=None, choices=_LAYOUTS,
                       help="force the export layout instead of detecting it")
    clean.set_defaults(handler=_cmd_clean)

    synth = commands.add_parser("synth", help="write a synthetic export with planted effects")
    synth.add_argument("--n", type=int, default=75, help="number of organizations (default 75)")
    synth.add_argument("--seed", type=int, default=2016, help="random seed (default 2016)")
    synth.add_argument("--out", default=str(relative_to_root(SYNTHETIC_EXPORT_PATH)), help="CSV to write")
    synth.add_argument("--codebook", default=str(relative_to_root(CODEBOOK_PATH)))
    synth.set_defaults(handler=_cmd_synth)

    report = commands.add_parser("report", help="rebuild the report site from a run (no execution); --pdf prints it")
    report.add_argument("--out", default=str(relative_to_root(REPORTS_DIR)), help="output folder of the run")
    report.add_argument("--pdf", action="store_true", help="also write OUT/report.pdf with headless Chromium")
    report.set_defaults(handler=_cmd_report)

    status = commands.add_parser("status", help="say what a run would redo, and why")
    status.add_argument("--out", help=f"output folder (default: {relative_to_root(REPORTS_DIR)})")
    status.add_argument("--data")
    status.add_argument("--codebook")
    status.add_argument("--models")
    status.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    status.add_argument("stages", nargs="*", metavar="STAGE", help="stages to check (default: all)")
    status.add_argument("--pipeline", help=argparse.SUPPRESS)  # another pipeline file, for tests
    status.set_defaults(handler=_cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``ipo-research``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except IpoResearchError as error:
        if args.debug:
            traceback.print_exc()
        print(f"ipo-research {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("ipo-research: interrupted", file=sys.stderr)
        return 130


def _cmd_run(args: argparse.Namespace) -> int:
    from ipo_research.pipeline import runner

    return runner.run_command(args)


def _cmd_status(args: argparse.Namespace) -> int:
    from ipo_research.pipeline import runner

    return runner.status_command(args)


def _cmd_report(args: argparse.Namespace) -> int:
    from ipo_research.paths import project_path
    from ipo_research.report import pdf, site

    out = project_path(args.out)
    manifest = site.load_manifest(out)
    browser = pdf.find_browser() if args.pdf else None  # before the build: fail fast
    written = site.build_site(out, manifest)
    print(f"wrote {relative_to_root(written['index'])} and the pages it links")
    if args.pdf:
        print(f"wrote {relative_to_root(pdf.write_pdf(out, manifest, browser=browser))}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.paths import project_path
    from ipo_research.survey.validation import format_problems, has_errors, validate_export

    problems = validate_export(args.data, load_codebook(args.codebook), layout=args.layout)
    print(format_problems(problems, source=relative_to_root(project_path(args.data))))
    return 1 if has_errors(problems) else 0


def _cmd_clean(args: argparse.Namespace) -> int:
    from ipo_research.survey.cleaning import clean_responses
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.survey.cleaned import write_clean_outputs
    from ipo_research.survey.exports import read_export

    codebook = load_codebook(args.codebook)
    raw = read_export(args.data, codebook, layout=args.layout)
    result = clean_responses(raw, codebook)
    written = write_clean_outputs(result, args.out, source_path=args.data)
    print(f"cleaned {raw.path} ({raw.layout}, {result.raw_rows} rows): {len(result.responses)} kept, "
          f"{len(result.quarantine)} quarantined, {len(result.log)} values logged; "
          f"{len(raw.unmapped_columns)} unmapped column(s)")
    print(f"wrote {', '.join(relative_to_root(path) for path in written.values())}")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from ipo_research.synth import generator as synth
    from ipo_research.survey.codebook import load_codebook

    written = synth.write_synthetic_export(
        args.out, codebook=load_codebook(args.codebook), n=args.n, seed=args.seed
    )
    print(f"wrote {relative_to_root(written)} ({args.n} organizations, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
