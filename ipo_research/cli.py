"""The ``ipo-research`` command line.

Each subcommand parses its options here and calls one public function of the package. Paths
typed on the command line are relative to the current folder; defaults (and notebook
parameters) are relative to the project root. Errors
derived from :class:`~ipo_research.exceptions.IpoResearchError` end the command with their exit
code (1 data or notebook failed, 2 usage or configuration) and their message alone; ``--debug``
(before or after the subcommand) shows the traceback as well.

A subcommand is one entry of :data:`COMMANDS`: its name, a one-line help and a function that
adds its options to the subparser and sets its handler.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from ipo_research.exceptions import IpoResearchError
from ipo_research.paths import (CODEBOOK_PATH, MODELS_PATH, PIPELINE_PATH, REPORTS_DIR,
                                SYNTHETIC_EXPORT_PATH, portable_path, relative_to_root)
from ipo_research.pipeline.plan import DEFAULT_CELL_TIMEOUT, DEFAULT_KERNEL_START_TIMEOUT

__all__ = ["COMMANDS", "main", "build_parser", "shown_path"]

# The export layouts of ipo_research.survey.layouts.LAYOUTS, listed here so `--help` stays fast.
_LAYOUTS = ("plain", "qualtrics", "surveymonkey", "google_forms", "spss", "stata")
_LAYOUT_HELP = ("force the export layout instead of detecting it: " + ", ".join(_LAYOUTS)
                + " (default: detected from the file)")
_DEFAULTS = {
    "codebook": relative_to_root(CODEBOOK_PATH),
    "models": relative_to_root(MODELS_PATH),
    "out": relative_to_root(REPORTS_DIR),
    "data": relative_to_root(SYNTHETIC_EXPORT_PATH),
    "pipeline": relative_to_root(PIPELINE_PATH),
}


def shown_path(path: str | Path) -> str:
    """``path`` as the user should read it: relative to the current folder.

    Examples
    --------
    >>> shown_path(Path.cwd() / "reports" / "index.html")
    'reports/index.html'
    """
    return Path(os.path.relpath(Path(path).resolve(), Path.cwd())).as_posix()


def _typed_path(value: str) -> str:
    """A path typed on the command line, relative to the current folder like any command's.

    Returned as the package passes paths on: relative to the project root when inside it (so
    notebook parameters and the manifest stay portable), absolute otherwise. Defaults are not
    typed and stay relative to the project root.
    """
    return portable_path(Path(value).expanduser())


def _seconds(value: str) -> int:
    """A whole, positive number of seconds typed on the command line."""
    if not value.strip().isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a whole number of seconds, at least 1, e.g. 600")
    return int(value)


def _common() -> argparse.ArgumentParser:
    """Options every subcommand accepts after its name as well (``--debug``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an error as well")
    return common


def _add_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stages", nargs="*", metavar="STAGE",
                        help="stages to run, plus the stages they need (default: all; see below)")
    parser.add_argument("--data", metavar="PATH", type=_typed_path,
                        help=f"survey export the clean stage reads (default: {_DEFAULTS['data']})")
    parser.add_argument("--codebook", metavar="PATH", type=_typed_path, help=f"codebook YAML (default: {_DEFAULTS['codebook']})")
    parser.add_argument("--models", metavar="PATH", type=_typed_path, help=f"model specs YAML (default: {_DEFAULTS['models']})")
    parser.add_argument("--layout", choices=_LAYOUTS, metavar="LAYOUT",
                        help=_LAYOUT_HELP + ", passed to the clean stage")
    parser.add_argument("--out", metavar="DIR", type=_typed_path, help=f"output folder OUT (default: {_DEFAULTS['out']})")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="set a notebook parameter, e.g. -p seed=7; repeatable")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="runs in parallel (default: the number of cores)")
    parser.add_argument("--force", action="store_true", help="redo every run, even if nothing changed")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="sweep: run the named STAGEs once per value (per combination when "
                             "repeated), e.g. profile --grid disclosure_threshold=1,3,4")
    parser.add_argument("--executor", choices=("local", "dask"),
                        help="where notebooks run: local threads or a Dask cluster (default: "
                             "pipeline.yaml's executor, else local)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --executor dask: a running scheduler, e.g. tcp://10.0.0.5:8786 "
                             "(default: pipeline.yaml's scheduler, else a LocalCluster of --jobs workers)")
    parser.add_argument("--kernels", choices=("fork", "fresh"), default=None,
                        help="fork: kernels forked from a warm process (default where os.fork "
                             "works, local executor); fresh: a new Python per notebook")
    parser.add_argument("--cell-timeout", type=_seconds, metavar="SECONDS",
                        help="seconds any cell may run before its kernel is stopped and the run "
                             f"retried (default: each stage's pipeline.yaml timeout, else {DEFAULT_CELL_TIMEOUT})")
    parser.add_argument("--kernel-start-timeout", type=_seconds, default=DEFAULT_KERNEL_START_TIMEOUT,
                        metavar="SECONDS", help="seconds a kernel may take to start before the run "
                                                f"is retried (default: {DEFAULT_KERNEL_START_TIMEOUT})")
    parser.add_argument("--pipeline", type=_typed_path, help=argparse.SUPPRESS)  # another pipeline file, for tests
    parser.set_defaults(handler=_cmd_run)


def _add_status(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("stages", nargs="*", metavar="STAGE", help="stages to check (default: all)")
    parser.add_argument("--data", metavar="PATH", type=_typed_path,
                        help=f"survey export the clean stage would read (default: {_DEFAULTS['data']})")
    parser.add_argument("--codebook", metavar="PATH", type=_typed_path, help=f"codebook YAML (default: {_DEFAULTS['codebook']})")
    parser.add_argument("--models", metavar="PATH", type=_typed_path, help=f"model specs YAML (default: {_DEFAULTS['models']})")
    parser.add_argument("--layout", choices=_LAYOUTS, metavar="LAYOUT", help=_LAYOUT_HELP)
    parser.add_argument("--out", metavar="DIR", type=_typed_path, help=f"output folder OUT (default: {_DEFAULTS['out']})")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="a notebook parameter as `run` would get it; repeatable")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="a sweep as `run` would make it; repeatable")
    parser.add_argument("--pipeline", type=_typed_path, help=argparse.SUPPRESS)  # another pipeline file, for tests
    parser.set_defaults(handler=_cmd_status)


def _add_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA", type=_typed_path, help="survey export (CSV, XLSX, SAV or DTA)")
    parser.add_argument("--codebook", metavar="PATH", type=_typed_path, default=CODEBOOK_PATH,
                        help=f"codebook YAML (default: {_DEFAULTS['codebook']})")
    parser.add_argument("--layout", choices=_LAYOUTS, metavar="LAYOUT", help=_LAYOUT_HELP)
    parser.set_defaults(handler=_cmd_validate)


def _add_clean(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA", type=_typed_path, help="survey export (CSV, XLSX, SAV or DTA)")
    parser.add_argument("--codebook", metavar="PATH", type=_typed_path, default=CODEBOOK_PATH,
                        help=f"codebook YAML (default: {_DEFAULTS['codebook']})")
    parser.add_argument("--out", metavar="DIR", type=_typed_path, default=REPORTS_DIR,
                        help=f"output folder OUT; writes OUT/data (default: {_DEFAULTS['out']})")
    parser.add_argument("--layout", choices=_LAYOUTS, metavar="LAYOUT", help=_LAYOUT_HELP)
    parser.add_argument("--force", action="store_true",
                        help="replace OUT/data even when it holds data cleaned from another export")
    parser.set_defaults(handler=_cmd_clean)


def _add_synth(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=75, metavar="N", help="number of organizations (default: 75)")
    parser.add_argument("--seed", type=int, default=2016, metavar="S", help="random seed (default: 2016)")
    parser.add_argument("--out", metavar="PATH", type=_typed_path, default=SYNTHETIC_EXPORT_PATH,
                        help=f"CSV to write, with its PATH.synthetic.json marker beside it "
                             f"(default: {_DEFAULTS['data']})")
    parser.add_argument("--codebook", metavar="PATH", type=_typed_path, default=CODEBOOK_PATH,
                        help=f"codebook YAML (default: {_DEFAULTS['codebook']})")
    parser.add_argument("--force", action="store_true", help="replace the CSV if it exists")
    parser.set_defaults(handler=_cmd_synth)


def _add_codebook(parser: argparse.ArgumentParser) -> None:
    # `codebook draft`: self-contained; the work is in ipo_research.survey.draft.draft_command.
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION",
                                    help="draft: write a codebook YAML drafted from an export")
    draft = actions.add_parser("draft", parents=[_common()],
                               help="write a codebook YAML drafted from EXPORT (and --qsf)")
    draft.add_argument("export", metavar="EXPORT", type=_typed_path, help="survey export (CSV, XLSX, SAV or DTA)")
    draft.add_argument("--qsf", metavar="PATH", type=_typed_path,
                       help="the survey's Qualtrics survey file (.qsf), the best source")
    draft.add_argument("--out", metavar="PATH", type=_typed_path,
                       help="YAML to write (default: data/<export name>.codebook.yaml)")
    draft.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    draft.add_argument("--layout", choices=_LAYOUTS, metavar="LAYOUT", help=_LAYOUT_HELP)
    draft.set_defaults(handler=_cmd_codebook_draft)


def _add_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", type=_typed_path, default=REPORTS_DIR,
                        help=f"output folder OUT of the run (default: {_DEFAULTS['out']})")
    parser.add_argument("--pdf", action="store_true",
                        help="also write OUT/report.pdf with headless Chromium")
    parser.set_defaults(handler=_cmd_report)


# name -> (one-line help, adds the options and handler). Add a subcommand here.
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "run": ("execute the notebooks of notebooks/pipeline.yaml, render their pages", _add_run),
    "status": ("say what a run would redo, and why", _add_status),
    "validate": ("check an export against the codebook; exit 0 valid, 1 invalid", _add_validate),
    "clean": ("clean an export into OUT/data", _add_clean),
    "synth": ("write a synthetic export (and its .qsf survey file) with planted effects", _add_synth),
    "codebook": ("draft a codebook from a survey file or an export (codebook draft)", _add_codebook),
    "report": ("rebuild the report site from a run without executing anything; --pdf prints it", _add_report),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ipo-research``, with one subparser per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="ipo-research",
        description="Reproducible analysis of the 2016 survey of Independent Political Organizations.",
        epilog="Exit codes: 0 success; 1 the data or a notebook failed; 2 a usage or configuration "
               "mistake. `ipo-research COMMAND --help` describes each command.",
    )
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error as well")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, add) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:] + ".",
                                  parents=[_common()],
                                  epilog=_stages_epilog() if name in ("run", "status") else None,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        add(sub)
    return parser


def _stages_epilog() -> str:
    """The stages of the default pipeline, one line each, for ``run --help``."""
    from ipo_research.pipeline.plan import load_pipeline

    try:
        pipeline = load_pipeline(PIPELINE_PATH)
    except IpoResearchError as error:
        return f"stages: cannot read {_DEFAULTS['pipeline']} ({error})"
    width = max(len(stage.name) for stage in pipeline.stages)
    lines = [f"stages (from {_DEFAULTS['pipeline']}, in run order):"]
    for stage in pipeline.stages:
        needs = f" (needs {', '.join(stage.needs)})" if stage.needs else ""
        lines.append(f"  {stage.name:<{width}}  {stage.description or stage.notebook.name}{needs}")
    return "\n".join(lines)


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

    code = runner.run_command(args)
    index = Path(runner.request_from_args(args).out_path) / "index.html"
    if index.is_file():
        print(f"pages: {shown_path(index)}", file=sys.stderr)
    return code


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
    print(f"wrote {shown_path(written['index'])} and the pages it links")
    if args.pdf:
        print(f"wrote {shown_path(pdf.write_pdf(out, manifest, browser=browser))}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from ipo_research.survey.cleaning import clean_responses
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.survey.exports import read_export
    from ipo_research.survey.validation import format_problems, has_errors, problems_of

    codebook = load_codebook(args.codebook)
    raw = read_export(args.data, codebook, layout=args.layout)
    problems = problems_of(raw, clean_responses(raw, codebook), codebook)
    print(f"layout: {raw.layout} ({raw.layout_reason})")
    print(format_problems(problems, source=raw.path))
    return 1 if has_errors(problems) else 0


def _cmd_clean(args: argparse.Namespace) -> int:
    from ipo_research.survey.cleaned import check_out_free, write_clean_outputs
    from ipo_research.survey.cleaning import clean_responses
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.survey.exports import read_export

    codebook = load_codebook(args.codebook)
    raw = read_export(args.data, codebook, layout=args.layout)
    if not args.force:
        check_out_free(args.out, source_path=args.data)
    result = clean_responses(raw, codebook)
    written = write_clean_outputs(result, args.out, source_path=args.data)
    print(f"cleaned {raw.path} ({raw.layout}, {result.raw_rows} rows): {len(result.responses)} kept, "
          f"{len(result.quarantine)} quarantined, {len(result.log)} values logged; "
          f"{len(raw.unmapped_columns)} unmapped column(s)")
    print(f"layout: {raw.layout} ({raw.layout_reason})")
    print(f"wrote {', '.join(shown_path(path) for path in written.values())}")
    return 0


def _cmd_codebook_draft(args: argparse.Namespace) -> int:
    from ipo_research.survey.draft import draft_command

    return draft_command(args.export, qsf=args.qsf, out=args.out, force=args.force, layout=args.layout)


def _cmd_synth(args: argparse.Namespace) -> int:
    from ipo_research.survey.codebook import load_codebook
    from ipo_research.survey.source import marker_path
    from ipo_research.synth import generator as synth

    codebook = load_codebook(args.codebook)
    written = synth.write_synthetic_export(args.out, codebook=codebook, n=args.n, seed=args.seed,
                                           force=args.force)
    survey_file = synth.write_synthetic_qsf(written.with_suffix(".qsf"), codebook=codebook)
    print(f"wrote {shown_path(written)}, {shown_path(marker_path(written))} and its survey file "
          f"{shown_path(survey_file)} ({args.n} organizations, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
